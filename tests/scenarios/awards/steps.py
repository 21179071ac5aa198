"""Payloads and steps shared by the social S&T award scenarios (国科发奖〔2023〕11号).

The dates are real 2023–2025 days; each test says why its boundary falls where it does.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from policyflow import Engine

#: 第十条: the seven matters an award's charter states.
CHARTER = [
    "basic_info",
    "scope_and_objects",
    "categories_criteria_numbers",
    "organization_and_review",
    "award_form",
    "disputes",
    "revocation_and_penalties",
]


def at(day: str, hour: int = 10) -> datetime:
    """A business time on `day` (ISO date) at `hour`:00."""
    return datetime.fromisoformat(day).replace(hour=hour)


def in_scope(**overrides: Any) -> dict[str, Any]:
    """A classification that makes a social S&T award (第三条, 第四条, 第七条第二款)."""
    payload = {
        "excluded_kind": "none",
        "directly_st_related": True,
        "objects_only_management_or_products": False,
        "non_fiscal_funds": True,
        "within_prc_open_recurring": True,
        "founder_full_capacity": True,
    }
    return payload | overrides


def report(**overrides: Any) -> dict[str, Any]:
    """A written report that meets 第八至十三条 (a domestic founder, its own organizer)."""
    payload = {
        "organizer_nonprofit": True,
        "organizer_domestic": True,
        "founder_foreign": False,
        "organizer_qualified": True,
        "organizer_listed_dishonest": False,
        "subcontracted": False,
        "charter_items": list(CHARTER),
        "restricted_words": False,
        "name_confusable": False,
        "naming_authorised": True,
        "fees_charged": False,
        "sub_award_levels": 1,
        "grade_levels": 3,
        "report_items": ["basic_info", "differentiation"],
        "guidance_sought": True,
    }
    return payload | overrides


def preparing(engine: Engine, day: str = "2024-03-04") -> str:
    """An award classified as a social S&T award on `day`; its case id."""
    case = engine.start(
        "award-registration",
        {"award_id": "A1", "award_name": "青年科学奖", "organizer_id": "ORG1"},
        at=at(day, 9),
    )
    engine.fire(case.id, "award_classified", in_scope(), at=at(day))
    return case.id


def listed(engine: Engine, day: str = "2024-03-04") -> str:
    """An award reported and listed in the catalogue on `day`; its case id."""
    case_id = preparing(engine, day)
    engine.fire(case_id, "award_reported", report(), at=at(day, 11))
    engine.fire(case_id, "award_listed", {"filed_with_coordination_group": True}, at=at(day, 15))
    return case_id
