"""Helpers shared by the Henan fund, ticket and ledger scenarios (spec P-WORKPLAN … P-ECO).

Each scenario runs through the real engine on a real SQLite file, on real 2023–2025 days;
each test says why its boundary falls where it does.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

from policyflow import Engine
from policyflow.engine.case import Case


@contextmanager
def open_engine(tmp_path: Path, name: str) -> Iterator[Engine]:
    """A real engine on a fresh SQLite file `name`.db under `tmp_path`."""
    engine = Engine(tmp_path / f"{name}.db")
    try:
        yield engine
    finally:
        engine.close()


def at(day: str, hour: int = 10) -> datetime:
    """A business time on `day` (ISO date) at `hour`:00."""
    return datetime.fromisoformat(day).replace(hour=hour)


def occurrence(case: Case, deadline: str, label: str) -> Any:
    """The occurrence of recurring `deadline` labelled `label`."""
    found = case.snapshot.occurrence(deadline, label)
    assert found is not None, f"no occurrence {label!r} of {deadline!r}"
    return found


def due(case: Case, deadline: str) -> date:
    """The due day of the case's latest timer of `deadline`."""
    found = case.snapshot.timer(deadline)
    assert found is not None, f"deadline {deadline!r} never started"
    assert found.due is not None, f"deadline {deadline!r} is suspended"
    return found.due


def children_of(engine: Engine, case_id: str, process_id: str) -> list[Case]:
    """The child cases of `case_id` running `process_id`, in start order."""
    return [c for c in engine.children(case_id) if c.process_id == process_id]


def child(engine: Engine, case_id: str, process_id: str, **data: Any) -> Case:
    """The one child case of `case_id` running `process_id` whose data has `data`."""
    found = [
        c
        for c in children_of(engine, case_id, process_id)
        if all(c.data.get(k) == v for k, v in data.items())
    ]
    assert len(found) == 1, found
    return found[0]


def timer_actions(engine: Engine, case_id: str, deadline: str) -> list[tuple[str, str | None]]:
    """(action, label) of each change of `deadline` in the case's journal, in order."""
    return [
        (str(change.action), change.label)
        for row in engine.history(case_id)
        for change in row.entry.timer_changes
        if change.deadline == deadline
    ]
