"""The main MOST penalty case end to end through the engine on SQLite, with 2023 dates."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from policyflow import Engine, EventNotAllowed, GuardFailed, TransitionRefused
from scenarios.most_penalty.steps import (
    REPORT,
    at,
    due,
    events,
    status,
    to_investigation,
    to_notice_served,
)

LEGAL_PERSON_1M = {"party_type": "legal_person", "proposed_fine": "1000000.00"}
NO_FINE_HEARING = {"party_type": "legal_person", "proposes_downgrade_or_revocation": True}


def test_penalty_case_with_hearing_across_national_day(engine: Engine) -> None:
    """科学技术部令第20号 第二十至五十二条: a case with a hearing over 国庆节."""
    case_id = to_investigation(engine, registered="2023-08-01", filed="2023-08-15")
    case = engine.get(case_id)
    # 15 WD from Tue Aug 1 (no holiday in August): Aug 2-4 (3), 7-11 (8), 14-18 (13), 21, 22 (15).
    assert due(case, "verification") == date(2023, 8, 22)
    assert status(case, "verification") == "met"
    # 90 natural days from Aug 15: 16 to Aug 31, +30 Sep = 46, +31 Oct = 77, +13 = Mon Nov 13.
    assert due(case, "case_limit") == date(2023, 11, 13)
    assert case.data["filed_on"] == date(2023, 8, 15)

    to_notice_served(
        engine, case_id, concluded="2023-09-08", served="2023-09-25", penalty=LEGAL_PERSON_1M
    )
    case = engine.get(case_id)
    assert case.state == "rights_window_open"
    assert case.data["has_hearing_right"] is True
    # 5 WD from Mon Sep 25: Sep 26, 27, 28 (3); Sep 29-Oct 6 holiday; Sat Oct 7 (4) and
    # Sun Oct 8 (5) are make-up workdays, so both windows end on Sunday Oct 8.
    assert due(case, "statement_window") == date(2023, 10, 8)
    assert due(case, "hearing_request_window") == date(2023, 10, 8)

    engine.fire(
        case_id,
        "hearing_requested",
        {"is_written": True, "materials_submitted": True},
        at=at("2023-09-27"),
    )
    case = engine.get(case_id)
    assert case.state == "hearing_requested"
    assert status(case, "hearing_request_window") == "met"
    assert status(case, "case_limit") == "suspended"
    # the statement window still runs during the hearing procedure (第三十九条)
    engine.fire(case_id, "statement_received", {"is_written": True}, at=at("2023-10-08"))
    report = engine.tick(at("2023-10-09", 8))
    assert [a.event for a in report.actions] == ["statement_window_expired"]
    case = engine.get(case_id)
    assert case.state == "hearing_requested"
    assert case.data["statement_waiver"] == "none"  # a statement was made in time

    case = engine.fire(
        case_id, "hearing_notice_served", {"hearing_on": "2023-10-18"}, at=at("2023-10-09")
    )
    # Oct 18 is the 7th WD after Mon Oct 9 (Oct 10-13, 16, 17, 18): the lead is kept.
    assert case.data["hearing_notice_served_on"] == date(2023, 10, 9)
    engine.tick(at("2023-10-18", 8))
    engine.fire(
        case_id,
        "hearing_opened",
        {"investigating_officers_present": 2, "hearing_officers": 1, "recorders": 1},
        at=at("2023-10-18", 9),
    )
    engine.fire(case_id, "hearing_concluded", {"is_record_signed": True}, at=at("2023-10-18", 17))
    case = engine.get(case_id)
    assert case.state == "post_notice_review"
    assert case.data["hearing_held"] is True
    # excluded hearing time Sep 27..Oct 18, both ends not counted: 4 + 18 = 22 days;
    # Nov 13 + 22 = Tue Dec 5.
    assert due(case, "case_limit") == date(2023, 12, 5)

    engine.fire(
        case_id, "opinion_to_legal_review", {"affects_major_rights": True}, at=at("2023-10-23")
    )
    engine.fire(case_id, "legal_review_passed", at=at("2023-10-27"))
    engine.fire(
        case_id,
        "collective_decision_made",
        {"decision_kind": "penalty", "fine_amount": "1000000.00"},
        at=at("2023-10-30"),
    )
    # 7 WD from Mon Oct 30: Oct 31, Nov 1, 2, 3, 6, 7, 8.
    assert due(engine.get(case_id), "decision_document") == date(2023, 11, 8)
    engine.fire(case_id, "decision_document_issued", at=at("2023-11-06"))
    case = engine.get(case_id)
    assert status(case, "case_limit") == "met"
    assert status(case, "decision_document") == "met"
    case = engine.fire(
        case_id,
        "penalty_decision_served",
        {"performance_due_on": "2023-11-24"},
        at=at("2023-11-09"),
    )
    assert case.state == "penalty_in_force"
    assert not case.overdue

    children = {c.process_id: c for c in engine.children(case_id)}
    assert set(children) == {"most-penalty.execution", "most-penalty.publication"}
    execution = children["most-penalty.execution"]
    assert execution.state == "awaiting_performance"
    assert due(execution, "performance_period") == date(2023, 11, 24)
    paid = engine.fire(
        execution.id, "obligation_discharged", {"amount_paid": "1000000.00"}, at=at("2023-11-20")
    )
    assert paid.state == "performed"

    assert events(engine, case_id) == [
        "start",
        "filing_recommendation_submitted",
        "case_filed",
        "investigation_concluded",
        "penalty_notice_approved",
        "notice_served",
        "hearing_requested",
        "statement_received",
        "statement_window_expired",
        "hearing_notice_served",
        "hearing_opened",
        "hearing_concluded",
        "opinion_to_legal_review",
        "legal_review_passed",
        "collective_decision_made",
        "decision_document_issued",
        "penalty_decision_served",
    ]
    journal = engine.history(case_id)
    assert all(r.entry.basis.startswith("科学技术部令第20号") for r in journal[1:])
    automatic = [r.entry for r in journal if r.entry.automatic]
    assert [e.at for e in automatic] == [datetime(2023, 10, 9)]
    assert engine.verify(case_id) >= len(journal)


def test_case_limit_moves_by_exactly_the_excluded_hearing_days(engine: Engine) -> None:
    """科学技术部令第20号 第五十一条第二款: 听证时间不计入案件办理期限."""
    case_id = to_investigation(engine, registered="2023-08-01", filed="2023-08-15")
    before = due(engine.get(case_id), "case_limit")
    to_notice_served(
        engine, case_id, concluded="2023-09-08", served="2023-09-25", penalty=LEGAL_PERSON_1M
    )
    engine.fire(
        case_id,
        "hearing_requested",
        {"is_written": True, "materials_submitted": True},
        at=at("2023-09-27"),
    )
    engine.tick(at("2023-10-09", 8))
    engine.fire(case_id, "hearing_notice_served", {"hearing_on": "2023-10-18"}, at=at("2023-10-09"))
    engine.tick(at("2023-10-18", 8))
    engine.fire(
        case_id, "hearing_opened", {"investigating_officers_present": 2}, at=at("2023-10-18", 9)
    )
    engine.fire(case_id, "hearing_concluded", {"is_record_signed": True}, at=at("2023-10-18", 17))
    after = due(engine.get(case_id), "case_limit")
    assert before is not None and after is not None
    excluded = (date(2023, 10, 18) - date(2023, 9, 27)).days + 1  # both ends excluded
    assert (after - before).days == excluded == 22


def test_suspension_waits_for_a_running_appraisal_to_end(engine: Engine) -> None:
    """科学技术部令第20号 第五十一条第二款: 鉴定、中止 each not counted, one pause at a time."""
    case_id = to_investigation(engine, registered="2023-05-25", filed="2023-06-01")
    assert due(engine.get(case_id), "case_limit") == date(2023, 8, 30)  # Jun 1 + 90
    engine.fire(case_id, "excluded_period_started", {"kind": "appraisal"}, at=at("2023-06-10"))
    with pytest.raises(GuardFailed, match="no_excluded_period_running"):
        engine.fire(case_id, "case_suspended", at=at("2023-06-15"))
    engine.fire(case_id, "excluded_period_ended", at=at("2023-06-19"))  # Jun 10..19: 10 days
    engine.fire(case_id, "case_suspended", at=at("2023-07-03"))
    case = engine.fire(case_id, "case_resumed", at=at("2023-07-12"))  # Jul 3..12: 10 days
    # Aug 30 + 20 = Tue Sep 19, a working day
    assert due(case, "case_limit") == date(2023, 9, 19)


def test_notice_served_after_service_by_announcement_ends(engine: Engine) -> None:
    """科学技术部令第20号 第五十一条第二款: 公告 time is not counted; service ends it."""
    case_id = to_investigation(engine, registered="2023-05-25", filed="2023-06-01")
    engine.fire(
        case_id,
        "investigation_concluded",
        {"report_items": REPORT, "disposition": "penalty"},
        at=at("2023-07-03"),
    )
    engine.fire(case_id, "penalty_notice_approved", LEGAL_PERSON_1M, at=at("2023-07-04"))
    engine.fire(case_id, "excluded_period_started", {"kind": "announcement"}, at=at("2023-07-05"))
    with pytest.raises(GuardFailed, match="no_excluded_period_running"):
        engine.fire(case_id, "notice_served", at=at("2023-08-03"))
    engine.fire(case_id, "excluded_period_ended", at=at("2023-08-04"))  # Jul 5..Aug 4: 31 days
    case = engine.fire(case_id, "notice_served", at=at("2023-08-04", 11))
    assert (case.state, status(case, "case_limit")) == ("rights_window_open", "armed")
    # Aug 30 + 31 = Sat Sep 30 (国庆节), rolled over to Sat Oct 7 (a make-up workday)
    assert due(case, "case_limit") == date(2023, 10, 7)


def test_missed_statement_window_is_deemed_waived_by_tick(engine: Engine) -> None:
    """科学技术部令第20号 第三十九条: 逾期未提出的，视为放弃 — by itself, when tick runs."""
    case_id = to_investigation(engine, registered="2023-08-01", filed="2023-08-15")
    to_notice_served(engine, case_id, concluded="2023-09-08", served="2023-09-27")
    case = engine.get(case_id)
    assert (case.state, case.data["is_hearing_window_open"]) == ("rights_window_open", False)
    assert (
        case.snapshot.timer("hearing_request_window") is None
    )  # no-penalty notice: no hearing right, the window never starts (start_on.when)
    # 5 WD from Wed Sep 27: Sep 28 (1); Sep 29-Oct 6 holiday; Oct 7 (2), 8 (3), 9 (4), 10 (5).
    assert due(case, "statement_window") == date(2023, 10, 10)
    assert engine.tick(at("2023-10-10", 23)).actions == ()
    assert engine.get(case_id).state == "rights_window_open"
    report = engine.tick(at("2023-10-11", 9))
    assert [a.event for a in report.actions] == ["statement_window_expired"]
    case = engine.get(case_id)
    assert case.state == "post_notice_review"
    assert case.data["statement_waiver"] == "deemed"
    assert not case.overdue
    last = engine.history(case_id)[-1].entry
    assert (last.event, last.automatic, last.at) == (
        "statement_window_expired",
        True,
        datetime(2023, 10, 11),
    )
    assert engine.tick(at("2023-10-12")).actions == ()  # idempotent
    with pytest.raises(GuardFailed):
        engine.fire(case_id, "statement_received", {"is_written": True}, at=at("2023-10-11", 10))


def test_s04_statement_window_edges_and_hearing_window_kept_open(engine: Engine) -> None:
    """科学技术部令第20号 第三十九条、第六十五条第二款: 内 includes the 5th working day."""
    case_id = to_investigation(engine, registered="2023-08-01", filed="2023-08-15")
    to_notice_served(
        engine, case_id, concluded="2023-09-08", served="2023-09-25", penalty=LEGAL_PERSON_1M
    )
    engine.fire(case_id, "statement_received", {"is_written": True}, at=at("2023-09-28"))  # WD 3
    assert engine.get(case_id).state == "rights_window_open"  # hearing window still open
    engine.fire(
        case_id, "statement_received", {"is_written": True}, at=at("2023-10-08")
    )  # WD 5, a Sunday make-up day
    with pytest.raises(GuardFailed, match="in writing"):
        engine.fire(case_id, "statement_received", {"is_written": False}, at=at("2023-10-08", 11))
    engine.tick(at("2023-10-09", 0))
    case = engine.get(case_id)
    assert case.state == "post_notice_review"
    assert (case.data["statement_waiver"], case.data["hearing_waiver"]) == ("none", "deemed")
    assert case.data["statements_received"] == 2
    with pytest.raises(GuardFailed):  # WD 6: too late
        engine.fire(case_id, "statement_received", {"is_written": True}, at=at("2023-10-09", 10))
    with pytest.raises(EventNotAllowed):
        engine.fire(
            case_id,
            "hearing_requested",
            {"is_written": True, "materials_submitted": True},
            at=at("2023-10-09", 10),
        )


@pytest.mark.parametrize(
    ("day", "ok"), [("2023-10-07", True), ("2023-10-08", True), ("2023-10-09", False)]
)
def test_statement_during_the_hearing_procedure_only_within_the_window(
    engine: Engine, day: str, ok: bool
) -> None:
    """科学技术部令第20号 第三十九条: 五个工作日内 — also once a hearing was requested."""
    case_id = to_investigation(engine, registered="2023-08-01", filed="2023-08-15")
    to_notice_served(
        engine, case_id, concluded="2023-09-08", served="2023-09-25", penalty=LEGAL_PERSON_1M
    )
    engine.fire(
        case_id,
        "hearing_requested",
        {"is_written": True, "materials_submitted": True},
        at=at("2023-09-27"),
    )
    # no tick: the guard itself holds the fifth working day (Sun Oct 8, a make-up day)
    if ok:
        case = engine.fire(case_id, "statement_received", {"is_written": True}, at=at(day))
        assert case.data["statements_received"] == 1
    else:
        with pytest.raises(TransitionRefused):
            engine.fire(case_id, "statement_received", {"is_written": True}, at=at(day))
        assert engine.get(case_id).data["statements_received"] == 0


@pytest.mark.parametrize(
    ("day", "ok"), [("2023-10-07", True), ("2023-10-08", True), ("2023-10-09", False)]
)
def test_hearing_request_only_within_the_window(engine: Engine, day: str, ok: bool) -> None:
    """科学技术部令第20号 第四十二条第一款: 五个工作日内 — the day after is too late."""
    case_id = to_investigation(engine, registered="2023-08-01", filed="2023-08-15")
    to_notice_served(
        engine, case_id, concluded="2023-09-08", served="2023-09-25", penalty=LEGAL_PERSON_1M
    )
    request = {"is_written": True, "materials_submitted": True}
    if ok:
        assert engine.fire(case_id, "hearing_requested", request, at=at(day)).state == (
            "hearing_requested"
        )
    else:
        with pytest.raises(TransitionRefused):
            engine.fire(case_id, "hearing_requested", request, at=at(day))
        assert engine.get(case_id).state != "hearing_requested"


def test_s04_express_written_waiver_closes_the_windows_early(engine: Engine) -> None:
    """科学技术部令第20号 第三十九条、第四十二条: an express written waiver ends the windows."""
    case_id = to_investigation(engine, registered="2023-08-01", filed="2023-08-15")
    to_notice_served(
        engine, case_id, concluded="2023-09-08", served="2023-09-25", penalty=LEGAL_PERSON_1M
    )
    case = engine.fire(case_id, "rights_window_closed", {"is_written": True}, at=at("2023-09-26"))
    assert case.state == "post_notice_review"
    assert (status(case, "statement_window"), status(case, "hearing_request_window")) == (
        "cancelled",
        "cancelled",
    )
    assert engine.tick(at("2023-10-20")).actions == ()


def test_s05_no_penalty_notice_opens_no_hearing_right(engine: Engine) -> None:
    """科学技术部令第20号 第三十八条第二款、第四十二条第一款: a hearing needs a penalty notice."""
    case_id = to_investigation(engine, registered="2023-08-01", filed="2023-08-15")
    to_notice_served(engine, case_id, concluded="2023-09-08", served="2023-09-27")
    with pytest.raises(GuardFailed) as refused:
        engine.fire(
            case_id,
            "hearing_requested",
            {"is_written": True, "materials_submitted": True},
            at=at("2023-09-28"),
        )
    assert refused.value.basis == "科学技术部令第20号 第四十一条"
    case = engine.get(case_id)
    assert case.state == "rights_window_open"
    assert case.snapshot.timer("hearing_request_window") is None


def _requested(engine: Engine) -> str:
    """A case whose party asked for a hearing on Tue 2023-09-26 (notice served Sep 25)."""
    case_id = to_investigation(engine, registered="2023-08-01", filed="2023-08-15")
    to_notice_served(
        engine, case_id, concluded="2023-09-08", served="2023-09-25", penalty=NO_FINE_HEARING
    )
    engine.fire(
        case_id,
        "hearing_requested",
        {"is_written": True, "materials_submitted": True},
        at=at("2023-09-26"),
    )
    return case_id


def _scheduled(engine: Engine, hearing_on: str) -> str:
    case_id = _requested(engine)
    engine.fire(case_id, "hearing_notice_served", {"hearing_on": hearing_on}, at=at("2023-10-09"))
    return case_id


def test_s06_hearing_notice_six_working_days_ahead_is_refused(engine: Engine) -> None:
    """科学技术部令第20号 第四十二条第二款: 在举行听证七个工作日前送达 — the 6th WD is too early."""
    case_id = _requested(engine)
    # served Mon Oct 9: Oct 10-13 (4), 16 (5), 17 (6), 18 (7)
    with pytest.raises(GuardFailed, match="seven working days before") as refused:
        engine.fire(
            case_id, "hearing_notice_served", {"hearing_on": "2023-10-17"}, at=at("2023-10-09")
        )
    assert refused.value.basis == "科学技术部令第20号 第四十二条第二款"
    case = engine.get(case_id)
    assert (case.state, case.data.get("hearing_on")) == ("hearing_requested", None)
    case = engine.fire(
        case_id, "hearing_notice_served", {"hearing_on": "2023-10-18"}, at=at("2023-10-09")
    )
    assert (case.state, case.data["hearing_on"]) == ("hearing_scheduled", date(2023, 10, 18))


def test_s06_hearing_lead_counts_make_up_days_across_national_day(engine: Engine) -> None:
    """科学技术部令第20号 第四十二条第二款, 第六十五条: the 调休 weekend counts as working days."""
    case_id = _requested(engine)
    # served Tue Sep 26: Sep 27 (1), 28 (2); Sep 29 - Oct 6 holiday; Sat Oct 7 (3) and
    # Sun Oct 8 (4) are make-up working days; Oct 9 (5), 10 (6), 11 (7).
    with pytest.raises(GuardFailed, match="seven working days before"):
        engine.fire(
            case_id, "hearing_notice_served", {"hearing_on": "2023-10-10"}, at=at("2023-09-26", 15)
        )
    case = engine.fire(
        case_id, "hearing_notice_served", {"hearing_on": "2023-10-11"}, at=at("2023-09-26", 15)
    )
    assert case.state == "hearing_scheduled"


def test_s06_hearing_opens_on_the_notified_day_not_before(engine: Engine) -> None:
    """科学技术部令第20号 第四十二条第二款: the hearing is held on the day the notice states."""
    case_id = _scheduled(engine, "2023-10-18")
    with pytest.raises(GuardFailed, match="hearing_day_reached"):
        engine.fire(
            case_id, "hearing_opened", {"investigating_officers_present": 2}, at=at("2023-10-17", 9)
        )
    case = engine.fire(
        case_id, "hearing_opened", {"investigating_officers_present": 2}, at=at("2023-10-18", 9)
    )
    assert case.state == "hearing_in_session"


def test_s06_a_new_notice_keeps_the_lead_from_its_own_service(engine: Engine) -> None:
    """科学技术部令第20号 第四十二条第二款: a new notice needs seven WD from its own service."""
    case_id = _scheduled(engine, "2023-10-18")
    # served again Tue Oct 17: Oct 18, 19, 20, 23, 24 (5), 25 (6), 26 (7)
    with pytest.raises(GuardFailed, match="seven working days before"):
        engine.fire(
            case_id, "hearing_rescheduled", {"hearing_on": "2023-10-25"}, at=at("2023-10-17", 10)
        )
    case = engine.fire(
        case_id, "hearing_rescheduled", {"hearing_on": "2023-10-26"}, at=at("2023-10-17", 10)
    )
    assert (case.data["hearing_on"], case.data["hearing_notice_served_on"]) == (
        date(2023, 10, 26),
        date(2023, 10, 17),
    )


def test_s07_no_show_walkout_and_termination(engine: Engine) -> None:
    """科学技术部令第20号 第四十三条第二款: no-show and walkout are deemed waivers."""
    no_show = _scheduled(engine, "2023-10-18")
    engine.tick(at("2023-10-18", 8))
    case = engine.fire(no_show, "hearing_no_show", at=at("2023-10-18", 9))
    assert (case.state, case.data["hearing_held"], case.data["hearing_waiver"]) == (
        "post_notice_review",
        False,
        "deemed",
    )
    assert status(case, "case_limit") == "armed"

    walkout = _scheduled(engine, "2023-10-18")
    engine.tick(at("2023-10-18", 8))
    engine.fire(
        walkout, "hearing_opened", {"investigating_officers_present": 2}, at=at("2023-10-18", 9)
    )
    case = engine.fire(walkout, "hearing_walkout", at=at("2023-10-18", 10))
    assert (
        case.data["hearing_held"],
        case.data["hearing_outcome"],
        case.data["hearing_waiver"],
    ) == (True, "deemed_waived_walkout", "deemed")

    stop = _scheduled(engine, "2023-10-18")
    engine.tick(at("2023-10-18", 8))
    engine.fire(
        stop, "hearing_opened", {"investigating_officers_present": 2}, at=at("2023-10-18", 9)
    )
    case = engine.fire(stop, "hearing_terminated_on_request", at=at("2023-10-18", 10))
    assert (case.data["hearing_held"], case.data["hearing_outcome"]) == (
        True,
        "terminated_at_party_request",
    )


def _extended_by_the_head(engine: Engine) -> str:
    """A case whose limit moved by an appraisal and a hearing, then +60 days by the head."""
    case_id = to_investigation(engine, registered="2023-05-25", filed="2023-06-01")
    engine.fire(case_id, "excluded_period_started", {"kind": "appraisal"}, at=at("2023-06-10"))
    engine.fire(case_id, "excluded_period_ended", at=at("2023-06-29"))  # Jun 10..29: 20 days
    to_notice_served(
        engine, case_id, concluded="2023-07-20", served="2023-07-25", penalty=NO_FINE_HEARING
    )
    engine.fire(
        case_id,
        "hearing_requested",
        {"is_written": True, "materials_submitted": True},
        at=at("2023-08-01"),
    )
    engine.fire(case_id, "hearing_notice_served", {"hearing_on": "2023-08-15"}, at=at("2023-08-02"))
    engine.tick(at("2023-08-15", 8))
    engine.fire(
        case_id, "hearing_opened", {"investigating_officers_present": 2}, at=at("2023-08-15", 9)
    )
    case = engine.fire(
        case_id, "hearing_concluded", {"is_record_signed": True}, at=at("2023-08-15", 17)
    )  # Aug 1..15: 15 days
    # Jun 1 + 90 + 20 + 15 = Jun 1 + 125 = Wed Oct 4 (国庆节),
    # rolled over to Sat Oct 7 (a make-up workday).
    assert due(case, "case_limit") == date(2023, 10, 7)
    with pytest.raises(GuardFailed, match="complex case"):
        engine.fire(
            case_id,
            "case_limit_extended",
            {"route": "head", "is_complex": False},
            at=at("2023-08-20"),
        )
    with pytest.raises(GuardFailed, match="first_extension_is_sixty_days"):  # 延长六十日, fixed
        engine.fire(
            case_id,
            "case_limit_extended",
            {"route": "head", "is_complex": True, "days": 30},
            at=at("2023-08-20"),
        )
    case = engine.fire(
        case_id, "case_limit_extended", {"route": "head", "is_complex": True}, at=at("2023-08-20")
    )
    # counted on from the period's last day (民法典 第二百零三条 makes it Oct 7):
    # Oct 7 + 60 = Wed Dec 6
    assert due(case, "case_limit") == date(2023, 12, 6)
    return case_id


def test_s08_case_limit_arithmetic_with_appraisal_hearing_and_extensions(engine: Engine) -> None:
    """科学技术部令第20号 第五十一条: 90 days, exclusions, +60, a further extension of ≤ 60."""
    case_id = _extended_by_the_head(engine)
    especially = {"route": "collective", "is_complex": True, "is_especially_complex": True}
    with pytest.raises(GuardFailed, match="collective decision"):
        engine.fire(
            case_id,
            "case_limit_extended",
            {"route": "head", "is_complex": True, "days": 60},
            at=at("2023-11-20"),
        )
    with pytest.raises(GuardFailed, match="states its length"):  # 同时确定延长的合理期限
        engine.fire(case_id, "case_limit_extended", especially, at=at("2023-11-20"))
    with pytest.raises(GuardFailed, match="60日 at most") as refused:  # 最长不得超过六十日
        engine.fire(case_id, "case_limit_extended", {**especially, "days": 61}, at=at("2023-11-20"))
    assert refused.value.basis == "科学技术部令第20号 第五十一条第一款"
    assert due(engine.get(case_id), "case_limit") == date(2023, 12, 6)  # nothing changed
    case = engine.fire(
        case_id, "case_limit_extended", {**especially, "days": 60}, at=at("2023-11-20")
    )
    # Dec 6 + 60 = Sun Feb 4 2024, a make-up workday before the 2024 Spring Festival: no rollover.
    assert due(case, "case_limit") == date(2024, 2, 4)
    with pytest.raises(GuardFailed):
        engine.fire(case_id, "case_limit_extended", {**especially, "days": 1}, at=at("2024-01-20"))


def test_s08_further_extension_is_the_length_decided(engine: Engine) -> None:
    """科学技术部令第20号 第五十一条第一款: 决定延期的，应当同时确定延长的合理期限."""
    case_id = _extended_by_the_head(engine)
    especially = {"route": "collective", "is_complex": True, "is_especially_complex": True}
    case = engine.fire(
        case_id, "case_limit_extended", {**especially, "days": 50}, at=at("2023-11-20")
    )
    # Dec 6 + 25 = Dec 31, + 25 = Thu Jan 25 2024, a working day.
    assert due(case, "case_limit") == date(2024, 1, 25)
    assert case.data["case_limit_extensions"] == 2


def test_s08_expired_case_limit_only_marks_overdue(engine: Engine) -> None:
    """科学技术部令第20号 第五十一条: expiry only marks the case overdue."""
    case_id = to_investigation(engine, registered="2023-08-01", filed="2023-08-15")
    assert engine.tick(at("2023-11-13", 23)).actions == ()
    report = engine.tick(at("2023-11-14", 9))
    assert [a.event for a in report.actions] == ["deadline_expired"]
    case = engine.get(case_id)
    assert (case.state, case.overdue, status(case, "case_limit")) == (
        "investigating",
        True,
        "overdue",
    )
    with pytest.raises(GuardFailed, match="before it expires"):
        engine.fire(
            case_id,
            "case_limit_extended",
            {"route": "head", "is_complex": True},
            at=at("2023-11-15"),
        )
    case = engine.fire(
        case_id,
        "investigation_concluded",
        {
            "report_items": [
                "party_info",
                "course_and_coercive_measures",
                "facts_and_evidence",
                "nature_and_consequence",
            ],
            "disposition": "minor",
        },
        at=at("2023-11-15"),
    )
    assert case.state == "disposition_pending"  # the late act is still allowed


def test_verification_overdue_and_extension(engine: Engine) -> None:
    """科学技术部令第20号 第二十条: 15 WD, once +15 WD; expiry marks overdue."""
    case = engine.start("most-penalty", {"clue_source": "supervision"}, at=at("2023-09-20"))
    # 15 WD from Wed Sep 20: Sep 21, 22, 25-28 (6); holiday; Oct 7-13 (13, with the
    # make-up Oct 7, 8); Oct 16, 17.
    assert due(case, "verification") == date(2023, 10, 17)
    case = engine.fire(
        case.id, "verification_extended", {"is_clue_complex": True}, at=at("2023-10-10")
    )
    # +15 WD from Oct 17: Oct 18-20 (3), 23-27 (8), Oct 30-Nov 3 (13), Nov 6, 7.
    assert due(case, "verification") == date(2023, 11, 7)
    with pytest.raises(GuardFailed):
        engine.fire(
            case.id, "verification_extended", {"is_clue_complex": True}, at=at("2023-10-11")
        )
    engine.tick(at("2023-11-08"))
    case = engine.get(case.id)
    assert (case.state, case.overdue) == ("clue_registered", True)


def test_s14_failed_legal_review_blocks_the_decision(engine: Engine) -> None:
    """科学技术部令第20号 第四十八条第三款: no decision without passed review."""
    case_id = to_investigation(engine, registered="2023-08-01", filed="2023-08-15")
    to_notice_served(
        engine,
        case_id,
        concluded="2023-09-08",
        served="2023-09-25",
        penalty={"party_type": "citizen", "proposed_fine": "5000.00"},
    )
    engine.fire(case_id, "rights_window_closed", {"is_written": True}, at=at("2023-09-26"))
    with pytest.raises(GuardFailed, match="article 47"):
        engine.fire(
            case_id,
            "opinion_to_head",
            {"involves_major_public_interest": True},
            at=at("2023-10-09"),
        )
    engine.fire(
        case_id,
        "opinion_to_legal_review",
        {"involves_major_public_interest": True},
        at=at("2023-10-09"),
    )
    case = engine.fire(case_id, "legal_review_failed", at=at("2023-10-12"))
    assert case.state == "post_notice_review"
    with pytest.raises(EventNotAllowed):
        engine.fire(
            case_id,
            "collective_decision_made",
            {"decision_kind": "penalty", "fine_amount": "5000.00"},
            at=at("2023-10-13"),
        )
    # the trigger is a fact of the case: a resubmission that leaves it out still goes to review
    with pytest.raises(GuardFailed, match="legal_review_not_required"):
        engine.fire(case_id, "opinion_to_head", {}, at=at("2023-10-16"))
    case = engine.fire(case_id, "opinion_to_legal_review", {}, at=at("2023-10-16"))
    assert (case.state, case.data["involves_major_public_interest"]) == ("legal_review", True)


def test_s14_without_an_article_47_trigger_the_head_decides(engine: Engine) -> None:
    """科学技术部令第20号 第四十九条第二款: no 第四十七条 trigger, so head approval."""
    case_id = to_investigation(engine, registered="2023-08-01", filed="2023-08-15")
    to_notice_served(
        engine,
        case_id,
        concluded="2023-09-08",
        served="2023-09-25",
        penalty={"party_type": "citizen", "proposed_fine": "5000.00"},
    )
    engine.fire(case_id, "rights_window_closed", {"is_written": True}, at=at("2023-09-26"))
    with pytest.raises(GuardFailed, match="article 47"):
        engine.fire(case_id, "opinion_to_legal_review", {}, at=at("2023-10-09"))
    # major rights alone, without a hearing, are not 第四十七条第（二）项
    case = engine.fire(
        case_id, "opinion_to_head", {"affects_major_rights": True}, at=at("2023-10-09")
    )
    assert (case.state, case.data["is_legal_review_required"]) == ("head_approval", False)


@pytest.mark.parametrize(
    "trigger",
    ["involves_major_public_interest", "affects_major_rights", "is_complex", "law_requires_review"],
)
def test_resubmission_after_failed_review_keeps_each_article_47_trigger(
    engine: Engine, trigger: str
) -> None:
    """科学技术部令第20号 第四十七条、第四十八条第三款: the triggers are facts of the case."""
    case_id = to_investigation(engine, registered="2023-08-01", filed="2023-08-15")
    to_notice_served(
        engine, case_id, concluded="2023-09-08", served="2023-09-25", penalty=NO_FINE_HEARING
    )
    engine.fire(
        case_id,
        "hearing_requested",
        {"is_written": True, "materials_submitted": True},
        at=at("2023-09-26"),
    )
    engine.fire(case_id, "hearing_notice_served", {"hearing_on": "2023-10-18"}, at=at("2023-10-09"))
    engine.fire(
        case_id, "hearing_opened", {"investigating_officers_present": 2}, at=at("2023-10-18", 9)
    )
    engine.fire(case_id, "hearing_concluded", {"is_record_signed": True}, at=at("2023-10-18", 17))
    engine.tick(at("2023-10-19"))
    engine.fire(case_id, "opinion_to_legal_review", {trigger: True}, at=at("2023-10-19"))
    engine.fire(case_id, "legal_review_failed", at=at("2023-10-20"))
    with pytest.raises(GuardFailed, match="legal_review_not_required"):
        engine.fire(case_id, "opinion_to_head", {}, at=at("2023-10-23"))
    assert engine.fire(case_id, "opinion_to_legal_review", {}, at=at("2023-10-23")).state == (
        "legal_review"
    )


def test_renotice_opens_the_rights_afresh(engine: Engine) -> None:
    """科学技术部令第20号 第四十条: a heavier penalty needs a new notice with new 5-WD windows."""
    case_id = to_investigation(engine, registered="2023-08-01", filed="2023-08-15")
    citizen = {"party_type": "citizen", "proposed_fine": "9999.99"}
    to_notice_served(engine, case_id, concluded="2023-09-08", served="2023-09-11", penalty=citizen)
    case = engine.get(case_id)
    assert case.snapshot.timer("hearing_request_window") is None  # below 10,000: no hearing right
    engine.tick(at("2023-09-19"))  # 5 WD from Mon Sep 11: Sep 12-15, 18
    assert engine.get(case_id).data["statement_waiver"] == "deemed"
    engine.fire(case_id, "renotice_required", at=at("2023-09-20"))
    heavier = {"party_type": "citizen", "proposed_fine": "10000.00"}
    engine.fire(case_id, "penalty_notice_approved", heavier, at=at("2023-09-21"))
    case = engine.fire(case_id, "notice_served", at=at("2023-09-22"))
    assert (case.state, case.data["statement_waiver"]) == ("rights_window_open", "none")
    # 5 WD from Fri Sep 22: Sep 25, 26, 27, 28 (4); holiday; Sat Oct 7 (5, make-up day).
    assert due(case, "hearing_request_window") == date(2023, 10, 7)
