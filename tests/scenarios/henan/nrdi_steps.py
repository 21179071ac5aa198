"""Helpers for the henan-nrdi scenarios (豫科〔2023〕54号): an institution, its filing, its round.

Each helper runs the real engine on real days; the tests say why each boundary falls where
it does.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from policyflow import Engine

from .steps_ha import at, run

#: SC1's institution (第四条): a 2-year-old enterprise, investors {企业, 高校}, R&D ¥1.2 M of
#: ¥6 M revenue (20 %), 12 of 30 staff in R&D (40 %), 600 m², equipment ¥5.5 M (own
#: ¥1.5 M), technical income 60 %, 8 enterprises served, enterprise income 40 %, 4 patents.
SC1: dict[str, Any] = {
    "org_code": "91410100MA0001",
    "legal_form": "enterprise",
    "application_deadline": date(2023, 7, 31),
    "registered_on": date(2021, 6, 1),
    "all_in_henan": True,
    "investor_categories": ["enterprise", "university"],
    "separate_investment_and_management": True,
    "rd_expenditure": Decimal("1200000"),
    "revenue_total": Decimal("6000000"),
    "technical_income": Decimal("3600000"),
    "enterprise_income": Decimal("2400000"),
    "enterprises_served": 8,
    "premises_m2": 600,
    "equipment_value": Decimal("5500000"),
    "equipment_owned": Decimal("1500000"),
    "staff_total": 30,
    "rd_staff": 12,
    "achievements_3y": 4,
    "clean_record_3y": True,
}

APPLIED = "2023-07-03"


def applied(engine: Engine, data: dict[str, Any], day: str = APPLIED) -> str:
    """An institution that applied online on `day`; its case id."""
    case = engine.start("henan-nrdi", data, at=at(day, 9))
    engine.fire(case.id, "application_submitted", at=at(day))
    return case.id


def in_expert_review(engine: Engine, data: dict[str, Any], day: str = APPLIED) -> str:
    """Applied on `day`, delivered, recommended and formally passed by 2023-08-28."""
    case_id = applied(engine, data, day)
    state = run(
        engine,
        case_id,
        ("paper_delivered", "2023-07-10"),
        ("recommended", "2023-07-24"),
        ("formal_passed", "2023-08-28"),
    )
    assert state == "expert_review"
    return case_id


def filed(engine: Engine, data: dict[str, Any] | None = None) -> str:
    """SC1's pipeline (T1→T2→T3→T5→T7→T9): filed on 2023-11-06."""
    case_id = in_expert_review(engine, data or SC1)
    state = run(
        engine, case_id, ("expert_passed", "2023-10-09"), ("publicity_cleared", "2023-11-06")
    )
    assert state == "filed"
    return case_id


def open_round(engine: Engine, round_id: str, day: str, pass_mark: int = 60) -> None:
    """A round of 第十一条's evaluation, its notice on `day`."""
    engine.start(
        "henan-nrdi.round",
        {"cycle_year": 2026, "pass_mark": pass_mark},
        at=at(day, 9),
        case_id=round_id,
    )


def scored_members(engine: Engine, round_id: str, scores: list[int]) -> list[str]:
    """One evaluation per score, each a member of `round_id`, submitted and scored."""
    ids = []
    for number, score in enumerate(scores):
        case = engine.start(
            "henan-nrdi.evaluation",
            {
                "round_id": round_id,
                "org_code": f"ORG{number:03d}",
                "materials_due": date(2026, 12, 31),
            },
            at=at("2026-11-02", 9),
            case_id=f"{round_id}-e{number:03d}",
        )
        run(
            engine,
            case.id,
            ("materials_submitted", "2026-12-01"),
            ("scored", "2027-01-15", {"score": score}),
        )
        ids.append(case.id)
    return ids


def grades(engine: Engine, ids: list[str]) -> list[str]:
    """The grade each evaluation reached, in the order of `ids`."""
    return [str(engine.get(case_id).data["grade"]) for case_id in ids]
