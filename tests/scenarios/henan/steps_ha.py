"""Helpers shared by the scenarios of henan-intlab, -scipop, -subctr, -demo and -labreorg.

Dates are real days; each test says why its boundary falls where it does.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from policyflow import Engine


def at(day: str, hour: int = 10) -> datetime:
    """A business time on `day` (ISO date) at `hour`:00."""
    return datetime.fromisoformat(day).replace(hour=hour)


def run(
    engine: Engine, case_id: str, *steps: tuple[str, str] | tuple[str, str, dict[str, Any]]
) -> str:
    """Fire each (event, day[, payload]) in order on `case_id`; the state reached."""
    for step in steps:
        event, day = step[0], step[1]
        payload = step[2] if len(step) == 3 else None  # type: ignore[misc]
        engine.fire(case_id, event, payload, at=at(day))
    return engine.get(case_id).state


def due(engine: Engine, case_id: str, deadline: str) -> date:
    """The due day of the latest timer of `deadline` on the case."""
    timer = engine.get(case_id).snapshot.timer(deadline)
    assert timer is not None, f"deadline {deadline!r} never started"
    return timer.due  # type: ignore[no-any-return]


def occurrence_status(engine: Engine, case_id: str, deadline: str, label: str) -> str:
    """The status of the occurrence `label` of a recurring deadline (armed, overdue, met …)."""
    found = engine.get(case_id).snapshot.occurrence(deadline, label)
    assert found is not None, f"no occurrence {label!r} of {deadline!r}"
    return str(found.status)
