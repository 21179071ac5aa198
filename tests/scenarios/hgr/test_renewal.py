"""SC-09: renewal, deemed renewal, expiry and the cooperation report (第三十五条、第五十五条)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from policyflow import Engine
from policyflow.errors import GuardFailed

from .conftest import at, granted_permit, only_child

# Timeliness (第五十五条 "届满三十个工作日前"): at least 30 working days after the application
# day, up to and including the last day of validity. Hand count on the 2023 calendar
# (holiday Sep 29 – Oct 6, make-up workdays Sat Oct 7, Sun Oct 8) for validity ending
# Fri Oct 6 (a holiday): after Thu Aug 17 the working days are Aug 18 (1), Aug 21–25 (6),
# Aug 28 – Sep 1 (11), Sep 4–8 (16), 11–15 (21), 18–22 (26), 25–28 (30): timely.
# After Fri Aug 18 the 30th working day is the make-up Saturday Oct 7, after expiry: late.
# legaltime's before(2023-10-06, "30wd") is Aug 18 (it counts the application day and not
# the last day of validity, a holiday here), so the files do not use it: docs/processes/hgr.md.
# Validity ending Tue Oct 31 (a working day): after Wed Sep 13 the working days are Sep 14,
# 15 (2), 18-22 (7), 25-28 (11); Sep 29 - Oct 6 off; Oct 7, 8 (13), 9-13 (18), 16-20 (23),
# 23-27 (28), 30, 31 (30): timely; after Thu Sep 14 only 29. There before() agrees (Sep 13).


def _renew(engine: Engine, lifecycle_id: str, day: str, until: str = "2026-10-06") -> None:
    engine.fire(lifecycle_id, "renewal_applied", {"requested_valid_until": until}, at=at(day))
    engine.fire(lifecycle_id, "renewal_accepted", at=at(day, 15))


def test_sc09_renewal_deemed_granted_across_national_day_on_tick(engine: Engine) -> None:
    """第五十五条第一款: timely renewal undecided at expiry: 视为准予延续, by tick."""
    permit = granted_permit(
        engine, "international_cooperation", valid_until="2023-10-06", total=1000
    )
    _renew(engine, permit.id, "2023-08-17")
    engine.tick(at("2023-10-06", 23))
    assert engine.get(permit.id).state == "renewal_under_review"
    engine.tick(at("2023-10-07", 12))
    case = engine.get(permit.id)
    assert case.state == "active"
    assert case.data["valid_until"] == date(2026, 10, 6)
    deemed = [e for e in engine.history(permit.id) if e.entry.event == "validity_ended"]
    assert deemed[-1].entry.automatic and deemed[-1].entry.at == datetime(2023, 10, 7)
    assert not [c for c in engine.children(permit.id) if c.process_id == "hgr-cooperation-report"]


def test_sc09_late_renewal_lapses_and_the_cooperation_report_falls_due(engine: Engine) -> None:
    """第五十五条第一款、第三十五条: a late renewal is never deemed granted; report in 6 months."""
    permit = granted_permit(
        engine, "international_cooperation", valid_until="2023-10-06", total=1000
    )
    _renew(engine, permit.id, "2023-08-18")
    engine.tick(at("2023-10-07", 12))
    assert engine.get(permit.id).state == "expired"
    report = only_child(engine, permit, "hgr-cooperation-report")
    # Oct 6 + 6 months = Sat 2024-04-06 (Qingming holiday Apr 4–6); next working day is the
    # make-up Sunday Apr 7.
    assert report.snapshot.timer("report_window").due == date(2024, 4, 7)
    with pytest.raises(GuardFailed, match="submitted_jointly"):
        engine.fire(
            report.id,
            "report_submitted",
            {"signed_by_chinese_party": True, "signed_by_foreign_party": False, "items": []},
            at=at("2024-01-10"),
        )
    items = [
        "purpose_and_content_changes",
        "protocol_execution",
        "content_completion",
        "hgr_use_and_disposal",
        "records_and_data",
        "chinese_participation",
        "outputs_and_benefits",
        "ethics_review",
    ]
    done = engine.fire(
        report.id,
        "report_submitted",
        {"signed_by_chinese_party": True, "signed_by_foreign_party": True, "items": items},
        at=at("2024-01-10"),
    )
    assert done.state == "submitted"


@pytest.mark.parametrize(
    ("valid_until", "applied_on", "timely"),
    [
        ("2023-10-06", "2023-08-16", True),  # below the boundary
        ("2023-10-06", "2023-08-17", True),  # the last timely day
        ("2023-10-06", "2023-08-18", False),  # the next day: late
        ("2023-10-31", "2023-09-13", True),
        ("2023-10-31", "2023-09-14", False),
    ],
)
def test_sc09_timeliness_is_decided_on_application(
    engine: Engine, valid_until: str, applied_on: str, timely: bool
) -> None:
    """第五十五条第一款: 届满三十个工作日前 — known the day the renewal is applied for."""
    permit = granted_permit(engine, "collection", valid_until=valid_until)
    case = engine.fire(
        permit.id,
        "renewal_applied",
        {"requested_valid_until": "2026-10-06"},
        at=at(applied_on),
    )
    assert case.data["is_renewal_timely"] is timely
    engine.fire(permit.id, "renewal_accepted", at=at(applied_on, 15))
    last = date.fromisoformat(valid_until)
    engine.tick(datetime(last.year, last.month, last.day, 23))
    assert engine.get(permit.id).state == "renewal_under_review"
    engine.tick(datetime(last.year, last.month, last.day) + timedelta(days=1, hours=1))
    # timely: 视为准予延续 by itself at 00:00 after the last day; late: the permit expires
    assert engine.get(permit.id).state == ("active" if timely else "expired")
    # a collection permit owes no cooperation report (第三十五条: international cooperation only)
    assert not engine.children(permit.id)


def test_sc09_exactly_thirty_working_days_is_timely(engine: Engine) -> None:
    """第五十五条第一款: the 30th working day on the last day of validity is still in time (tie)."""
    # After Aug 17 the 30th working day is Thu Sep 28 (see the count above) = valid_until.
    permit = granted_permit(engine, "collection", valid_until="2023-09-28")
    _renew(engine, permit.id, "2023-08-17")
    engine.tick(at("2023-09-29", 1))
    assert engine.get(permit.id).state == "active"


def test_sc09_no_deemed_renewal_while_correcting(engine: Engine) -> None:
    """第五十五条第一款, 第三十九条 (A-19): uncorrected at expiry: not deemed granted."""
    permit = granted_permit(engine, "preservation", valid_until="2023-10-06")
    engine.fire(
        permit.id, "renewal_applied", {"requested_valid_until": "2026-10-06"}, at=at("2023-08-01")
    )
    engine.fire(
        permit.id, "renewal_correction_requested", {"items": ["保藏方案"]}, at=at("2023-08-02")
    )
    engine.tick(at("2023-10-07", 1))
    assert engine.get(permit.id).state == "expired"


def test_sc09_decision_on_the_last_day_is_in_time(engine: Engine) -> None:
    """第五十五条第一款: the authority decides before the validity ends; the last day counts."""
    permit = granted_permit(engine, "preservation", valid_until="2023-10-06")
    _renew(engine, permit.id, "2023-08-01")
    case = engine.fire(
        permit.id, "renewal_granted", {"new_valid_until": "2025-10-06"}, at=at("2023-10-06")
    )
    assert case.state == "active" and case.data["valid_until"] == date(2025, 10, 6)
    assert case.snapshot.timer("validity").due == date(2025, 10, 6)


def _filed(engine: Engine) -> str:
    """A clinical-trial filing valid from 2022-10-11 to Fri 2023-10-06 (a holiday)."""
    filing = engine.start(
        "hgr-trial-filing",
        {
            "for_marketing_authorisation": True,
            "at_clinical_institutions": True,
            "material_leaves_china": False,
            "handled_inside_institutions": True,
            "has_drug_regulator_document": True,
        },
        at=at("2022-10-01"),
    )
    engine.fire(filing.id, "filing_submitted", at=at("2022-10-10"))
    engine.fire(
        filing.id,
        "filing_completed",
        {
            "filing_no": "B-1",
            "total_quantity": 500,
            "valid_from": "2022-10-11",
            "valid_until": "2023-10-06",
        },
        at=at("2022-10-11"),
    )
    return filing.id


@pytest.mark.parametrize(
    ("applied_on", "state"), [("2023-08-17", "filed"), ("2023-08-18", "expired")]
)
def test_sc09_filing_renewal_deemed_completed(engine: Engine, applied_on: str, state: str) -> None:
    """第五十五条第二款: a timely filing renewal not completed by expiry is deemed completed."""
    filing_id = _filed(engine)
    engine.fire(
        filing_id, "renewal_applied", {"requested_valid_until": "2024-10-06"}, at=at(applied_on)
    )
    engine.tick(at("2023-10-07", 8))
    case = engine.get(filing_id)
    # the same count as for permits (see the top of this file): Aug 17 timely, Aug 18 late
    assert case.state == state
    assert case.data["valid_until"] == date(2024 if state == "filed" else 2023, 10, 6)


@pytest.mark.parametrize(("day", "overdue"), [("2023-08-24", False), ("2023-08-25", True)])
def test_filing_renewal_correction_notice_within_five_working_days(
    engine: Engine, day: str, overdue: bool
) -> None:
    """第三十九条第二款: 收到正式申请材料之日起五个工作日内一次性告知 — renewals of filings too."""
    filing_id = _filed(engine)
    case = engine.fire(
        filing_id, "renewal_applied", {"requested_valid_until": "2024-10-06"}, at=at("2023-08-17")
    )
    # after Thu Aug 17: Aug 18 (1), 21, 22, 23, 24 (5)
    assert case.snapshot.timer("renewal_correction_notice").due == date(2023, 8, 24)
    engine.tick(at(day, 23))
    assert engine.get(filing_id).overdue is overdue
    case = engine.fire(filing_id, "renewal_correction_requested", at=at(day, 23))
    assert case.state == "renewal_correction_requested"
