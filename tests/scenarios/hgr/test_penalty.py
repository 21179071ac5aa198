"""SC-10: the HGR penalty case with the rules' own numbers (第六十七至七十四条)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from policyflow import Engine
from policyflow.errors import EventNotAllowed, GuardFailed, InvalidCaseData, TransitionRefused

from .conftest import at, only_child


def _noticed(
    engine: Engine, party_type: str = "legal_person", level: str = "provincial", **notice: Any
) -> str:
    case = engine.start(
        "hgr-penalty", {"authority_level": level, "party_type": party_type}, at=at("2023-08-01")
    )
    engine.fire(case.id, "case_filed", at=at("2023-08-01"))
    engine.fire(case.id, "notice_served", notice, at=at("2023-09-25"))
    return case.id


@pytest.mark.parametrize(
    ("party", "fine", "in_scope"),
    [
        ("legal_person", "1000000.00", True),
        ("legal_person", "999999.99", False),
        ("citizen", "100000.00", True),
        ("citizen", "99999.99", False),
    ],
)
def test_sc10_hearing_fine_thresholds_inclusive(
    engine: Engine, party: str, fine: str, in_scope: bool
) -> None:
    """第六十八条第一项、第七十七条: ¥1,000,000 / ¥100,000 以上 include the number."""
    with pytest.raises(GuardFailed, match="hearing_right_told_iff_in_scope"):
        _noticed(engine, party, fine=fine, hearing_right_told=not in_scope)
    case_id = _noticed(engine, party, fine=fine, hearing_right_told=in_scope)
    assert engine.get(case_id).data["has_hearing_right"] is in_scope


@pytest.mark.parametrize(("months", "in_scope"), [(11, False), (12, True)])
def test_sc10_activity_ban_one_year(engine: Engine, months: int, in_scope: bool) -> None:
    """第六十八条第三项: a ban of one year or more is within the hearing scope."""
    case_id = _noticed(engine, ban_months=months, hearing_right_told=in_scope)
    assert engine.get(case_id).data["has_hearing_right"] is in_scope


def test_sc10_hearing_request_on_fifth_working_day_then_waiver_by_tick(engine: Engine) -> None:
    """第六十七条第二款: 5 WD from service; silence is 视为放弃."""
    # Served Mon Sep 25: Sep 26, 27, 28 (3), make-up Oct 7 (4), Oct 8 (5) -> window ends Oct 8.
    case_id = _noticed(engine, fine="1000000", hearing_right_told=True)
    assert engine.get(case_id).snapshot.timer("statement_window").due == date(2023, 10, 8)
    assert engine.fire(case_id, "hearing_requested", at=at("2023-10-08")).state == "hearing"
    late = _noticed(engine, fine="1000000", hearing_right_told=True)
    engine.tick(at("2023-10-09", 0))
    case = engine.get(late)
    assert case.state == "legal_review"
    assert engine.history(late)[-1].entry.event == "rights_waived"


@pytest.mark.parametrize(
    ("day", "ok"), [("2023-10-07", True), ("2023-10-08", True), ("2023-10-09", False)]
)
@pytest.mark.parametrize("event", ["hearing_requested", "statement_made"])
def test_statement_and_hearing_request_only_within_five_working_days(
    engine: Engine, event: str, day: str, ok: bool
) -> None:
    """第六十七条第二款: 自告知书送达之日起五个工作日内书面提出，逾期未提出的，视为放弃."""
    # Served Mon Sep 25: Sep 26, 27, 28 (3), make-up Sat Oct 7 (4) and Sun Oct 8 (5).
    case_id = _noticed(engine, fine="1000000", hearing_right_told=True)
    if ok:
        # a statement keeps the window open for the hearing request (the party has the right)
        assert engine.fire(case_id, event, at=at(day)).state in {"hearing", "pre_notice_served"}
        return
    with pytest.raises(TransitionRefused):  # refused by the guard, or the waiver came first
        engine.fire(case_id, event, at=at(day))
    assert engine.get(case_id).state != "hearing"


@pytest.mark.parametrize(
    ("day", "ok"), [("2023-10-07", True), ("2023-10-08", True), ("2023-10-09", False)]
)
def test_statement_leaves_the_hearing_request_open_for_the_whole_window(
    engine: Engine, day: str, ok: bool
) -> None:
    """第六十七条第二款: 陈述、申辩 and 要求听证 share the five working days."""
    case_id = _noticed(engine, fine="1000000", hearing_right_told=True)
    case = engine.fire(case_id, "statement_made", at=at("2023-09-26"))
    assert (case.state, case.data["statements_made"]) == ("pre_notice_served", 1)
    assert case.snapshot.timer("statement_window").due == date(2023, 10, 8)
    if ok:
        assert engine.fire(case_id, "hearing_requested", at=at(day)).state == "hearing"
    else:
        with pytest.raises(TransitionRefused):
            engine.fire(case_id, "hearing_requested", at=at(day))
        engine.tick(at(day, 12))
        assert engine.get(case_id).state == "legal_review"  # the hearing is deemed waived


def test_sc10_no_heavier_penalty_and_provincial_report(engine: Engine) -> None:
    """第六十七条第三款、第六十九条、第七十条、第七十四条: no heavier fine; 7 and 15 WD."""
    # ¥500,000 for a legal person: no hearing right, so the statement ends the window
    case_id = _noticed(engine, fine="500000", hearing_right_told=False)
    engine.fire(case_id, "statement_made", at=at("2023-09-26"))
    engine.fire(case_id, "legal_review_failed", at=at("2023-09-27"))
    assert engine.get(case_id).state == "investigating"
    engine.fire(
        case_id,
        "notice_served",
        {"fine": "500000", "hearing_right_told": False},
        at=at("2023-10-09"),
    )
    engine.fire(case_id, "statement_made", at=at("2023-10-10"))
    engine.fire(case_id, "legal_review_passed", at=at("2023-10-11"))
    with pytest.raises(GuardFailed, match="no_heavier_penalty"):
        engine.fire(case_id, "penalty_decided", {"fine": "600000"}, at=at("2023-10-12"))
    case = engine.fire(case_id, "penalty_decided", {"fine": "400000"}, at=at("2023-10-12"))
    # After Thu Oct 12: service Oct 13, 16, 17, 18, 19, 20, 23 (7); report +15: Nov 2.
    assert case.snapshot.timer("service").due == date(2023, 10, 23)
    assert case.snapshot.timer("report_to_authority").due == date(2023, 11, 2)
    engine.fire(case_id, "decision_served", at=at("2023-10-13"))
    with pytest.raises(GuardFailed, match="reported_if_provincial"):
        engine.fire(case_id, "case_closed", at=at("2023-10-16"))
    engine.fire(case_id, "reported_to_authority", at=at("2023-10-16"))
    assert engine.fire(case_id, "case_closed", at=at("2023-10-16")).state == "closed"


def _ready_to_decide(engine: Engine, **notice: Any) -> str:
    """A case whose notice (`notice`) passed the legal review after the party's statement."""
    case_id = _noticed(engine, **notice)
    engine.fire(case_id, "statement_made", at=at("2023-09-26"))
    engine.tick(at("2023-10-09", 0))  # the window ends after Sun Oct 8 (a make-up day)
    engine.fire(case_id, "legal_review_passed", at=at("2023-10-10"))
    assert engine.get(case_id).state == "ready_to_decide"
    return case_id


@pytest.mark.parametrize(("months", "ok"), [(11, True), (12, True), (13, False)])
def test_decision_ban_may_not_exceed_the_notice(engine: Engine, months: int, ok: bool) -> None:
    """第六十七条第三款: 不得因当事人陈述、申辩或者听证而给予更重的处罚 — the ban too."""
    case_id = _ready_to_decide(engine, ban_months=12, hearing_right_told=True)
    if ok:
        case = engine.fire(case_id, "penalty_decided", {"ban_months": months}, at=at("2023-10-11"))
        assert case.state == "decided_by_province"
    else:
        with pytest.raises(GuardFailed, match="no_heavier_other_penalty"):
            engine.fire(case_id, "penalty_decided", {"ban_months": months}, at=at("2023-10-11"))


def test_decision_may_not_revoke_a_permit_the_notice_did_not_name(engine: Engine) -> None:
    """第六十七条第三款: a revocation the notice did not propose is a heavier penalty."""
    case_id = _ready_to_decide(engine, fine="50000", hearing_right_told=False)
    with pytest.raises(GuardFailed, match="no_heavier_other_penalty"):
        engine.fire(
            case_id, "penalty_decided", {"fine": "50000", "revocation": True}, at=at("2023-10-11")
        )
    case = engine.fire(case_id, "penalty_decided", {"fine": "50000"}, at=at("2023-10-11"))
    assert case.data["final_fine"] == Decimal("50000")


def test_sc10_warning_only_skips_legal_review(engine: Engine) -> None:
    """第六十九条第二款: a warning only needs no legal review."""
    case_id = _noticed(engine, warning_only=True, hearing_right_told=False)
    assert engine.fire(case_id, "statement_made", at=at("2023-09-26")).state == "ready_to_decide"


@pytest.mark.parametrize(
    ("notice", "ok"),
    [
        ({"fine": "0.00"}, True),
        ({"fine": "0.01"}, False),
        ({"fine": "5000.00"}, False),
        ({"confiscation": "0.01"}, False),
        ({"ban_months": 1}, False),
        ({"bar_months": 1}, False),
        ({"revocation": True, "hearing_right_told": True}, False),
    ],
)
def test_warning_only_notice_proposes_nothing_else(
    engine: Engine, notice: dict[str, Any], ok: bool
) -> None:
    """第六十九条第二款: only a notice of a warning alone may skip the legal review."""
    if not ok:
        with pytest.raises(GuardFailed, match="warning_only_proposes_nothing_else") as refused:
            _noticed(engine, **{"warning_only": True, "hearing_right_told": False, **notice})
        assert refused.value.basis == "科学技术部令第21号 第六十九条"
        return
    case_id = _noticed(engine, warning_only=True, hearing_right_told=False, **notice)
    # served Mon Sep 25: the fifth working day is the make-up Sunday Oct 8
    engine.tick(at("2023-10-09", 0))
    assert engine.get(case_id).state == "ready_to_decide"


def test_notice_with_a_fine_goes_to_legal_review(engine: Engine) -> None:
    """第六十九条第一款: a fine of ¥5,000 is not a warning only, so the legal review applies."""
    case_id = _noticed(engine, fine="5000.00", hearing_right_told=False)
    engine.tick(at("2023-10-09", 0))
    assert engine.get(case_id).state == "legal_review"


def test_excluded_procedure_and_suspension_each_pause_the_limit_once(engine: Engine) -> None:
    """第七十一条第二款: 检测、中止 time is not counted, each by its own days exactly."""
    case = engine.start(
        "hgr-penalty", {"authority_level": "national", "party_type": "citizen"}, at=at("2023-08-01")
    )
    case = engine.fire(case.id, "case_filed", at=at("2023-08-01"))
    assert case.snapshot.timer("case_limit").due == date(2023, 10, 30)  # Aug 1 + 90
    engine.fire(
        case.id, "excluded_procedure_started", {"procedure": "testing"}, at=at("2023-08-10")
    )
    for event in ("case_suspended", "notice_served"):
        with pytest.raises(GuardFailed, match="no_excluded_procedure_running"):
            engine.fire(case.id, event, at=at("2023-08-15"))
    engine.fire(case.id, "excluded_procedure_finished", at=at("2023-08-19"))  # Aug 10..19: 10
    engine.fire(case.id, "case_suspended", at=at("2023-09-04"))
    with pytest.raises(EventNotAllowed):  # the limit is already paused
        engine.fire(
            case.id, "excluded_procedure_started", {"procedure": "audit"}, at=at("2023-09-05")
        )
    case = engine.fire(case.id, "case_resumed", at=at("2023-09-13"))  # Sep 4..13: 10 days
    # Oct 30 + 20 = Sun Nov 19, rolled over to Mon Nov 20 (民法典 第二百零三条)
    assert case.snapshot.timer("case_limit").due == date(2023, 11, 20)


def _extended_once(engine: Engine) -> str:
    """A national case filed Aug 1, 2023, extended once by the head; return its id."""
    case = engine.start(
        "hgr-penalty", {"authority_level": "national", "party_type": "citizen"}, at=at("2023-08-01")
    )
    case = engine.fire(case.id, "case_filed", at=at("2023-08-01"))
    # Aug 1 + 90 days = Oct 30 (a Monday, a working day).
    assert case.snapshot.timer("case_limit").due == date(2023, 10, 30)
    with pytest.raises(GuardFailed, match="after_first_extension_once"):  # K1 comes first
        engine.fire(
            case.id,
            "case_limit_extended",
            {"collective_discussion": True, "days": 30},
            at=at("2023-10-20"),
        )
    case = engine.fire(
        case.id, "case_limit_extended", {"approved_by_head": True}, at=at("2023-10-20")
    )
    # Oct 30 + 90 days = Sun Jan 28, 2024 (an ordinary Sunday; the 2024 make-up days are
    # Feb 4 and Feb 18) -> next working day Mon Jan 29 (民法典 第二百零三条).
    assert case.snapshot.timer("case_limit").due == date(2024, 1, 29)
    return case.id


def test_sc10_case_limit_ninety_plus_ninety_then_at_most_sixty(engine: Engine) -> None:
    """第七十一条第一款, 第七十七条: the further extension is the decided length, 不超过 60."""
    case_id = _extended_once(engine)
    with pytest.raises(GuardFailed, match="collective_at_most_sixty"):
        engine.fire(
            case_id,
            "case_limit_extended",
            {"collective_discussion": True, "days": 61},
            at=at("2024-01-20"),
        )
    with pytest.raises(GuardFailed, match="collective_at_most_sixty"):  # the length is required
        engine.fire(
            case_id, "case_limit_extended", {"collective_discussion": True}, at=at("2024-01-20")
        )
    case = engine.fire(
        case_id,
        "case_limit_extended",
        {"collective_discussion": True, "days": 60},
        at=at("2024-01-20"),
    )
    assert case.data["further_extension_days"] == 60
    # Jan 29 + 60 days: Feb 29 (31, a leap year), Mar 29 (60), a Friday and a working day.
    assert case.snapshot.timer("case_limit").due == date(2024, 3, 29)
    with pytest.raises(GuardFailed):  # no third extension
        engine.fire(
            case_id,
            "case_limit_extended",
            {"collective_discussion": True, "days": 1},
            at=at("2024-03-01"),
        )


def test_sc10_further_extension_moves_the_limit_by_the_days_decided(engine: Engine) -> None:
    """第七十一条第一款: 同时确定延长的合理期限 — 59 days move the limit 59 days."""
    case_id = _extended_once(engine)
    case = engine.fire(
        case_id,
        "case_limit_extended",
        {"collective_discussion": True, "days": 59},
        at=at("2024-01-20"),
    )
    # Jan 29 + 59 days = Thu Mar 28, 2024, a working day.
    assert case.snapshot.timer("case_limit").due == date(2024, 3, 28)


def test_an_inspection_refers_a_penalty_case_with_what_it_needs(engine: Engine) -> None:
    """M13.T9: the referral starts an hgr-penalty case with the deciding authority and the
    party's type (第四条第二项, 第五十六条, 第六十三条); without them it is refused and
    nothing changes."""
    case = engine.start("hgr-inspection", {"origin": "annual_plan"}, at=at("2024-03-04"))
    engine.fire(case.id, "inspection_started", at=at("2024-03-04"))
    engine.fire(case.id, "investigation_opened", at=at("2024-03-11"))
    with pytest.raises((InvalidCaseData, TransitionRefused)) as refused:
        engine.fire(case.id, "referred_to_penalty", at=at("2024-04-01"))
    assert "party_type" in str(refused.value)
    assert engine.get(case.id).state == "investigating" and engine.children(case.id) == []
    referred = engine.fire(
        case.id,
        "referred_to_penalty",
        {"authority_level": "provincial", "party_type": "citizen"},
        at=at("2024-04-01"),
    )
    assert referred.state == "referred_to_penalty"
    penalty = only_child(engine, referred, "hgr-penalty")
    assert penalty.state == "clue_registered"
    assert (
        penalty.data["authority_level"] == "provincial" and penalty.data["party_type"] == "citizen"
    )
