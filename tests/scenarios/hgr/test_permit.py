"""SC-03 and SC-04: the licensing application clock, correction, withdrawal (hgr-permit)."""

from __future__ import annotations

from datetime import date

import pytest

from policyflow import Engine
from policyflow.errors import EventNotAllowed, GuardFailed

from .conftest import CHINESE_UNIT, PERMIT_WRITTEN, at

# Hand-derived from the 2023 State Council calendar: Mid-Autumn/National Day holiday
# Sep 29 – Oct 6 (Sep 30 a weekend), make-up workdays Sat Oct 7 and Sun Oct 8.


def _accepted(engine: Engine, day: str = "2023-09-20") -> str:
    case = engine.start("hgr-permit", {"kind": "collection", **CHINESE_UNIT}, at=at(day, 9))
    engine.fire(case.id, "materials_submitted", at=at(day, 9))
    engine.fire(case.id, "accepted", {"voucher_no": "V-1"}, at=at(day, 10))
    return case.id


def test_sc03_decision_due_twenty_working_days_after_acceptance(engine: Engine) -> None:
    """第四十一条: 20 working days from acceptance (受理之日), across National Day 2023."""
    case_id = _accepted(engine)
    # After Wed Sep 20: Sep 21,22,25,26,27,28 (6), Oct 7,8 (8, make-up), Oct 9–13 (13),
    # Oct 16–20 (18), Oct 23, 24 (20) -> Oct 24.
    assert engine.get(case_id).snapshot.timer("decision").due == date(2023, 10, 24)


def test_sc03_review_time_excluded_then_extended_once_then_granted(engine: Engine) -> None:
    """第四十一条、第四十二条: review not counted once told in writing; one 10-WD extension."""
    case_id = _accepted(engine)
    engine.fire(
        case_id,
        "review_procedure_started",
        {"procedure": "technical_review", "notice_served_on": "2023-09-28"},
        at=at("2023-09-28"),
    )
    engine.fire(case_id, "review_procedure_finished", at=at("2023-10-16"))
    # Counted before the review: Sep 21, 22, 25, 26, 27 (5). Sep 28 – Oct 16 do not count
    # (the start and the resume day included). 15 left: Oct 17–20 (4), 23–27 (9),
    # Oct 30 – Nov 3 (14), Nov 6 (15) -> Nov 6.
    assert engine.get(case_id).snapshot.timer("decision").due == date(2023, 11, 6)
    engine.fire(
        case_id,
        "decision_extended",
        {"approved_by_head": True, "reasons_notified": True},
        at=at("2023-11-01"),
    )
    # +10 WD from Nov 6: Nov 7–10 (4), 13–17 (9), Nov 20 (10).
    assert engine.get(case_id).snapshot.timer("decision").due == date(2023, 11, 20)
    with pytest.raises(GuardFailed):
        engine.fire(
            case_id,
            "decision_extended",
            {"approved_by_head": True, "reasons_notified": True},
            at=at("2023-11-02"),
        )
    case = engine.fire(
        case_id,
        "permit_granted",
        {
            "permit_no": "P-1",
            "valid_from": "2023-11-17",
            "valid_until": "2026-11-16",
            **PERMIT_WRITTEN,
        },
        at=at("2023-11-17"),
    )
    assert case.state == "granted"
    assert case.snapshot.timer("decision").status == "met"


def test_sc03_review_without_written_notice_keeps_the_clock_running(engine: Engine) -> None:
    """第四十二条 (A-52): no written notice of the time required, no exclusion."""
    case_id = _accepted(engine)
    with pytest.raises(GuardFailed, match="time_told_in_writing"):
        engine.fire(
            case_id,
            "review_procedure_started",
            {"procedure": "technical_review"},
            at=at("2023-09-28"),
        )
    assert engine.get(case_id).state == "under_review"


def test_sc03_no_decision_in_time_is_only_overdue(engine: Engine) -> None:
    """第四十一条: silence after 20 working days marks the case overdue, never a deemed grant."""
    case_id = _accepted(engine)
    engine.tick(at("2023-10-25", 1))
    case = engine.get(case_id)
    assert case.state == "under_review"
    assert case.overdue


def test_sc03_denial_needs_reasons_and_remedies(engine: Engine) -> None:
    """第四十三条第二款: a denial states reasons and the right to reconsideration or litigation."""
    case_id = _accepted(engine)
    with pytest.raises(GuardFailed, match="reasons_and_remedies"):
        engine.fire(
            case_id,
            "permit_denied",
            {"reasons": "", "notified_in_writing": True, "remedies_notified": True},
            at=at("2023-10-09"),
        )
    case = engine.fire(
        case_id,
        "permit_denied",
        {"reasons": "条件不符", "notified_in_writing": True, "remedies_notified": True},
        at=at("2023-10-09"),
    )
    assert case.state == "denied"


def test_sc04_correction_notice_on_the_fifth_working_day_a_makeup_sunday(engine: Engine) -> None:
    """第三十九条第二款: 5 working days from receipt; the one-time notice cannot be repeated."""
    case = engine.start(
        "hgr-permit", {"kind": "preservation", **CHINESE_UNIT}, at=at("2023-09-25", 9)
    )
    engine.fire(case.id, "materials_submitted", at=at("2023-09-25"))
    # After Mon Sep 25: Sep 26, 27, 28 (3), Sat Oct 7 (4), Sun Oct 8 (5) -> Oct 8.
    assert engine.get(case.id).snapshot.timer("correction_notice").due == date(2023, 10, 8)
    engine.fire(
        case.id,
        "correction_requested",
        {"items": ["伦理审查批件", "知情同意书"]},
        at=at("2023-10-08"),
    )
    with pytest.raises(EventNotAllowed):
        engine.fire(
            case.id, "correction_requested", {"items": ["另一缺陷"]}, at=at("2023-10-08", 11)
        )
    engine.fire(case.id, "materials_resubmitted", at=at("2023-10-09"))
    assert engine.get(case.id).snapshot.timer("correction_notice").due == date(2023, 10, 16)


def test_sc04_late_correction_notice_is_overdue_not_deemed_accepted(engine: Engine) -> None:
    """第三十九条第二款: a late notice has no consequence; the case is only overdue."""
    case = engine.start(
        "hgr-permit", {"kind": "preservation", **CHINESE_UNIT}, at=at("2023-09-25", 9)
    )
    engine.fire(case.id, "materials_submitted", at=at("2023-09-25"))
    engine.tick(at("2023-10-08", 23))
    assert not engine.get(case.id).overdue
    engine.tick(at("2023-10-09", 0))
    case = engine.get(case.id)
    assert case.state == "submitted" and case.overdue


def test_sc04_withdrawal_must_be_written(engine: Engine) -> None:
    """第四十九条: a written withdrawal ends review, even while the clock is stopped."""
    case_id = _accepted(engine)
    engine.fire(
        case_id,
        "review_procedure_started",
        {"procedure": "appraisal", "notice_served_on": "2023-09-21"},
        at=at("2023-09-21"),
    )
    with pytest.raises(GuardFailed, match="withdrawn_in_writing"):
        engine.fire(case_id, "application_withdrawn", {"in_writing": False}, at=at("2023-09-22"))
    assert (
        engine.fire(
            case_id, "application_withdrawn", {"in_writing": True}, at=at("2023-09-22")
        ).state
        == "withdrawn"
    )


@pytest.mark.parametrize(
    ("report_year", "due_on"),
    [
        (2024, date(2024, 1, 31)),  # a Wednesday, a working day
        # 2025 Spring Festival: Jan 28 - Feb 4 off (Jan 26 and Feb 8 worked): Jan 31 is a
        # holiday, so the last day is the next working day, Wed Feb 5 (民法典 第二百零三条).
        (2025, date(2025, 2, 5)),
    ],
)
def test_annual_report_due_by_thirty_first_of_january(
    engine: Engine, report_year: int, due_on: date
) -> None:
    """第三十条第一款: 于每年1月31日前 — the date itself, rolled over a holiday (A-03)."""
    case = engine.start("hgr-annual-report", {"report_year": report_year}, at=at("2024-01-02"))
    assert case.snapshot.timer("annual_report").due == due_on
