"""Numeric rules of the MOST penalty procedure at, below and above each boundary (pure runtime)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

import policyflow
from policyflow import GuardFailed
from policyflow.runtime import apply, compile_process, start
from policyflow.runtime.snapshot import CaseSnapshot

T0 = datetime(2023, 9, 4, 10)
REPORT = [
    "party_info",
    "course_and_coercive_measures",
    "facts_and_evidence",
    "nature_and_consequence",
]


def _run(
    process: str, data: dict[str, Any], steps: list[tuple[str, dict[str, Any]]]
) -> CaseSnapshot:
    compiled = compile_process(policyflow.load(process))
    snapshot = start(compiled, "c1", data, at=T0).snapshot
    for index, (event, payload) in enumerate(steps, start=1):
        snapshot = apply(
            compiled, snapshot, event, payload, at=T0 + timedelta(hours=index)
        ).snapshot
    return snapshot


def _notice(penalty: dict[str, Any]) -> CaseSnapshot:
    return _run(
        "most-penalty",
        {"clue_source": "report"},
        [
            ("filing_recommendation_submitted", {"recommendation": "file"}),
            ("case_filed", {"officers": 2}),
            ("investigation_concluded", {"report_items": REPORT, "disposition": "penalty"}),
            ("penalty_notice_approved", penalty),
        ],
    )


@pytest.mark.parametrize(
    ("party", "fine", "expected"),
    [
        ("legal_person", "999999.99", False),
        ("legal_person", "1000000.00", True),
        ("legal_person", "1000000.01", True),
        ("other_org", "999999.99", False),
        ("other_org", "1000000.00", True),
        ("citizen", "9999.99", False),
        ("citizen", "10000.00", True),
        ("citizen", "10000.01", True),
    ],
)
def test_s01_hearing_right_fine_threshold_includes_the_number(
    party: str, fine: str, expected: bool
) -> None:
    """科学技术部令第20号 第四十一条、第六十五条第二款: 以上 includes the number."""
    snapshot = _notice({"party_type": party, "proposed_fine": fine})
    assert snapshot.data["has_hearing_right"] is expected


@pytest.mark.parametrize(
    ("gains", "property_value", "expected"),
    [
        ("6000.00", "3999.99", False),
        ("6000.00", "4000.00", True),
        ("6000.00", "4000.01", True),
    ],
)
def test_s02_confiscation_total_adds_gains_and_property(
    gains: str, property_value: str, expected: bool
) -> None:
    """科学技术部令第20号 第四十一条第（三）项: 没收违法所得和非法财物价值总额达到一万元以上."""
    snapshot = _notice(
        {
            "party_type": "citizen",
            "proposed_illegal_gains": gains,
            "proposed_illegal_property_value": property_value,
        }
    )
    assert snapshot.data["has_hearing_right"] is expected


def test_s02_fine_and_confiscation_are_never_added() -> None:
    """科学技术部令第20号 第四十一条: fine 6,000 and gains 5,000 are not added."""
    snapshot = _notice(
        {"party_type": "citizen", "proposed_fine": "6000.00", "proposed_illegal_gains": "5000.00"}
    )
    assert snapshot.data["has_hearing_right"] is False


def test_s02_legal_person_confiscation_threshold() -> None:
    """科学技术部令第20号 第四十一条第（四）项: one million for a legal person, inclusive."""
    below = _notice({"party_type": "legal_person", "proposed_illegal_gains": "999999.99"})
    at_limit = _notice(
        {
            "party_type": "legal_person",
            "proposed_illegal_gains": "600000.00",
            "proposed_illegal_property_value": "400000.00",
        }
    )
    assert (below.data["has_hearing_right"], at_limit.data["has_hearing_right"]) == (False, True)


def test_s03_revocation_gives_the_hearing_right_regardless_of_amount() -> None:
    """科学技术部令第20号 第四十一条第（五）项: 降低资质等级、吊销许可证件."""
    assert (
        _notice({"party_type": "legal_person", "proposes_downgrade_or_revocation": True}).data[
            "has_hearing_right"
        ]
        is True
    )
    assert (
        _notice({"party_type": "legal_person"}).data["has_hearing_right"] is False
    )  # e.g. 暂扣许可证件 only


@pytest.mark.parametrize(("officers", "ok"), [(1, False), (2, True), (3, True)])
def test_at_least_two_officers_file_the_case(officers: int, ok: bool) -> None:
    """科学技术部令第20号 第十一条第一款: 执法人员不得少于两人."""
    steps = [
        ("filing_recommendation_submitted", {"recommendation": "file"}),
        ("case_filed", {"officers": officers}),
    ]
    if ok:
        assert _run("most-penalty", {"clue_source": "report"}, steps).state == "investigating"
    else:
        with pytest.raises(GuardFailed, match="at least two officers"):
            _run("most-penalty", {"clue_source": "report"}, steps)


@pytest.mark.parametrize(("present", "ok"), [(1, False), (2, True), (3, True)])
def test_two_or_more_investigating_officers_attend_the_hearing(present: int, ok: bool) -> None:
    """科学技术部令第20号 第四十四条第一款: 两名以上执法人员参加听证."""
    compiled = compile_process(policyflow.load("most-penalty"))
    snapshot = _notice({"party_type": "legal_person", "proposes_downgrade_or_revocation": True})
    hour = timedelta(hours=1)
    moment = datetime(2023, 9, 25, 10)
    snapshot = apply(compiled, snapshot, "notice_served", None, at=moment).snapshot
    snapshot = apply(
        compiled,
        snapshot,
        "hearing_requested",
        {"is_written": True, "materials_submitted": True},
        at=moment + hour,
    ).snapshot
    snapshot = apply(
        compiled,
        snapshot,
        "hearing_notice_served",
        {"hearing_on": date(2023, 10, 18)},
        at=datetime(2023, 10, 9, 10),
    ).snapshot
    payload = {
        "investigating_officers_present": present,
        "hearing_officers": 2,
        "recorders": 2,
        "agents": 2,
    }
    if ok:
        assert (
            apply(
                compiled, snapshot, "hearing_opened", payload, at=datetime(2023, 10, 18, 9)
            ).snapshot.state
            == "hearing_in_session"
        )
    else:
        with pytest.raises(GuardFailed):
            apply(compiled, snapshot, "hearing_opened", payload, at=datetime(2023, 10, 18, 9))
    with pytest.raises(GuardFailed):  # three agents: 委托一至二人代理
        apply(
            compiled,
            snapshot,
            "hearing_opened",
            {**payload, "investigating_officers_present": 2, "agents": 3},
            at=datetime(2023, 10, 18, 9),
        )


def _surcharge(day: int, event: str = "surcharge_assessed") -> CaseSnapshot:
    """A 10,000 fine whose surcharge accrues from Oct 1 2023 (day 1), seen on surcharge `day`."""
    compiled = compile_process(policyflow.load("most-penalty.execution"))
    data = {
        "fine_amount": "10000.00",
        "decision_served_on": "2023-07-01",
        "performance_due_on": "2023-07-16",
    }
    snapshot = start(compiled, "e1", data, at=datetime(2023, 7, 1, 10)).snapshot
    snapshot = apply(
        compiled,
        snapshot,
        "default_detected",
        {"challenge_window_ended_on": date(2023, 9, 1)},
        at=datetime(2023, 9, 4, 10),
    ).snapshot
    snapshot = apply(
        compiled,
        snapshot,
        "dunning_served",
        {"dunning_due_on": date(2023, 9, 25), "is_served_directly": True},
        at=datetime(2023, 9, 5, 10),
    ).snapshot
    snapshot = apply(
        compiled,
        snapshot,
        "surcharge_decided",
        {"accrual_start_on": date(2023, 10, 1)},
        at=datetime(2023, 9, 27, 10),
    ).snapshot
    # day N of the surcharge is Oct 1 + (N - 1) days
    return apply(
        compiled, snapshot, event, None, at=datetime(2023, 10, 1, 12) + timedelta(days=day - 1)
    ).snapshot


@pytest.mark.parametrize(
    ("day", "total"),
    [
        (1, "300.00"),
        (30, "9000.00"),
        (31, "9300.00"),
        (33, "9900.00"),
        (34, "10000.00"),
        (40, "10000.00"),
    ],
)
def test_s11_surcharge_three_percent_a_day_capped_at_the_fine(day: int, total: str) -> None:
    """科学技术部令第20号 第五十六条第一款: 每日按罚款数额的百分之三，总数额不超过罚款数额."""
    snapshot = _surcharge(day)
    assert (snapshot.data["surcharge_days"], snapshot.data["surcharge_total"]) == (
        day,
        Decimal(total),
    )


@pytest.mark.parametrize(("day", "ok"), [(30, False), (31, True), (32, True)])
def test_s11_escalation_only_after_more_than_thirty_days(day: int, ok: bool) -> None:
    """科学技术部令第20号 第五十六条第二款: 加处罚款超过三十日 — 超过 excludes 30 itself."""
    if ok:
        assert _surcharge(day, "second_dunning_served").state == "second_dunning_served"
    else:
        with pytest.raises(GuardFailed, match="more than 30 days"):
            _surcharge(day, "second_dunning_served")


def test_s11_auction_needs_a_seizure_in_effect_else_court() -> None:
    """科学技术部令第20号 第五十六条第二款: auction if seized, else the court."""
    compiled = compile_process(policyflow.load("most-penalty.execution"))
    snapshot = _surcharge(31, "second_dunning_served")
    later = datetime(2023, 11, 10, 10)
    assert (
        apply(
            compiled, snapshot, "auction_decided", {"has_seizure_in_effect": True}, at=later
        ).snapshot.state
        == "auction_enforcement"
    )
    with pytest.raises(GuardFailed):
        apply(compiled, snapshot, "auction_decided", {"has_seizure_in_effect": False}, at=later)
    assert (
        apply(
            compiled, snapshot, "court_application_fine", {"has_seizure_in_effect": False}, at=later
        ).snapshot.state
        == "court_enforcement_applied"
    )
    with pytest.raises(GuardFailed):
        apply(
            compiled, snapshot, "court_application_fine", {"has_seizure_in_effect": True}, at=later
        )


@pytest.mark.parametrize(("paid", "ok"), [("19299.99", False), ("19300.00", True)])
def test_obligation_discharged_needs_fine_and_surcharge(paid: str, ok: bool) -> None:
    """科学技术部令第20号 第五十二条、第五十六条第一款: the fine and the surcharge are both owed."""
    compiled = compile_process(policyflow.load("most-penalty.execution"))
    snapshot = _surcharge(31)
    moment = datetime(2023, 10, 31, 15)
    if ok:
        assert (
            apply(
                compiled, snapshot, "obligation_discharged", {"amount_paid": paid}, at=moment
            ).snapshot.state
            == "performed"
        )
    else:
        with pytest.raises(GuardFailed):
            apply(compiled, snapshot, "obligation_discharged", {"amount_paid": paid}, at=moment)


def _decide(penalty: dict[str, Any], decision: dict[str, Any]) -> CaseSnapshot:
    """Notify `penalty`, take the party's statement, and decide `decision` by head approval."""
    return _run(
        "most-penalty",
        {"clue_source": "report"},
        [
            ("filing_recommendation_submitted", {"recommendation": "file"}),
            ("case_filed", {"officers": 2}),
            ("investigation_concluded", {"report_items": REPORT, "disposition": "penalty"}),
            ("penalty_notice_approved", penalty),
            ("notice_served", {}),
            ("statement_received", {"is_written": True}),
            ("rights_window_closed", {"is_written": True}),
            ("opinion_to_head", {}),
            ("head_decision_made", {"decision_kind": "penalty", **decision}),
        ],
    )


@pytest.mark.parametrize(
    ("fine", "ok"), [("999999.99", True), ("1000000.00", True), ("1000000.01", False)]
)
def test_decision_fine_may_not_exceed_the_notice(fine: str, ok: bool) -> None:
    """科学技术部令第20号 第四十条: 不得因当事人陈述、申辩而给予更重的处罚."""
    notice = {"party_type": "legal_person", "proposed_fine": "1000000.00"}
    if ok:
        snapshot = _decide(notice, {"fine_amount": fine})
        assert snapshot.state == "decision_drafting"
        assert snapshot.data["fine_amount"] == Decimal(fine)
    else:
        with pytest.raises(GuardFailed, match="fine_not_above_notice") as refused:
            _decide(notice, {"fine_amount": fine})
        assert refused.value.basis.startswith("科学技术部令第20号 第四十条")


@pytest.mark.parametrize(
    ("gains", "ok"), [("49999.99", True), ("50000.00", True), ("50000.01", False)]
)
def test_decision_confiscation_may_not_exceed_the_notice(gains: str, ok: bool) -> None:
    """科学技术部令第20号 第四十条: confiscation is compared with the notice too."""
    notice = {"party_type": "citizen", "proposed_illegal_gains": "50000.00"}
    decision = {"illegal_gains": gains, "has_non_fine_obligation": True}
    if ok:
        assert _decide(notice, decision).state == "decision_drafting"
    else:
        with pytest.raises(GuardFailed, match="confiscation_not_above_notice"):
            _decide(notice, decision)


def test_decision_may_not_add_a_penalty_the_notice_did_not_propose() -> None:
    """科学技术部令第20号 第四十条: no revocation that the notice did not propose."""
    fine_only = {"party_type": "legal_person", "proposed_fine": "5000.00"}
    with pytest.raises(GuardFailed, match="no_penalty_kind_added"):
        _decide(fine_only, {"fine_amount": "5000.00", "downgrade_or_revocation": True})
    revocation = {**fine_only, "proposes_downgrade_or_revocation": True}
    decided = _decide(revocation, {"fine_amount": "5000.00", "downgrade_or_revocation": True})
    assert decided.state == "decision_drafting"


def test_no_penalty_notice_allows_no_penalty_decision_without_a_new_notice() -> None:
    """科学技术部令第20号 第三十八条第二款、第四十条: a penalty needs a penalty notice first."""
    steps = [
        ("filing_recommendation_submitted", {"recommendation": "file"}),
        ("case_filed", {"officers": 2}),
        ("investigation_concluded", {"report_items": REPORT, "disposition": "minor"}),
        ("non_penalty_notice_approved", {}),
        ("notice_served", {}),
        ("rights_window_closed", {"is_written": True}),
        ("opinion_to_head", {}),
    ]
    with pytest.raises(GuardFailed, match="penalty_only_if_notified"):
        _run(
            "most-penalty",
            {"clue_source": "report"},
            [*steps, ("head_decision_made", {"decision_kind": "penalty"})],
        )
    decided = _run(
        "most-penalty",
        {"clue_source": "report"},
        [*steps, ("head_decision_made", {"decision_kind": "non_penalty"})],
    )
    assert decided.state == "decision_drafting"
