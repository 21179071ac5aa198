"""ethics-complaint: who investigates a complaint (国科发监〔2023〕167号 第四十六至五十一条)."""

from __future__ import annotations

from typing import Any

import pytest

from policyflow import Engine
from policyflow.errors import EventNotAllowed

from .steps import at


@pytest.mark.parametrize(
    ("facts", "state", "investigator"),
    [
        # 第五十一条 comes first: a fiscally funded project, even with the unit implicated
        (
            {"fiscal_project": True, "unit_implicated": True},
            "project_investigation",
            "project_manager",
        ),
        ({"unit_implicated": True}, "superior_investigation", "superior"),
        ({"unit_implicated": True, "has_superior": False}, "province_investigation", "province"),
        ({"unit_implicated": True, "major_case": True}, "superior_investigation", "superior"),
        ({"major_case": True}, "authority_investigation", "authority"),
        ({}, "unit_investigation", "unit"),
    ],
)
def test_a_complaint_goes_to_the_first_investigator_whose_rule_holds(
    engine: Engine, facts: dict[str, Any], state: str, investigator: str
) -> None:
    """第五十一条, then 第四十九条第二款, then 第五十条, then the unit (第四十九条第一款)."""
    case = engine.start("ethics-complaint", facts, at=at("2024-07-01"))
    case = engine.fire(case.id, "complaint_routed", at=at("2024-07-02"))
    assert case.state == state
    assert case.data["investigator"] == investigator


def test_an_investigation_ends_concluded_or_referred(engine: Engine) -> None:
    """第四十九条第一款 (追责问责) or 第四十七、四十八条 (the body with jurisdiction)."""
    first = engine.start("ethics-complaint", {}, at=at("2024-07-01"))
    engine.fire(first.id, "complaint_routed", at=at("2024-07-02"))
    assert (
        engine.fire(first.id, "investigation_concluded", at=at("2024-09-02")).state == "concluded"
    )
    second = engine.start("ethics-complaint", {"major_case": True}, at=at("2024-07-01"))
    engine.fire(second.id, "complaint_routed", at=at("2024-07-02"))
    assert engine.fire(second.id, "referred_for_sanction", at=at("2024-09-02")).state == "referred"
    with pytest.raises(EventNotAllowed):
        engine.fire(second.id, "investigation_concluded", at=at("2024-09-03"))
