"""Members, panels and steps shared by the ethics review scenarios (国科发监〔2023〕167号).

The dates are real 2024–2025 days; each test says why its boundary falls where it does.
Periods are natural days (第五十二条第二款); a last day that is not a working day moves to
the next working day (民法典 第二百零三条) unless the test says otherwise.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from policyflow import Engine
from policyflow.engine.case import Case

#: 第七条's categories: a science peer, an ethics and a law expert (genders alternate).
_CATEGORIES = ["science_peer", "ethics", "law", "science_peer", "other", "science_peer", "other"]


def at(day: str, hour: int = 10, minute: int = 0) -> datetime:
    """A business time on `day` (ISO date) at `hour`:`minute`."""
    return datetime.fromisoformat(day).replace(hour=hour, minute=minute)


def member(index: int, **overrides: Any) -> dict[str, Any]:
    """Member `index` of a committee whose first members cover every 第七条 category."""
    record: dict[str, Any] = {
        "member_id": f"M{index}",
        "category": _CATEGORIES[index % len(_CATEGORIES)],
        "gender": "female" if index % 2 else "male",
        "external": index == 2,
        "local": False,
        "recused": False,
    }
    return record | overrides


def present(count: int, **overrides: Any) -> list[dict[str, Any]]:
    """`count` members present, covering every category once there are five or more."""
    return [member(i, **overrides) for i in range(count)]


def committee_member(index: int, **overrides: Any) -> dict[str, Any]:
    """A committee member record (第七条): role, background, gender, term of five years."""
    record = {
        "member_id": f"M{index}",
        "role": "chair" if index == 0 else "vice_chair" if index == 1 else "member",
        "category": _CATEGORIES[index % len(_CATEGORIES)],
        "gender": "female" if index % 2 else "male",
        "external": index == 2,
        "local": False,
        "term_start": "2024-01-01",
        "term_end": "2028-12-31",
    }
    return record | overrides


def expert(index: int, **overrides: Any) -> dict[str, Any]:
    """Re-review expert `index` (第二十八条): the first three are a peer, an ethicist, a lawyer."""
    record = {
        "expert_id": f"E{index}",
        "category": ["science_peer", "ethics", "law"][index] if index < 3 else "science_peer",
        "committee_member": False,
        "interest_declared": True,
        "direct_interest": False,
    }
    return record | overrides


def timer(case: Case, deadline: str) -> Any:
    """The case's latest timer of `deadline`."""
    found = case.snapshot.timer(deadline)
    assert found is not None, f"deadline {deadline!r} never started"
    return found


def due(case: Case, deadline: str) -> date:
    """The due day of the case's latest timer of `deadline`."""
    return timer(case, deadline).due  # type: ignore[no-any-return]


def only_child(engine: Engine, case: Case | str, process_id: str) -> Case:
    """The one child case of `case` running `process_id`."""
    case_id = case if isinstance(case, str) else case.id
    found = [c for c in engine.children(case_id) if c.process_id == process_id]
    assert len(found) == 1, found
    return found[0]


def accepted(
    engine: Engine, day: str = "2024-03-11", procedure: str = "meeting", **data: Any
) -> str:
    """An ethics-review case accepted on `day` at 10:00 for `procedure`; its id."""
    case = engine.start("ethics-review", data, at=at(day, 9))
    engine.fire(case.id, "application_submitted", at=at(day, 9))
    engine.fire(case.id, "application_accepted", {"procedure": procedure}, at=at(day, 10))
    return case.id


def in_meeting(engine: Engine, day: str = "2024-03-11", count: int = 6, **data: Any) -> str:
    """A case accepted on `day`, its meeting held on 2024-03-25 with `count` present."""
    case_id = accepted(engine, day, **data)
    engine.fire(
        case_id,
        "meeting_convened",
        {"presided_by_chair": True, "present": present(count)},
        at=at("2024-03-25"),
    )
    return case_id


def timer_actions(engine: Engine, case_id: str, deadline: str) -> list[str]:
    """What happened to `deadline` in the case's journal, in order (started, overdue, met …)."""
    return [
        str(change.action)
        for row in engine.history(case_id)
        for change in row.entry.timer_changes
        if change.deadline == deadline
    ]
