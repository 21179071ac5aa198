"""Steps and helpers shared by the MOST penalty scenarios.

Expected dates in these tests are derived by hand from the State Council's 2023 holiday
notice (国办发明电〔2022〕16号): 劳动节 Apr 29–May 3 off, Apr 23 (Sun) and May 6 (Sat)
worked; 端午节 Jun 22–24 off, Jun 25 (Sun) worked; 中秋节、国庆节 Sep 29–Oct 6 off,
Oct 7 (Sat) and Oct 8 (Sun) worked. Each test says how it counted.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from policyflow import Engine


def at(day: str, hour: int = 10) -> datetime:
    """A business time on `day` (ISO date) at `hour` o'clock."""
    return datetime.combine(date.fromisoformat(day), datetime.min.time()).replace(hour=hour)


def due(case: Any, deadline: str) -> date | None:
    """The due date of the case's latest timer of `deadline`."""
    timer = case.snapshot.timer(deadline)
    assert timer is not None, f"deadline {deadline!r} never started"
    return timer.due


def status(case: Any, deadline: str) -> str:
    """The status of the case's latest timer of `deadline`."""
    timer = case.snapshot.timer(deadline)
    assert timer is not None, f"deadline {deadline!r} never started"
    return str(timer.status)


def events(engine: Engine, case_id: str) -> list[str]:
    """The journal's events, in order."""
    return [r.entry.event for r in engine.history(case_id)]


def to_investigation(engine: Engine, *, registered: str, filed: str, officers: int = 2) -> str:
    """Register a clue, recommend filing and file the case; return the case id."""
    case = engine.start("most-penalty", {"clue_source": "report"}, at=at(registered))
    engine.fire(
        case.id,
        "filing_recommendation_submitted",
        {"recommendation": "file"},
        at=at(registered, 15),
    )
    engine.fire(case.id, "case_filed", {"officers": officers}, at=at(filed))
    return case.id


REPORT = [
    "party_info",
    "course_and_coercive_measures",
    "facts_and_evidence",
    "nature_and_consequence",
]


def to_notice_served(
    engine: Engine,
    case_id: str,
    *,
    concluded: str,
    served: str,
    penalty: dict[str, Any] | None = None,
) -> None:
    """Conclude the investigation, approve a penalty notice (or a no-penalty one) and serve it."""
    if penalty is None:
        engine.fire(
            case_id,
            "investigation_concluded",
            {"report_items": REPORT, "disposition": "minor"},
            at=at(concluded),
        )
        engine.fire(case_id, "non_penalty_notice_approved", at=at(concluded, 15))
    else:
        engine.fire(
            case_id,
            "investigation_concluded",
            {"report_items": REPORT, "disposition": "penalty"},
            at=at(concluded),
        )
        engine.fire(case_id, "penalty_notice_approved", penalty, at=at(concluded, 15))
    engine.fire(case_id, "notice_served", at=at(served))
