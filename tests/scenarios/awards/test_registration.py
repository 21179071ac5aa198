"""award-registration: scope (第三、四条), the report (第八至十三条), catalogue and sanctions."""

from __future__ import annotations

from typing import Any

import pytest

from policyflow import Engine
from policyflow.errors import GuardFailed

from .steps import at, in_scope, listed, preparing, report

_DATA = {"award_id": "A", "award_name": "X", "organizer_id": "O"}


@pytest.mark.parametrize(
    ("change", "state"),
    [
        ({}, "preparing"),
        ({"excluded_kind": "competition_or_exhibition"}, "out_of_scope"),
        ({"objects_only_management_or_products": True}, "out_of_scope"),
        ({"non_fiscal_funds": False}, "out_of_scope"),
    ],
)
def test_what_is_a_social_st_award(engine: Engine, change: dict[str, Any], state: str) -> None:
    """第三条 (non-fiscal, open, recurring), 第四条 (exclusions; other regime)."""
    case = engine.start("award-registration", _DATA, at=at("2023-02-01"))
    engine.fire(case.id, "award_classified", in_scope(**change), at=at("2024-03-04"))
    assert engine.get(case.id).state == state


def test_a_founder_without_full_capacity_cannot_set_up_an_award(engine: Engine) -> None:
    """第七条第二款: 设奖者应当具备完全民事行为能力; in scope otherwise, so nothing happens."""
    case = engine.start("award-registration", _DATA, at=at("2023-02-01"))
    with pytest.raises(GuardFailed, match="founder_full_capacity"):
        engine.fire(
            case.id, "award_classified", in_scope(founder_full_capacity=False), at=at("2024-04-01")
        )
    assert engine.get(case.id).state == "proposed"


@pytest.mark.parametrize(
    ("change", "guard"),
    [
        (
            {"founder_foreign": True, "organizer_domestic": False},
            "domestic_organizer_for_foreign_founder",
        ),
        ({"organizer_listed_dishonest": True}, "organizer_not_listed_dishonest"),
        ({"subcontracted": True}, "no_subcontracting"),
        ({"charter_items": ["basic_info"]}, "charter_complete"),
        ({"restricted_words": True}, "restricted_words"),
        ({"name_confusable": True}, "name_not_confusable"),
        ({"fees_charged": True}, "no_fees"),
        ({"honour_name": True}, "honour_naming_approved"),
        ({"report_items": ["basic_info"]}, "report_contents"),
    ],
)
def test_the_report_is_refused_on_each_rule(
    engine: Engine, change: dict[str, Any], guard: str
) -> None:
    """第八至十三条: each rule refuses the report on its own, naming its article."""
    case_id = preparing(engine)
    with pytest.raises(GuardFailed, match=guard) as refused:
        engine.fire(case_id, "award_reported", report(**change), at=at("2024-03-05"))
    assert "国科发奖〔2023〕11号" in str(refused.value)
    assert engine.get(case_id).state == "preparing"


def test_a_restricted_word_with_approval_and_a_foreign_founder_with_a_domestic_organizer(
    engine: Engine,
) -> None:
    """第十一条第（一）项 with approval; 第八条第一款: 境外设奖者委托境内非营利法人."""
    case_id = preparing(engine)
    payload = report(restricted_words=True, restricted_words_approved=True, founder_foreign=True)
    engine.fire(case_id, "award_reported", payload, at=at("2024-03-05"))
    assert engine.get(case_id).state == "reported"


@pytest.mark.parametrize(("levels", "ok"), [(0, True), (1, True), (2, False)])
def test_sub_awards_at_most_one_level(engine: Engine, levels: int, ok: bool) -> None:
    """第十三条第（二）项: 下设子奖项不得超过一级 (一级 itself allowed)."""
    case_id = preparing(engine)
    if ok:
        engine.fire(case_id, "award_reported", report(sub_award_levels=levels), at=at("2024-04-01"))
        assert engine.get(case_id).state == "reported"
    else:
        with pytest.raises(GuardFailed, match="one_level_of_sub_awards"):
            engine.fire(
                case_id, "award_reported", report(sub_award_levels=levels), at=at("2024-04-01")
            )


def test_four_grades_need_a_recorded_reason_three_do_not(engine: Engine) -> None:
    """第十三条第（三）项: 一般不得超过三级 is a soft rule: four grades pass only with a reason."""
    case_id = preparing(engine)
    with pytest.raises(GuardFailed, match="three_grades"):
        engine.fire(case_id, "award_reported", report(grade_levels=4), at=at("2024-04-01"))
    engine.fire(
        case_id,
        "award_reported",
        report(grade_levels=4),
        at=at("2024-04-01"),
        overrides={"three_grades": "four grades in a field of very unequal contributions"},
    )
    assert engine.get(case_id).state == "reported"
    other = preparing(engine)
    engine.fire(other, "award_reported", report(grade_levels=3), at=at("2024-04-01"))
    assert engine.get(other).state == "reported"


def test_listing_needs_the_coordination_group_filing(engine: Engine) -> None:
    """第二十五条第一款: 向全国评比达标表彰工作协调小组备案后 … 公布目录."""
    case_id = preparing(engine)
    engine.fire(case_id, "award_reported", report(), at=at("2024-03-05"))
    with pytest.raises(GuardFailed, match="filed_with_coordination_group"):
        engine.fire(
            case_id, "award_listed", {"filed_with_coordination_group": False}, at=at("2024-04-01")
        )
    engine.fire(
        case_id, "award_listed", {"filed_with_coordination_group": True}, at=at("2024-04-01")
    )
    assert engine.get(case_id).state == "listed"


def test_a_lapsed_rectification_deadline_is_overdue_and_does_not_remove(engine: Engine) -> None:
    """第三十二条第（一）项 needs 拒不整改, a finding: the lapse alone only marks overdue."""
    case_id = listed(engine)
    engine.fire(
        case_id,
        "rectification_ordered",
        {"ground": "reports_missing", "rectify_by": "2024-05-31"},
        at=at("2024-05-06"),
    )
    engine.tick(at("2024-05-31", 23))
    assert not engine.get(case_id).overdue
    engine.tick(at("2024-06-01", 0))
    case = engine.get(case_id)
    assert case.overdue and case.state == "rectification_ordered"
    engine.fire(case_id, "refusal_to_rectify_found", at=at("2024-06-10"))
    case = engine.get(case_id)
    assert case.state == "removed" and case.data["removal_ground"] == "refused_to_rectify"


def test_rectified_returns_to_where_the_award_stood(engine: Engine) -> None:
    """第三十一条: a reported (not yet listed) award rectifies back to reported."""
    case_id = preparing(engine)
    engine.fire(case_id, "award_reported", report(), at=at("2024-03-05"))
    engine.fire(
        case_id,
        "rectification_ordered",
        {"ground": "info_not_disclosed", "rectify_by": "2024-04-30"},
        at=at("2024-03-20"),
    )
    engine.fire(case_id, "rectified", at=at("2024-04-30"))
    case = engine.get(case_id)
    assert case.state == "reported" and not case.overdue


def test_fees_remove_a_listed_award_without_rectification(engine: Engine) -> None:
    """第三十二条第（三）项: 违法收取或者变相收取费用 — removal, no rectification stage."""
    case_id = listed(engine)
    engine.fire(case_id, "award_removed", {"ground": "fees"}, at=at("2024-07-01"))
    assert engine.get(case_id).state == "removed"


@pytest.mark.parametrize(("written", "state"), [(True, "discontinued"), (False, "listed")])
def test_discontinuation_needs_a_written_report_at_the_time(
    engine: Engine, written: bool, state: str
) -> None:
    """第二十一条: 在停办时主动向科学技术行政部门书面报告."""
    case_id = listed(engine)
    if written:
        engine.fire(case_id, "award_discontinued", {"written_report": True}, at=at("2024-04-01"))
    else:
        with pytest.raises(GuardFailed, match="written_report_at_discontinuation"):
            engine.fire(
                case_id, "award_discontinued", {"written_report": False}, at=at("2024-04-01")
            )
    assert engine.get(case_id).state == state


@pytest.mark.parametrize(
    ("established_on", "ok"), [("2023-02-05", True), ("2023-02-06", False), ("2023-02-07", False)]
)
def test_only_an_award_older_than_the_measure_self_checks(
    engine: Engine, established_on: str, ok: bool
) -> None:
    """第三十五条: 本办法发布前 (issued 2023-02-06) — an award set up that day is new."""
    case = engine.start("award-registration", _DATA, at=at("2023-02-01"))
    payload = {"established_on": established_on}
    if ok:
        engine.fire(case.id, "legacy_declared", payload, at=at("2023-03-01"))
        engine.fire(case.id, "award_reported", report(), at=at("2023-04-03"))
        assert engine.get(case.id).state == "reported"
    else:
        with pytest.raises(GuardFailed, match="set_up_before_the_measure"):
            engine.fire(case.id, "legacy_declared", payload, at=at("2023-03-01"))
