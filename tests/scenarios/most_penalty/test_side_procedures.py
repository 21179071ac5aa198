"""The MOST penalty side procedures (PB–PJ) end to end through the engine on SQLite."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from policyflow import Engine, EventNotAllowed, GuardFailed
from scenarios.most_penalty.steps import REPORT, at, due, status, to_investigation, to_notice_served

SEIZED = {
    "purpose": "prevent_evidence_destruction",
    "is_case_related": True,
    "officers_present": 2,
    "is_decision_delivered_on_spot": True,
}


def _seizure(engine: Engine, seized: str) -> str:
    case = engine.start("most-penalty.seizure", {"items": "服务器两台"}, at=at(seized, 9))
    engine.fire(case.id, "seizure_executed", SEIZED, at=at(seized))
    return case.id


def test_s09_seizure_term_excludes_testing_and_releases_by_itself(engine: Engine) -> None:
    """科学技术部令第20号 第三十三条、第三十五条: testing not counted; auto release."""
    case_id = _seizure(engine, "2023-08-25")
    # 30 natural days from Fri Aug 25 = Sun Sep 24: a cap, not rolled over to Monday.
    assert due(engine.get(case_id), "seizure_term") == date(2023, 9, 24)
    engine.fire(case_id, "testing_started", at=at("2023-08-28"))
    case = engine.fire(case_id, "testing_completed", at=at("2023-09-06"))  # Aug 28..Sep 6: 10 days
    # Sep 24 + 10 = Wed Oct 4 (国庆节): still not rolled over; release at the start of Oct 5.
    assert due(case, "seizure_term") == date(2023, 10, 4)
    assert engine.tick(at("2023-10-04", 23)).actions == ()
    report = engine.tick(at("2023-10-05", 8))
    assert [a.event for a in report.actions] == ["seizure_term_expired"]
    case = engine.get(case_id)
    assert (case.state, case.data["release_ground"]) == ("released", "term_expired")


def test_s09_seizure_extension_is_capped_at_thirty_days(engine: Engine) -> None:
    """科学技术部令第20号 第三十三条第一款、第六十五条第二款: 延长期限不得超过三十日 (30 in)."""
    ask = {"is_complex": True, "is_party_notified": True}
    case_id = _seizure(engine, "2023-08-25")
    with pytest.raises(GuardFailed, match="30日 at most") as refused:
        engine.fire(case_id, "seizure_extended", {**ask, "days": 31}, at=at("2023-09-10"))
    assert "科学技术部令第20号 第三十三条第一款" in refused.value.basis
    assert due(engine.get(case_id), "seizure_term") == date(2023, 9, 24)  # nothing changed
    case = engine.fire(case_id, "seizure_extended", {**ask, "days": 20}, at=at("2023-09-10"))
    assert due(case, "seizure_term") == date(2023, 10, 14)  # Aug 25 + 50 (a Saturday, no rollover)
    with pytest.raises(GuardFailed, match="total 30日 at most"):  # 20 + 11 = 31
        engine.fire(case_id, "seizure_extended", {**ask, "days": 11}, at=at("2023-09-20"))
    case = engine.fire(case_id, "seizure_extended", {**ask, "days": 10}, at=at("2023-09-20"))
    assert due(case, "seizure_term") == date(2023, 10, 24)  # Aug 25 + 60
    assert case.data["extension_days"] == 30
    with pytest.raises(GuardFailed, match="total 30日 at most"):  # 30 + 1
        engine.fire(case_id, "seizure_extended", {**ask, "days": 1}, at=at("2023-10-10"))


def test_s09_seizure_extension_counts_on_after_excluded_testing(engine: Engine) -> None:
    """科学技术部令第20号 第三十三条: the days the head fixes are added after the testing days."""
    ask = {"is_complex": True, "is_party_notified": True}
    case_id = _seizure(engine, "2023-08-25")
    engine.fire(case_id, "testing_started", at=at("2023-08-28"))
    engine.fire(case_id, "testing_completed", at=at("2023-09-06"))  # Aug 28..Sep 6: 10 days
    case = engine.fire(case_id, "seizure_extended", {**ask, "days": 30}, at=at("2023-09-20"))
    # Sep 24 + 10 testing days = Oct 4; + 30 = Oct 31 (27) + 3 = Fri Nov 3.
    assert due(case, "seizure_term") == date(2023, 11, 3)


def test_s10_preservation_released_by_itself_after_seven_working_days(engine: Engine) -> None:
    """科学技术部令第20号 第二十九条第二款: 逾期未作出处理决定的，应当及时解除先行登记保存."""
    case = engine.start(
        "most-penalty.preservation", {"items": "实验记录本三册"}, at=at("2023-09-26", 9)
    )
    case = engine.fire(
        case.id,
        "preservation_executed",
        {"may_be_lost": True, "officers_present": 2, "holder_notified": True},
        at=at("2023-09-26"),
    )
    # 7 WD from Tue Sep 26: Sep 27, 28 (2); holiday; Oct 7, 8 (make-up), 9, 10, 11 (7).
    assert due(case, "preservation_handling") == date(2023, 10, 11)
    engine.tick(at("2023-10-11", 20))
    assert engine.get(case.id).state == "in_effect"
    engine.tick(at("2023-10-12", 8))
    case = engine.get(case.id)
    assert (case.state, case.data["handling"]) == ("released", "expired")
    assert engine.history(case.id)[-1].entry.automatic


def test_s10_preservation_needs_two_officers(engine: Engine) -> None:
    """科学技术部令第20号 第十一条第一款: 执法人员不得少于两人."""
    case = engine.start("most-penalty.preservation", {"items": "样品"}, at=at("2023-09-26", 9))
    with pytest.raises(GuardFailed, match="at least two officers"):
        engine.fire(
            case.id,
            "preservation_executed",
            {"may_be_lost": True, "officers_present": 1, "holder_notified": True},
            at=at("2023-09-26"),
        )


def _execution(engine: Engine, **data: object) -> str:
    base = {"decision_served_on": "2023-08-01", "performance_due_on": "2023-09-28"}
    return engine.start("most-penalty.execution", {**base, **data}, at=at("2023-08-01")).id


def test_s12_non_fine_court_application_only_after_ten_working_days(engine: Engine) -> None:
    """科学技术部令第20号 第五十四条、第五十八条: court only 十个工作日后."""
    case_id = _execution(engine, performance_due_on="2023-08-16", has_non_fine_obligation=True)
    case = engine.fire(
        case_id,
        "default_detected",
        {"challenge_window_ended_on": "2023-09-20"},
        at=at("2023-09-21"),
    )
    # anchor: the later of Aug 16 and Sep 20; 10 WD: Sep 21, 22, 25-28 (6); holiday; Oct 7-10 (10).
    assert due(case, "dunning") == date(2023, 10, 10)
    case = engine.fire(
        case_id,
        "dunning_served",
        {"dunning_due_on": "2023-10-13", "is_served_directly": True},
        at=at("2023-09-25"),
    )
    assert status(case, "dunning") == "met"
    # 10 WD from Mon Sep 25: Sep 26-28 (3); holiday; Oct 7, 8 (make-up days, 5), 9-13 (10):
    # the application is possible from Sat Oct 14, the first day after them.
    with pytest.raises(GuardFailed, match="ten working days") as refused:
        engine.fire(case_id, "non_fine_court_proposed", at=at("2023-10-13", 21))
    assert refused.value.basis == "科学技术部令第20号 第五十八条"
    engine.fire(case_id, "non_fine_court_proposed", at=at("2023-10-14"))
    case = engine.fire(case_id, "non_fine_court_approved", at=at("2023-10-17"))
    assert case.state == "court_enforcement_applied"


def _dunned(engine: Engine, **data: object) -> str:
    """An execution case in default whose dunning notice was served on Mon 2023-09-25."""
    case_id = _execution(engine, performance_due_on="2023-08-16", **data)
    engine.fire(
        case_id,
        "default_detected",
        {"challenge_window_ended_on": "2023-09-20"},
        at=at("2023-09-21"),
    )
    engine.fire(
        case_id,
        "dunning_served",
        {"dunning_due_on": "2023-10-13", "is_served_directly": True},
        at=at("2023-09-25"),
    )
    return case_id


@pytest.mark.parametrize(("fine", "ok"), [("0.00", False), ("0.01", True), ("10000.00", True)])
def test_court_application_without_surcharge_is_for_a_fine(
    engine: Engine, fine: str, ok: bool
) -> None:
    """科学技术部令第20号 第五十八条: a non-fine decision goes to the court only with approval."""
    case_id = _dunned(engine, fine_amount=fine, has_non_fine_obligation=fine == "0.00")
    # the 10th WD after Mon Sep 25 is Fri Oct 13 (Oct 7 and 8 are make-up days)
    with pytest.raises(GuardFailed):
        engine.fire(case_id, "court_application_fine_without_surcharge", at=at("2023-10-13"))
    if ok:
        case = engine.fire(case_id, "court_application_fine_without_surcharge", at=at("2023-10-16"))
        assert case.state == "court_enforcement_applied"
    else:
        with pytest.raises(GuardFailed, match="fine_to_enforce") as refused:
            engine.fire(case_id, "court_application_fine_without_surcharge", at=at("2023-10-16"))
        assert "第五十八条" in str(refused.value.basis)
        engine.fire(case_id, "non_fine_court_proposed", at=at("2023-10-16"))
        case = engine.fire(case_id, "non_fine_court_approved", at=at("2023-10-17"))
        assert case.state == "court_enforcement_applied"


def test_fine_and_non_fine_decision_goes_to_the_court_with_approval(engine: Engine) -> None:
    """科学技术部令第20号 第五十八条: a decision with a non-fine part needs the head's approval."""
    case_id = _dunned(engine, fine_amount="10000.00", has_non_fine_obligation=True)
    with pytest.raises(GuardFailed, match="no_non_fine_obligation"):
        engine.fire(case_id, "court_application_fine_without_surcharge", at=at("2023-10-16"))
    case = engine.fire(case_id, "non_fine_court_proposed", at=at("2023-10-16"))
    assert case.state == "court_application_pending_approval"


@pytest.mark.parametrize(("fine", "ok"), [("0.00", False), ("0.01", True)])
def test_surcharge_needs_a_fine_and_a_passed_dunning_deadline(
    engine: Engine, fine: str, ok: bool
) -> None:
    """科学技术部令第20号 第五十六条第一款: 经催告，逾期仍不履行罚款的."""
    case_id = _dunned(engine, fine_amount=fine)
    with pytest.raises(GuardFailed):  # the dunning notice's deadline is Fri Oct 13 itself
        engine.fire(
            case_id, "surcharge_decided", {"accrual_start_on": "2023-10-16"}, at=at("2023-10-13")
        )
    if ok:
        case = engine.fire(
            case_id, "surcharge_decided", {"accrual_start_on": "2023-10-16"}, at=at("2023-10-14")
        )
        assert case.state == "surcharge_in_force"
    else:
        with pytest.raises(GuardFailed, match="fine_to_surcharge") as refused:
            engine.fire(
                case_id,
                "surcharge_decided",
                {"accrual_start_on": "2023-10-16"},
                at=at("2023-10-14"),
            )
        assert refused.value.basis == "科学技术部令第20号 第五十六条第一款"


@pytest.mark.parametrize(
    ("fine", "non_fine", "expected"),
    [
        ("0.00", True, [("0.00", True)]),
        ("0.01", True, [("0.00", True), ("0.01", False)]),
        ("0.01", False, [("0.01", False)]),
    ],
)
def test_each_obligation_of_the_decision_is_executed_on_its_own(
    engine: Engine, fine: str, non_fine: bool, expected: list[tuple[str, bool]]
) -> None:
    """科学技术部令第20号 第五十六条、第五十八条: the fine and a non-fine penalty run apart."""
    case_id = to_investigation(engine, registered="2023-08-01", filed="2023-08-15")
    notice = {
        "party_type": "citizen",
        "proposed_fine": "5000.00",
        "proposes_closure_or_restriction": True,
    }
    to_notice_served(engine, case_id, concluded="2023-09-08", served="2023-09-11", penalty=notice)
    engine.fire(case_id, "rights_window_closed", {"is_written": True}, at=at("2023-09-12"))
    engine.fire(case_id, "opinion_to_head", {}, at=at("2023-09-13"))
    decision = {
        "decision_kind": "penalty",
        "fine_amount": fine,
        "closure_or_restriction": non_fine,
        "has_non_fine_obligation": non_fine,
    }
    engine.fire(case_id, "head_decision_made", decision, at=at("2023-09-14"))
    engine.fire(case_id, "decision_document_issued", at=at("2023-09-15"))
    engine.fire(
        case_id,
        "penalty_decision_served",
        {"performance_due_on": "2023-10-16"},
        at=at("2023-09-18"),
    )
    executions = [c for c in engine.children(case_id) if c.process_id == "most-penalty.execution"]
    found = sorted(
        (Decimal(c.data["fine_amount"]), c.data["has_non_fine_obligation"]) for c in executions
    )
    assert found == sorted((Decimal(f), n) for f, n in expected)


def _auctioned(engine: Engine, *, non_fine: bool) -> str:
    """A ¥10,000 fine (with a non-fine penalty or not), surcharged, dunned again, auctioned."""
    case_id = _dunned(engine, fine_amount="10000.00", has_non_fine_obligation=non_fine)
    engine.fire(
        case_id, "surcharge_decided", {"accrual_start_on": "2023-10-16"}, at=at("2023-10-14")
    )
    engine.fire(case_id, "second_dunning_served", at=at("2023-11-15"))  # surcharge day 31
    engine.fire(case_id, "auction_decided", {"has_seizure_in_effect": True}, at=at("2023-11-20"))
    return case_id


@pytest.mark.parametrize("non_fine", [False, True])
def test_auction_settles_the_fine_but_not_a_non_fine_penalty(
    engine: Engine, non_fine: bool
) -> None:
    """科学技术部令第20号 第五十六条第二款、第五十八条: the auction pays the fine only."""
    case_id = _auctioned(engine, non_fine=non_fine)
    if not non_fine:
        assert engine.fire(case_id, "auction_settled", at=at("2023-12-01")).state == "performed"
        return
    for event in ("auction_settled", "auction_shortfall_to_court"):
        with pytest.raises(GuardFailed):
            engine.fire(case_id, event, at=at("2023-12-01"))
    case = engine.fire(case_id, "non_fine_court_proposed", at=at("2023-12-01"))
    assert case.state == "court_application_pending_approval"


def test_fine_and_non_fine_case_goes_to_the_court_with_approval_after_surcharge(
    engine: Engine,
) -> None:
    """科学技术部令第20号 第五十六条第二款、第五十八条: the non-fine part needs the head."""
    case_id = _dunned(engine, fine_amount="10000.00", has_non_fine_obligation=True)
    engine.fire(
        case_id, "surcharge_decided", {"accrual_start_on": "2023-10-16"}, at=at("2023-10-14")
    )
    # day 31 of the surcharge (Oct 16 is day 1) is Nov 15: more than thirty days
    engine.fire(case_id, "second_dunning_served", at=at("2023-11-15"))
    with pytest.raises(GuardFailed, match="no_non_fine_obligation"):
        engine.fire(
            case_id, "court_application_fine", {"has_seizure_in_effect": False}, at=at("2023-11-20")
        )
    case = engine.fire(case_id, "non_fine_court_proposed", at=at("2023-11-20"))
    assert case.state == "court_application_pending_approval"


def test_performance_period_ends_on_the_stated_date(engine: Engine) -> None:
    """科学技术部令第20号 第五十二条: 在《行政处罚决定书》载明的期限内履行 — the date as stated."""
    case_id = _execution(engine, fine_amount="50000.00", performance_due_on="2023-10-01")
    # Sun Oct 1 is 国庆节; the decision's date stands (no rollover): overdue from Oct 2.
    assert due(engine.get(case_id), "performance_period") == date(2023, 10, 1)
    assert engine.tick(at("2023-10-01", 23)).actions == ()
    engine.tick(at("2023-10-02", 0))
    case = engine.get(case_id)
    assert (case.state, case.overdue) == ("awaiting_performance", True)
    case = engine.fire(
        case_id,
        "default_detected",
        {"challenge_window_ended_on": "2023-10-01"},
        at=at("2023-10-02"),
    )
    assert (case.state, case.overdue) == ("default_pending_dunning", False)


def test_s13_deferral_application_on_the_last_day_is_admissible(engine: Engine) -> None:
    """科学技术部令第20号 第五十三条: apply within the performance period; decide within 10 WD."""
    case_id = _execution(engine, fine_amount="50000.00")
    case = engine.fire(
        case_id,
        "deferral_applied",
        {"is_written": True, "is_economic_hardship": True},
        at=at("2023-09-28"),
    )
    # 10 WD from Thu Sep 28: holiday; Oct 7, 8, 9-13 (7), 16, 17, 18 (10).
    assert (case.state, due(case, "deferral_decision")) == ("deferral_pending", date(2023, 10, 18))
    with pytest.raises(EventNotAllowed):  # no default while the application is pending
        engine.fire(
            case_id,
            "default_detected",
            {"challenge_window_ended_on": "2023-09-30"},
            at=at("2023-10-09"),
        )
    late = _execution(engine, fine_amount="50000.00")
    with pytest.raises(GuardFailed, match="performance period"):
        engine.fire(
            late,
            "deferral_applied",
            {"is_written": True, "is_economic_hardship": True},
            at=at("2023-09-29"),
        )


def test_s15_withdrawal_of_a_published_decision_within_three_working_days(engine: Engine) -> None:
    """科学技术部令第20号 第十六条第二款: withdraw within 3 WD; late is overdue."""
    case = engine.start(
        "most-penalty.publication", {"decision_served_on": "2023-08-01"}, at=at("2023-08-01")
    )
    engine.fire(
        case.id,
        "published",
        {"has_social_impact": True, "involves_secret_or_privacy": False},
        at=at("2023-08-03"),
    )
    case = engine.fire(case.id, "decision_altered", at=at("2023-09-28"))
    # 3 WD from Thu Sep 28: holiday; Oct 7 (1), Oct 8 (2), Oct 9 (3).
    assert due(case, "withdrawal") == date(2023, 10, 9)
    engine.tick(at("2023-10-10"))
    case = engine.get(case.id)
    assert (case.state, case.overdue) == ("withdrawal_due", True)
    assert engine.fire(case.id, "withdrawn", at=at("2023-10-10", 11)).state == "withdrawn"


def test_s16_recusal_does_not_stop_the_investigation(engine: Engine) -> None:
    """科学技术部令第20号 第十一条、第十三条: 回避决定作出前，不停止案件调查."""
    case_id = to_investigation(engine, registered="2023-08-01", filed="2023-08-15")
    engine.fire(
        case_id, "recusal_applied", {"officer_id": "A", "ground": "interest"}, at=at("2023-08-20")
    )
    (recusal,) = engine.children(case_id)
    assert (recusal.process_id, recusal.state) == ("most-penalty.officer-recusal", "raised")
    assert engine.get(case_id).state == "investigating"
    engine.fire(
        case_id, "excluded_period_started", {"kind": "testing"}, at=at("2023-08-21")
    )  # the case goes on
    engine.fire(case_id, "excluded_period_ended", at=at("2023-08-22"))
    engine.fire(recusal.id, "review_started", at=at("2023-08-22"))
    engine.fire(recusal.id, "opinion_submitted", at=at("2023-08-23"))
    engine.fire(recusal.id, "recusal_granted", at=at("2023-08-24"))
    assert engine.get(case_id).data["officers"] == 1
    with pytest.raises(GuardFailed, match="at least two officers"):
        engine.fire(
            case_id,
            "investigation_concluded",
            {"report_items": REPORT, "disposition": "penalty"},
            at=at("2023-08-25"),
        )
    engine.fire(case_id, "officer_assigned", at=at("2023-08-25"))  # officer C
    case = engine.fire(
        case_id,
        "investigation_concluded",
        {"report_items": REPORT, "disposition": "penalty"},
        at=at("2023-08-28"),
    )
    assert (case.state, case.data["officers"]) == ("disposition_pending", 2)


def test_pending_hearing_recusal_blocks_the_hearing_until_decided(engine: Engine) -> None:
    """科学技术部令第20号 第四十五条: 听证主持人的回避，由法制机构主要负责人决定."""
    case_id = to_investigation(engine, registered="2023-08-01", filed="2023-08-15")
    penalty = {"party_type": "citizen", "proposed_fine": "10000.00"}
    to_notice_served(engine, case_id, concluded="2023-09-08", served="2023-09-25", penalty=penalty)
    hearing = {"is_written": True, "materials_submitted": True}
    engine.fire(case_id, "hearing_requested", hearing, at=at("2023-09-26"))
    engine.fire(case_id, "hearing_notice_served", {"hearing_on": "2023-10-18"}, at=at("2023-10-09"))
    engine.fire(case_id, "hearing_recusal_raised", {"target": "presider"}, at=at("2023-10-10"))
    (recusal,) = engine.children(case_id)
    assert recusal.process_id == "most-penalty.hearing-recusal"
    engine.tick(at("2023-10-18", 8))
    present = {"investigating_officers_present": 2}
    with pytest.raises(GuardFailed, match="hearing recusal"):
        engine.fire(case_id, "hearing_opened", present, at=at("2023-10-18", 9))
    decided = engine.fire(recusal.id, "hearing_recusal_granted", at=at("2023-10-18", 9))
    assert decided.state == "recused"
    assert engine.history(recusal.id)[-1].entry.basis == "科学技术部令第20号 第四十五条"
    case = engine.fire(case_id, "hearing_opened", present, at=at("2023-10-18", 10))
    assert (case.state, case.data["pending_hearing_recusals"]) == ("hearing_in_session", 0)


def test_criminal_transfer_time_is_not_counted(engine: Engine) -> None:
    """科学技术部令第20号 第三十七条第三款、第五十一条第二款: time at the judicial organ is 中止."""
    case_id = to_investigation(engine, registered="2023-08-01", filed="2023-08-15")
    engine.fire(
        case_id,
        "investigation_concluded",
        {"report_items": REPORT, "disposition": "criminal"},
        at=at("2023-09-08"),
    )
    case = engine.fire(case_id, "criminal_transfer_approved", at=at("2023-09-11"))
    assert (case.state, status(case, "case_limit")) == ("transferred_to_judicial", "suspended")
    case = engine.fire(case_id, "returned_from_judicial", at=at("2023-09-20"))
    # Nov 13 + 10 (Sep 11..20, both ends not counted) = Thu Nov 23.
    assert (case.state, due(case, "case_limit")) == ("investigating", date(2023, 11, 23))


def test_confiscated_preserved_items_go_to_disposal(engine: Engine) -> None:
    """科学技术部令第20号 第二十九条第（三）项、第六十条: confiscation, then disposal by nature."""
    case = engine.start("most-penalty.preservation", {"items": "违禁试剂"}, at=at("2023-09-26", 9))
    executed = {"may_be_lost": True, "officers_present": 2, "holder_notified": True}
    engine.fire(case.id, "preservation_executed", executed, at=at("2023-09-26"))
    no_decision = {"is_penalty_decision_made": False}
    with pytest.raises(GuardFailed, match="penalty decision"):
        engine.fire(case.id, "confiscation_decided", no_decision, at=at("2023-09-27"))
    case = engine.fire(
        case.id, "confiscation_decided", {"is_penalty_decision_made": True}, at=at("2023-09-28")
    )
    assert status(case, "preservation_handling") == "met"
    (disposal,) = engine.children(case.id)
    assert (disposal.process_id, disposal.data["items"]) == ("most-penalty.disposal", "违禁试剂")
    engine.fire(disposal.id, "disposal_approved", {"nature": "restricted"}, at=at("2023-10-09"))
    with pytest.raises(GuardFailed, match="marketable"):
        engine.fire(disposal.id, "auction_completed", at=at("2023-10-10"))
    assert engine.fire(disposal.id, "handed_over", at=at("2023-10-10")).state == "handed_over"


def test_correction_with_substantive_effect_is_refused(engine: Engine) -> None:
    """科学技术部令第20号 第十七条: 对当事人合法权益没有实质影响的 only."""
    bad = engine.start(
        "most-penalty.correction",
        {"kind": "correction", "has_substantive_effect": True},
        at=at("2023-10-08"),
    )
    with pytest.raises(GuardFailed, match="substantive"):
        engine.fire(bad.id, "correction_approved", at=at("2023-10-09"))
    assert engine.fire(bad.id, "correction_refused", at=at("2023-10-09")).state == "refused"
    good = engine.start(
        "most-penalty.correction",
        {"kind": "supplement", "has_substantive_effect": False},
        at=at("2023-10-08"),
    )
    engine.fire(good.id, "correction_approved", at=at("2023-10-09"))
    assert engine.fire(good.id, "correction_served", at=at("2023-10-10")).state == "served"


def test_entrustment_term_ends_acts_but_not_the_case_by_itself(engine: Engine) -> None:
    """科学技术部令第20号 第七条: acts only within the term; its end only marks overdue."""
    entrustee = {"entrustee": "某市科技局"}
    case = engine.start("most-penalty.entrustment", entrustee, at=at("2023-05-10"))
    letter = {
        "has_legal_basis": True,
        "is_eligible_entrustee": True,
        "is_written": True,
        "is_published": True,
        "term_ends_on": "2023-10-01",
    }
    case = engine.fire(case.id, "entrustment_approved", letter, at=at("2023-05-10", 11))
    assert due(case, "entrustment_term") == date(2023, 10, 1)  # 国庆节, but the date stands
    # the last day of the term is within it (a holiday changes nothing: no rollover)
    case = engine.fire(case.id, "entrusted_act_recorded", at=at("2023-10-01", 20))
    assert case.data["acts_recorded"] == 1
    with pytest.raises(GuardFailed, match="within_entrustment_term") as refused:
        engine.fire(case.id, "entrusted_act_recorded", at=at("2023-10-02", 9))
    assert "科学技术部令第20号 第七条第三款" in refused.value.basis
    with pytest.raises(GuardFailed, match="term_has_ended"):
        engine.fire(case.id, "entrustment_expired", at=at("2023-10-01", 21))
    assert engine.tick(at("2023-10-01", 23)).actions == ()
    report = engine.tick(at("2023-10-02", 0))
    assert [a.event for a in report.actions] == ["deadline_expired"]
    case = engine.get(case.id)
    assert (case.state, case.overdue, status(case, "entrustment_term")) == (
        "in_force",
        True,
        "overdue",
    )
    case = engine.fire(case.id, "entrustment_expired", at=at("2023-10-09"))
    assert (case.state, case.overdue) == ("expired", False)
