"""Rounds, experts and nominations shared by the nomination scenarios (国科发奖〔2023〕225号).

The dates are real 2024–2025 days. The 2025 round's notice is published on Mon 2024-12-02
with its submission deadline on Fri 2025-01-10 (39 days, 第十二条).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from policyflow import Engine

NOTICE_DAY = "2024-12-02"
DEADLINE = "2025-01-10"


def at(day: str, hour: int = 10) -> datetime:
    """A business time on `day` (ISO date) at `hour`:00."""
    return datetime.fromisoformat(day).replace(hour=hour)


def open_round(
    engine: Engine, quotas: dict[str, int] | None = None, deadline: str = DEADLINE
) -> str:
    """The 2025 round, its notice published on NOTICE_DAY; its case id."""
    case = engine.start(
        "nomination-round", {"year": 2025, "cycle_id": "2025"}, at=at(NOTICE_DAY, 9)
    )
    payload = {
        "submission_deadline": deadline,
        "principles_stated": True,
        "quotas": [{"unit": u, "quota": q} for u, q in (quotas or {"CAST": 2}).items()],
    }
    engine.fire(case.id, "round_opened", payload, at=at(NOTICE_DAY))
    return case.id


def expert(index: int, kind: str = "academician", **overrides: Any) -> dict[str, Any]:
    """Nominating expert `index` (第八条): 68 years old, from their own university."""
    record: dict[str, Any] = {
        "person_id": f"E{index}",
        "kind": kind,
        "foreign_academician": False,
        "age": 68,
        "legal_entity": f"U{index}",
    }
    if kind == "first_completer":
        record |= {"award_type": "natural_science", "award_grade": "second", "award_year": 2010}
    return record | overrides


def candidate(index: int = 0, **overrides: Any) -> dict[str, Any]:
    """Candidate `index`, a creative contributor at university CU."""
    record = {"candidate_id": f"C{index}", "legal_entity": "CU", "contribution": "creative"}
    return record | overrides


def expert_nomination(
    engine: Engine,
    round_id: str,
    experts: list[dict[str, Any]],
    candidates: list[dict[str, Any]] | None = None,
    award_type: str = "progress",
    day: str = "2024-12-09",
) -> str:
    """An expert nomination in the round, in vetting from `day`; its case id."""
    data = {
        "round_id": round_id,
        "year": 2025,
        "cycle_id": "2025",
        "nominator_kind": "expert",
        "nominator_id": experts[0]["person_id"],
        "award_type": award_type,
        "proposed_grade": "second",
        "candidates": candidates or [candidate()],
        "experts": experts,
        "submission_deadline": DEADLINE,
    }
    case = engine.start("nomination", data, at=at(day, 9))
    engine.fire(case.id, "vetting_started", at=at(day))
    return case.id


def unit_nomination(
    engine: Engine,
    round_id: str,
    unit: str = "CAST",
    candidate_id: str = "C0",
    kind: str = "organization",
    day: str = "2024-12-09",
    **data: Any,
) -> str:
    """A nomination by a unit in the round, in vetting from `day`; its case id."""
    values = {
        "round_id": round_id,
        "year": 2025,
        "cycle_id": "2025",
        "nominator_kind": kind,
        "nominator_id": unit,
        "award_type": "progress",
        "proposed_grade": "second",
        "candidates": [candidate(candidate_id=candidate_id)],
        "submission_deadline": DEADLINE,
    } | data
    case = engine.start("nomination", values, at=at(day, 9))
    engine.fire(case.id, "vetting_started", at=at(day))
    return case.id


def vetted(publicity_ends_on: str = "2024-12-20", consulted: int = 5) -> dict[str, Any]:
    """The payload that completes vetting: 5 experts consulted, employers heard."""
    return {
        "consulted_experts": consulted,
        "employer_heard": True,
        "publicity_ends_on": publicity_ends_on,
    }
