"""henan-eco: the provincial innovation-ecosystem support fund (豫财科〔2023〕1号).

A year ahead (第九条, 第十四条: reviewed and proposed before the budget year, executed in it);
a post-subsidy's previous years evaluated by the end of February (第九条: "2月底前", the
month's last day included); tranches by progress (第十三条); indirect costs of stable
research funds at most 20 % (第八条: 不得超过 includes 20 %); graded sanctions and bans
(第二十四条); the youth share of a year's basic-research list, as a rule (一般) at least 60 %
of projects led by researchers aged 45 or under (第五条1: 以下 and 不低于 include the number).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from policyflow import Engine, GuardFailed, PolicyflowError

from .engine_steps import at, open_engine, timer_actions


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """A real engine on a fresh SQLite file."""
    with open_engine(tmp_path, "eco") as eng:
        yield eng


def _item(engine: Engine, day: str = "2023-06-01", **data: Any) -> str:
    fields = {
        "unit_code": "12410000MB0000000X",
        "item_name": "某省属科研院所稳定支持",
        "direction": "stable_research",
        "mode": "ex_ante",
        "budget_year": 2024,
        "amount": "1000000.00",
        "indirect_amount": "200000.00",
    }
    return engine.start("henan-eco", fields | data, at=at(day)).id


def _executing(engine: Engine, **data: Any) -> str:
    """An item reviewed and budgeted in 2023, its first tranche released on 2024-01-15."""
    item = _item(engine, **data)
    for event, day in (
        ("review_started", "2023-07-03"),
        ("allocation_proposed", "2023-09-01"),
        ("finance_reviewed", "2023-11-01"),
        ("budgeted", "2023-12-01"),
    ):
        engine.fire(item, event, at=at(day))
    first = {"amount": "400000.00"}
    assert engine.fire(item, "tranche_released", first, at=at("2024-01-15")).state == "executing"
    return item


@pytest.mark.parametrize(
    ("indirect", "allowed"),
    [("199999.99", True), ("200000.00", True), ("200000.01", False), ("250000.00", False)],
)
def test_sc1_indirect_costs_at_most_20_percent(
    engine: Engine, indirect: str, allowed: bool
) -> None:
    """SC1 and 第八条: of ¥1,000,000, ¥200,000.00 is allowed; a fen more, or ¥250,000, is not."""
    item = _item(engine, indirect_amount=indirect)
    engine.fire(item, "review_started", at=at("2023-07-03"))
    if allowed:
        assert (
            engine.fire(item, "allocation_proposed", at=at("2023-09-01")).state
            == "proposed_to_finance"
        )
    else:
        with pytest.raises(GuardFailed, match="indirect_at_most_20_percent"):
            engine.fire(item, "allocation_proposed", at=at("2023-09-01"))
        assert engine.fire(item, "not_selected", at=at("2023-09-04")).state == "not_selected"


@pytest.mark.parametrize(
    ("evaluated", "allowed"), [("2024-02-28", True), ("2024-02-29", True), ("2024-03-01", False)]
)
def test_sc3_a_post_subsidy_needs_its_evaluation_by_the_end_of_february(
    engine: Engine, evaluated: str, allowed: bool
) -> None:
    """SC3 and 第九条: 2月底前 of 2024 is Thu 2024-02-29 (leap year), as written."""
    item = _item(engine, direction="platform", mode="post_subsidy", indirect_amount="0.00")
    case = engine.fire(item, "review_started", at=at("2023-10-09"))
    assert case.snapshot.timer("previous_years_evaluation").due == date(2024, 2, 29)
    engine.fire(item, "evaluation_completed", at=at(evaluated))
    if allowed:
        case = engine.fire(item, "allocation_proposed", at=at("2024-03-05"))
        assert case.state == "proposed_to_finance" and not case.overdue
    else:
        assert engine.get(item).overdue is False  # met, late
        actions = [a for a, _ in timer_actions(engine, item, "previous_years_evaluation")]
        assert actions == ["started", "overdue", "met"]
        with pytest.raises(GuardFailed, match="evaluated_by_end_of_february"):
            engine.fire(item, "allocation_proposed", at=at("2024-03-05"))


def test_sc3_finished_on_march_5_2024_the_subsidy_cannot_be_proposed(engine: Engine) -> None:
    """SC3 as the spec gives it: evaluation done 2024-03-05."""
    item = _item(engine, direction="platform", mode="post_subsidy", indirect_amount="0.00")
    engine.fire(item, "review_started", at=at("2023-10-09"))
    engine.tick(at("2024-03-01", 0))
    assert engine.get(item).overdue
    engine.fire(item, "evaluation_completed", at=at("2024-03-05"))
    with pytest.raises(GuardFailed, match="evaluated_by_end_of_february"):
        engine.fire(item, "allocation_proposed", at=at("2024-03-05"))


@pytest.mark.parametrize(("day", "allowed"), [("2023-12-29", True), ("2024-01-02", False)])
def test_the_review_comes_a_year_ahead(engine: Engine, day: str, allowed: bool) -> None:
    """第九条: 提前一个年度 — a 2024 item is reviewed in 2023, not in 2024."""
    item = _item(engine)
    if allowed:
        engine.fire(item, "review_started", at=at(day))
    else:
        with pytest.raises(GuardFailed, match="a_year_ahead"):
            engine.fire(item, "review_started", at=at(day))


@pytest.mark.parametrize(("day", "allowed"), [("2023-12-29", False), ("2024-01-02", True)])
def test_money_is_released_in_the_budget_year(engine: Engine, day: str, allowed: bool) -> None:
    """第十四条: 在下一年度执行 — nothing is released before 2024."""
    item = _item(engine)
    for event, when in (
        ("review_started", "2023-07-03"),
        ("allocation_proposed", "2023-09-01"),
        ("finance_reviewed", "2023-11-01"),
        ("budgeted", "2023-12-01"),
    ):
        engine.fire(item, event, at=at(when))
    if allowed:
        engine.fire(item, "tranche_released", {"amount": "400000.00"}, at=at(day))
    else:
        with pytest.raises(GuardFailed, match="budget_year_started"):
            engine.fire(item, "tranche_released", {"amount": "400000.00"}, at=at(day))


def test_tranches_by_progress_never_exceed_the_amount(engine: Engine) -> None:
    """第十三条: a three-tranche project: ¥400,000 + ¥600,000 is all of ¥1,000,000."""
    item = _executing(engine, tranches_total=3)
    with pytest.raises(GuardFailed, match="within_amount"):
        engine.fire(item, "tranche_released", {"amount": "600000.01"}, at=at("2024-07-01"))
    case = engine.fire(item, "tranche_released", {"amount": "600000.00"}, at=at("2024-07-01"))
    assert case.data["released_amount"] == Decimal("1000000.00")
    assert case.data["tranches_released"] == 2


def test_sc4_diverted_funds_suspended_then_terminated_with_a_ban(engine: Engine) -> None:
    """SC4 and 第二十四条: interview, suspension (no money then), termination, clawback, ban."""
    item = _executing(engine, tranches_total=2)
    engine.fire(item, "interviewed", at=at("2024-04-01"))
    case = engine.fire(item, "funding_suspended", at=at("2024-04-15"))
    assert case.state == "suspended"
    with pytest.raises(PolicyflowError):
        engine.fire(item, "tranche_released", {"amount": "100000.00"}, at=at("2024-05-06"))
    with pytest.raises(GuardFailed, match="clawback_within_released"):
        engine.fire(
            item, "terminated", {"clawback": "400000.01", "ban_kind": "none"}, at=at("2024-06-03")
        )
    with pytest.raises(GuardFailed, match="temporary_ban_dated"):
        engine.fire(
            item,
            "terminated",
            {"clawback": "400000.00", "ban_kind": "temporary"},
            at=at("2024-06-03"),
        )
    decision = {"clawback": "400000.00", "ban_kind": "temporary", "ban_until": "2027-06-02"}
    case = engine.fire(item, "terminated", decision, at=at("2024-06-03"))
    assert case.state == "terminated" and case.data["clawed_back"] == Decimal("400000.00")
    assert case.data["interviews"] == 1 and case.data["ban_until"] == date(2027, 6, 2)


def test_a_banned_unit_cannot_have_a_new_item_reviewed(engine: Engine) -> None:
    """第二十四条: 阶段性取消申报资格 until 2027-06-02; the same unit's 2025 item is refused."""
    item = _executing(engine)
    decision = {"clawback": "0.00", "ban_kind": "temporary", "ban_until": "2027-06-02"}
    engine.fire(item, "terminated", decision, at=at("2024-06-03"))
    again = _item(engine, day="2024-06-10", budget_year=2025)
    with pytest.raises(GuardFailed, match="unit_not_barred"):
        engine.fire(again, "review_started", at=at("2024-07-01"))
    other_unit = _item(engine, day="2024-06-10", budget_year=2025, unit_code="12410000MB1111111Y")
    assert engine.fire(other_unit, "review_started", at=at("2024-07-01")).state == "budget_review"


def test_a_temporary_ban_ends_on_its_last_day(engine: Engine) -> None:
    """The ban runs to 2024-12-31 inclusive; a 2026 item reviewed on 2025-01-02 passes."""
    item = _executing(engine)
    decision = {"clawback": "0.00", "ban_kind": "temporary", "ban_until": "2024-12-31"}
    engine.fire(item, "terminated", decision, at=at("2024-06-03"))
    on_last_day = _item(engine, day="2024-12-02", budget_year=2026)
    with pytest.raises(GuardFailed, match="unit_not_barred"):
        engine.fire(on_last_day, "review_started", at=at("2024-12-31"))
    after = _item(engine, day="2024-12-02", budget_year=2026)
    assert engine.fire(after, "review_started", at=at("2025-01-02")).state == "budget_review"


def test_an_ex_ante_change_goes_through_approval_and_acceptance_needs_self_evaluation(
    engine: Engine,
) -> None:
    """第十五条: 确需调整的，应按程序报批; 第十八条: self-evaluation; 第九条: acceptance."""
    item = _executing(engine)
    engine.fire(item, "adjustment_requested", at=at("2024-05-06"))
    assert engine.fire(item, "adjustment_approved", at=at("2024-05-20")).state == "executing"
    with pytest.raises(GuardFailed, match="self_evaluated"):
        engine.fire(item, "accepted", at=at("2024-12-02"))
    engine.fire(item, "self_evaluation_submitted", at=at("2025-01-10"))
    assert engine.fire(item, "accepted", at=at("2025-01-20")).state == "completed"
    reward = _executing(engine, mode="reward", direction="platform", indirect_amount="0.00")
    with pytest.raises(GuardFailed, match="ex_ante_project"):
        engine.fire(reward, "adjustment_requested", at=at("2024-05-06"))


def _projects(youth: int, total: int = 10, youth_age: int = 45) -> list[dict[str, Any]]:
    return [{"project_id": f"P{i}", "pi_age": youth_age if i < youth else 52} for i in range(total)]


@pytest.mark.parametrize(("youth", "allowed"), [(5, False), (6, True), (7, True)])
def test_sc2_the_youth_share_is_60_percent_as_a_rule(
    engine: Engine, youth: int, allowed: bool
) -> None:
    """SC2: 5 of 10 (50 %) is below 60 % — a soft rule; 6 of 10 is exactly 60 %."""
    case_id = engine.start(
        "henan-eco.portfolio", {"institute": "某院", "year": 2024}, at=at("2024-03-01")
    ).id
    payload = {"projects": _projects(youth)}
    if allowed:
        case = engine.fire(case_id, "list_approved", payload, at=at("2024-03-15"))
        assert case.data["youth_projects"] == youth and case.data["projects_funded"] == 10
    else:
        with pytest.raises(GuardFailed, match="soft rule"):
            engine.fire(case_id, "list_approved", payload, at=at("2024-03-15"))
        reason = {"youth_share_at_least_60_percent": "重大攻关任务须资深专家牵头"}
        case = engine.fire(case_id, "list_approved", payload, at=at("2024-03-15"), overrides=reason)
        assert case.state == "approved" and case.data["youth_projects"] == 5


@pytest.mark.parametrize(("age", "allowed"), [(44, True), (45, True), (46, False)])
def test_a_pi_aged_45_is_young(engine: Engine, age: int, allowed: bool) -> None:
    """第五条1: 45岁以下 includes 45 (errata)."""
    case_id = engine.start(
        "henan-eco.portfolio", {"institute": "某院", "year": 2024}, at=at("2024-03-01")
    ).id
    payload = {"projects": _projects(6, youth_age=age)}
    if allowed:
        engine.fire(case_id, "list_approved", payload, at=at("2024-03-15"))
    else:
        with pytest.raises(GuardFailed, match="youth_share_at_least_60_percent"):
            engine.fire(case_id, "list_approved", payload, at=at("2024-03-15"))
