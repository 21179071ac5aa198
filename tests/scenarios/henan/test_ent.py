"""henan-ent: the enterprise innovation guidance fund (豫财科〔2023〕3号).

A claim (第四条 就高不就低, 第五条 eligibility, 第二十条(三) published reasons, 第二十一条
clawback, 第二十三条 runs to 2025); the bank circuit breaker (第十一条: a loss rate "超过一定比例",
above the ratio, not at it); loss compensation approved by both departments (第十一条).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from policyflow import Engine, GuardFailed, PolicyflowError

from .engine_steps import at, open_engine


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """A real engine on a fresh SQLite file."""
    with open_engine(tmp_path, "ent") as eng:
        yield eng


def _claim(engine: Engine, applied_on: str = "2023-06-01", **data: Any) -> str:
    fields = {
        "enterprise_name": "某高新技术企业",
        "applied_on": applied_on,
        "support_line": "rd_coverage",
        "registered_in_henan": True,
        "independent_legal_person": True,
        "enterprise_type": "hte",
    }
    case = engine.start("henan-ent", fields | data, at=at(applied_on))
    engine.fire(case.id, "review_started", at=at(applied_on, 15))
    return case.id


def _award(this: str, other: str = "0.00") -> dict[str, str]:
    return {"this_line_amount": this, "other_line_amount": other}


@pytest.mark.parametrize(
    ("this", "other", "paid"),
    [
        ("300000.00", "200000.00", "300000.00"),
        ("200000.00", "300000.00", "300000.00"),
        ("250000.00", "250000.00", "250000.00"),
    ],
)
def test_sc1_the_same_base_is_funded_once_at_the_higher_standard(
    engine: Engine, this: str, other: str, paid: str
) -> None:
    """SC1 and 第四条: ¥300,000 against ¥200,000 on the same R&D base pays ¥300,000 only."""
    claim = _claim(engine)
    case = engine.fire(claim, "award_approved", _award(this, other), at=at("2023-07-03"))
    assert case.state == "published" and case.data["award_amount"] == Decimal(paid)
    case = engine.fire(claim, "award_paid", at=at("2023-07-20"))
    assert case.state == "paid" and case.data["award_amount"] == Decimal(paid)


def test_sc2_a_bad_credit_record_two_years_ago_is_refused_with_its_reason(engine: Engine) -> None:
    """SC2: the legal representative's record of 2021-06-01; refused, the reason published."""
    claim = _claim(engine, bad_credit_on="2021-06-01")
    with pytest.raises(GuardFailed, match="no_major_bad_credit_in_3_years"):
        engine.fire(claim, "award_approved", _award("300000.00"), at=at("2023-07-03"))
    with pytest.raises(GuardFailed, match="reason_stated"):
        engine.fire(claim, "award_refused", {"reason": ""}, at=at("2023-07-03"))
    reason = "法定代表人近三年内有重大不良信用记录（第五条第2项）"
    case = engine.fire(claim, "award_refused", {"reason": reason}, at=at("2023-07-03"))
    assert case.state == "rejected" and case.data["rejection_reason"] == reason


@pytest.mark.parametrize(
    ("record", "eligible"),
    [("2020-05-31", True), ("2020-06-01", False), ("2020-06-02", False)],
)
def test_the_three_years_run_back_from_the_application(
    engine: Engine, record: str, eligible: bool
) -> None:
    """近三年内 from an application of 2023-06-01: back to 2020-06-01, that day included."""
    claim = _claim(engine, bad_credit_on=record)
    if eligible:
        engine.fire(claim, "award_approved", _award("100000.00"), at=at("2023-07-03"))
    else:
        with pytest.raises(GuardFailed, match="no_major_bad_credit_in_3_years"):
            engine.fire(claim, "award_approved", _award("100000.00"), at=at("2023-07-03"))


@pytest.mark.parametrize(("day", "open_"), [("2025-12-31", True), ("2026-01-04", False)])
def test_the_fund_runs_to_the_end_of_2025(engine: Engine, day: str, open_: bool) -> None:
    """第二十三条: 专项资金执行期限至2025年."""
    claim = _claim(engine, applied_on="2025-11-03")
    if open_:
        engine.fire(claim, "award_approved", _award("100000.00"), at=at(day))
    else:
        with pytest.raises(GuardFailed, match="fund_in_force"):
            engine.fire(claim, "award_approved", _award("100000.00"), at=at(day))


def test_sc4_a_subsidy_obtained_by_fraud_is_clawed_back(engine: Engine) -> None:
    """SC4 and 第二十一条: a forged R&D ledger; the paid award is reopened and clawed back."""
    claim = _claim(engine)
    engine.fire(claim, "award_approved", _award("180000.00"), at=at("2023-07-03"))
    engine.fire(claim, "award_paid", at=at("2023-07-20"))
    case = engine.fire(claim, "fraud_found", {"finding": "伪造研发辅助账"}, at=at("2024-03-11"))
    assert case.state == "clawed_back" and case.data["clawed_back"] == Decimal("180000.00")


def _bank(engine: Engine) -> str:
    data = {"bank_name": "某合作银行", "threshold_bp": 250}
    bank = engine.start("henan-ent.bank", data, at=at("2023-03-01")).id
    engine.fire(bank, "cooperation_started", at=at("2023-03-15"))
    return bank


def _rate(losses: str) -> dict[str, str]:
    return {"loan_balance": "100000000.00", "losses": losses}


def test_sc3_a_bank_above_the_ratio_is_suspended_then_cut_off(engine: Engine) -> None:
    """SC3: 3.1 % against 2.5 %: new business and filings stop; not remedied, cancelled."""
    bank = _bank(engine)
    engine.fire(bank, "loan_filed", at=at("2023-04-03"))
    case = engine.fire(bank, "loss_rate_reported", _rate("3100000.00"), at=at("2023-12-29"))
    assert case.state == "suspended"
    with pytest.raises(PolicyflowError):
        engine.fire(bank, "loan_filed", at=at("2024-01-02"))
    with pytest.raises(GuardFailed, match="loss_rate_within_threshold"):
        engine.fire(bank, "cooperation_resumed", _rate("2600000.00"), at=at("2024-03-29"))
    case = engine.fire(bank, "cooperation_cancelled", at=at("2024-06-28"))
    assert case.state == "terminated" and case.data["loans_filed"] == 1


@pytest.mark.parametrize(
    ("losses", "state"),
    [("2499999.99", "cooperating"), ("2500000.00", "cooperating"), ("2500000.01", "suspended")],
)
def test_at_the_ratio_is_not_above_it(engine: Engine, losses: str, state: str) -> None:
    """超过一定比例 excludes the ratio: 2.5 % of ¥100,000,000 exactly keeps the bank on."""
    bank = _bank(engine)
    assert (
        engine.fire(bank, "loss_rate_reported", _rate(losses), at=at("2023-12-29")).state == state
    )


def test_a_suspended_bank_resumes_only_back_within_the_ratio(engine: Engine) -> None:
    """A2: no automatic resumption; the department decides once the rate is within the ratio."""
    bank = _bank(engine)
    engine.fire(bank, "loss_rate_reported", _rate("3100000.00"), at=at("2023-12-29"))
    case = engine.fire(bank, "cooperation_resumed", _rate("2500000.00"), at=at("2024-03-29"))
    assert case.state == "cooperating"
    assert engine.fire(bank, "loan_filed", at=at("2024-04-01")).data["loans_filed"] == 1


def _loss(engine: Engine, amount: str = "123456.78", share_bp: int = 4000) -> str:
    data = {"loan_ref": "科技贷-2023-001", "loss_amount": amount, "compensation_bp": share_bp}
    case = engine.start("henan-ent.loss", data, at=at("2024-02-01"))
    engine.fire(case.id, "loss_submitted", at=at("2024-02-02"))
    return case.id


@pytest.mark.parametrize("first", ["st_dept_approved", "finance_dept_approved"])
def test_compensation_needs_both_departments_in_either_order(engine: Engine, first: str) -> None:
    """第十一条: 经省科技厅、省财政厅批复 — one approval is not enough."""
    loss = _loss(engine)
    engine.fire(loss, first, at=at("2024-02-20"))
    with pytest.raises(GuardFailed, match="both_departments_approved"):
        engine.fire(loss, "compensation_transferred", at=at("2024-02-21"))
    second = "finance_dept_approved" if first == "st_dept_approved" else "st_dept_approved"
    engine.fire(loss, second, at=at("2024-03-01"))
    case = engine.fire(loss, "compensation_transferred", at=at("2024-03-05"))
    # 40 % of ¥123,456.78 is ¥49,382.712, stored to the fen, half up: ¥49,382.71
    assert case.state == "compensated" and case.data["compensation"] == Decimal("49382.71")
    case = engine.fire(loss, "recovery_returned", {"recovered": "20000.00"}, at=at("2024-09-02"))
    assert case.state == "closed" and case.data["recovered"] == Decimal("20000.00")


def test_either_department_may_refuse(engine: Engine) -> None:
    """第十一条: without both approvals there is no transfer."""
    loss = _loss(engine)
    engine.fire(loss, "st_dept_approved", at=at("2024-02-20"))
    assert engine.fire(loss, "compensation_refused", at=at("2024-03-01")).state == "refused"


def test_a_compensated_bad_debt_is_written_off(engine: Engine) -> None:
    """第十一条: 坏账核销; half a fen rounds up (¥100,000.05 × 50 % = ¥50,000.025 → ¥50,000.03)."""
    loss = _loss(engine, amount="100000.05", share_bp=5000)
    engine.fire(loss, "st_dept_approved", at=at("2024-02-20"))
    engine.fire(loss, "finance_dept_approved", at=at("2024-02-21"))
    case = engine.fire(loss, "compensation_transferred", at=at("2024-02-22"))
    assert case.data["compensation"] == Decimal("50000.03")
    assert engine.fire(loss, "written_off", at=at("2024-12-02")).state == "closed"
