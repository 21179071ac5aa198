"""start / allowed / apply / expire / due_timers on the permit fixture, 2023 calendar.

Due dates are derived by hand from the 2023 State Council holiday notice: 2023-09-29 to
2023-10-06 are holidays, 2023-10-07 (Sat) and 2023-10-08 (Sun) are make-up working days.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from policyflow.errors import (
    EventNotAllowed,
    GuardFailed,
    InvalidCaseData,
    InvalidInput,
    InvalidPayload,
    TransitionRefused,
)
from policyflow.runtime import (
    ChildStart,
    Signal,
    TimerAction,
    TimerStatus,
    allowed,
    apply,
    due_timers,
    enabled,
    expire,
    start,
)

from .conftest import begin, data, run

MON_0925 = datetime(2023, 9, 25, 10, 0)


def actions(step):
    return [(c.deadline, c.action, c.due) for c in step.entry.timer_changes]


def test_start_records_entry_one_and_starts_entry_deadline(permit):
    """start: sequence 1, event 'start', initial data in the payload, entry deadline started."""
    step = begin(permit, MON_0925)
    entry, snap = step.entry, step.snapshot
    assert (entry.sequence, entry.event, entry.from_state, entry.to_state) == (
        1,
        "start",
        None,
        "submitted",
    )
    assert entry.payload["budget"] == "1000000.00" and entry.payload["corrections"] == 0
    assert snap.version == 1 and snap.data["budget"] == Decimal("1000000.00")
    assert snap.process_version == permit.version
    # 5 working days after Mon 09-25: 26, 27, 28, holidays 29..06, make-up 07 (4th), 08 (5th)
    assert actions(step) == [("acceptance_notice", TimerAction.STARTED, date(2023, 10, 8))]
    assert entry.basis == "中华人民共和国行政许可法 第二十九条"


def test_start_refuses_bad_data_naming_the_field(permit):
    """Bad case data: InvalidCaseData names the field and the expected type."""
    with pytest.raises(InvalidCaseData) as caught:
        start(permit, "c", data(budget="12.345"), at=MON_0925)
    assert caught.value.field == "budget" and "2 decimals" in str(caught.value)
    with pytest.raises(InvalidCaseData, match=r"applicant_type.*one of 'citizen', 'legal_person'"):
        start(permit, "c", data(applicant_type="company"), at=MON_0925)


def test_snapshot_is_frozen(permit):
    """Snapshots, timers and journal entries are immutable values."""
    step = begin(permit, MON_0925)
    with pytest.raises(AttributeError):
        step.snapshot.state = "live"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        step.snapshot.timers[0].due = None  # type: ignore[misc]
    with pytest.raises(AttributeError):
        step.entry.event = "other"  # type: ignore[misc]
    assert step.snapshot.state == "submitted"


def test_deemed_acceptance_fires_at_the_legal_moment(permit):
    """行政许可法 第三十二条: no notice within 5 working days → deemed accepted, by itself."""
    step = begin(permit, MON_0925)
    assert expire(permit, step.snapshot, now=datetime(2023, 10, 8, 23, 59)) == ()
    assert due_timers(step.snapshot, datetime(2023, 10, 8, 23, 59)) == ()
    late_tick = datetime(2023, 10, 12, 9, 0)
    (fired,) = expire(permit, step.snapshot, now=late_tick)
    entry = fired.entry
    assert entry.automatic and entry.event == "deemed_accepted"
    assert entry.at == datetime(2023, 10, 9, 0, 0)  # the expiry instant, not the late tick
    assert (entry.from_state, entry.to_state) == ("submitted", "under_review")
    # 20 working days after Mon 10-09: 10..13 (4), 16..20 (9), 23..27 (14), 30..11-03 (19), 11-06
    assert actions(fired) == [
        ("acceptance_notice", TimerAction.FIRED, date(2023, 10, 8)),
        ("review_decision", TimerAction.STARTED, date(2023, 11, 6)),
    ]
    assert fired.snapshot.data["accepted_on"] == date(2023, 10, 9)
    assert fired.snapshot.timer("acceptance_notice").status is TimerStatus.FIRED


def test_guard_refusal_names_guard_words_and_basis_and_changes_nothing(permit):
    """A false guard raises GuardFailed with its words and basis; the snapshot is untouched."""
    step = begin(permit, MON_0925, documents=["application_form"])
    before = step.snapshot
    with pytest.raises(GuardFailed) as caught:
        apply(permit, before, "accepted", at=datetime(2023, 9, 26, 10))
    error = caught.value
    assert (error.case_id, error.state, error.event) == ("case-1", "submitted", "accepted")
    assert "guard 'is_complete' is false" in str(error) and "(given: [application_form])" in str(
        error
    )
    assert error.basis == "中华人民共和国行政许可法 第三十二条第一款第（五）项"
    assert str(error).startswith("refused 'accepted' on case case-1 in state 'submitted': ")
    assert step.snapshot is before and before.version == 1 and before.state == "submitted"


@pytest.mark.parametrize(
    ("budget", "ok"),
    [("999999.99", False), ("1000000.00", True), ("1000000.01", True)],
)
def test_money_guard_boundary_is_inclusive(permit, budget, ok):
    """以上 includes the number: expert review from ¥1,000,000.00, not at ¥999,999.99."""
    step = run(
        permit, begin(permit, MON_0925, budget=budget), ("accepted", datetime(2023, 9, 28, 10))
    )
    at = datetime(2023, 10, 9, 10)
    if ok:
        assert (
            apply(permit, step.snapshot, "expert_review_started", at=at).snapshot.state
            == "expert_review"
        )
    else:
        with pytest.raises(
            GuardFailed, match=r"budget: ¥999,999\.99\) \[中华人民共和国行政许可法 第四十五条\]"
        ):
            apply(permit, step.snapshot, "expert_review_started", at=at)


def test_event_not_allowed_and_unknown_event(permit):
    """No transition here: EventNotAllowed listing what is allowed; a typo: did you mean."""
    snap = begin(permit, MON_0925).snapshot
    with pytest.raises(EventNotAllowed) as caught:
        apply(permit, snap, "granted", {"permit_no": "X", "served_on": "2023-09-26"}, at=MON_0925)
    assert "no transition for 'granted' leaves state 'submitted'" in str(caught.value)
    assert (
        "'accepted'" in str(caught.value)
        and caught.value.basis == "中华人民共和国行政许可法 第二十九条"
    )
    with pytest.raises(EventNotAllowed, match="did you mean 'accepted'"):
        apply(permit, snap, "acepted", at=MON_0925)


def test_invalid_payload_names_field_and_type(permit):
    """A bad payload: InvalidPayload naming field and type; an event without payload fields."""
    step = run(permit, begin(permit, MON_0925), ("accepted", datetime(2023, 9, 28, 10)))
    with pytest.raises(InvalidPayload, match="field 'served_on' expects a date"):
        apply(
            permit,
            step.snapshot,
            "granted",
            {"permit_no": "X", "served_on": "2023-13-01"},
            at=datetime(2023, 10, 9, 10),
        )
    with pytest.raises(
        InvalidPayload, match="field 'approved_by_head' expects true or false, got nothing"
    ):
        apply(permit, step.snapshot, "review_extended", {}, at=datetime(2023, 10, 9, 10))
    with pytest.raises(InvalidPayload, match="takes no payload"):
        apply(permit, step.snapshot, "denied", {"why": "x"}, at=datetime(2023, 10, 9, 10))
    assert issubclass(InvalidPayload, TransitionRefused)


def test_time_going_backwards_is_refused(permit):
    """An event before the case's last event is refused, naming both times."""
    snap = begin(permit, MON_0925).snapshot
    with pytest.raises(
        InvalidInput, match=r"2023-09-24 10:00:00 is earlier than .* 2023-09-25 10:00:00"
    ):
        apply(permit, snap, "correction_requested", at=datetime(2023, 9, 24, 10))


def test_suspension_resume_and_extension_recompute_from_the_anchor(permit):
    """行政许可法 第四十五条, 第四十二条: expert review does not count; one 10-day extension."""
    step = run(permit, begin(permit, MON_0925), ("accepted", datetime(2023, 9, 28, 10)))
    # 20 wd after Thu 09-28: 10-07, 10-08, 10-09..13 (7), 16..20 (12), 23..27 (17), 30, 31, 11-01
    assert actions(step)[-1] == ("review_decision", TimerAction.STARTED, date(2023, 11, 1))
    step = run(permit, step, ("expert_review_started", datetime(2023, 10, 9, 9)))
    assert actions(step) == [("review_decision", TimerAction.SUSPENDED, None)]
    timer = step.snapshot.timer("review_decision")
    assert timer.status is TimerStatus.SUSPENDED and timer.due is None and timer.expires_at is None
    assert timer.remaining == 18  # 10-09 .. 11-01 are 18 working days
    step = run(permit, step, ("expert_review_finished", datetime(2023, 10, 12, 17)))
    # 10-09..10-12 (4 working days) no longer count: 11-02, 11-03, 11-06, 11-07
    assert actions(step) == [("review_decision", TimerAction.RESUMED, date(2023, 11, 7))]
    assert step.snapshot.timer("review_decision").suspensions == (
        (date(2023, 10, 9), date(2023, 10, 12)),
    )
    step = run(
        permit, step, ("review_extended", datetime(2023, 10, 13, 9), {"approved_by_head": True})
    )
    # 10 wd after 11-07: 8, 9, 10, 13..17, 20, 21
    assert actions(step) == [("review_decision", TimerAction.EXTENDED, date(2023, 11, 21))]
    assert step.entry.timer_changes[0].basis == "中华人民共和国行政许可法 第四十二条第一款"
    with pytest.raises(GuardFailed, match="may be extended once at most") as caught:
        apply(
            permit,
            step.snapshot,
            "review_extended",
            {"approved_by_head": True},
            at=datetime(2023, 10, 16),
        )
    assert caught.value.basis == "中华人民共和国行政许可法 第四十二条第一款"


def test_suspension_of_one_day_counts_that_day_out(permit):
    """Suspended and resumed on the same day: that one day does not count."""
    step = run(
        permit,
        begin(permit, MON_0925),
        ("accepted", datetime(2023, 9, 28, 10)),
        ("expert_review_started", datetime(2023, 10, 10, 9)),
        ("expert_review_finished", datetime(2023, 10, 10, 16)),
    )
    # 11-01 moves one working day: 11-02
    assert step.snapshot.timer("review_decision").due == date(2023, 11, 2)


def test_overdue_without_consequence_then_met_late(permit):
    """An expiry naming no consequence only marks the case overdue; meeting it late clears it."""
    step = run(
        permit, begin(permit, MON_0925, budget="5000.00"), ("accepted", datetime(2023, 9, 28, 10))
    )
    assert expire(permit, step.snapshot, now=datetime(2023, 11, 1, 23, 59)) == ()
    (late,) = expire(permit, step.snapshot, now=datetime(2023, 11, 2, 0, 0))
    assert late.entry.event == "deadline_expired" and late.entry.automatic
    assert late.entry.from_state == late.entry.to_state == "under_review"
    assert late.entry.at == datetime(2023, 11, 2)
    assert actions(late) == [("review_decision", TimerAction.OVERDUE, date(2023, 11, 1))]
    assert (
        late.snapshot.overdue
        and late.snapshot.timer("review_decision").status is TimerStatus.OVERDUE
    )
    assert expire(permit, late.snapshot, now=datetime(2023, 12, 1)) == ()  # reported once
    with pytest.raises(GuardFailed, match="an extension must be approved before it expires"):
        apply(
            permit,
            late.snapshot,
            "review_extended",
            {"approved_by_head": True},
            at=datetime(2023, 11, 3),
        )
    granted = apply(
        permit,
        late.snapshot,
        "granted",
        {"permit_no": "P-1", "served_on": "2023-11-03"},
        at=datetime(2023, 11, 3, 10),
    )
    assert ("review_decision", TimerAction.MET, date(2023, 11, 1)) in actions(granted)
    assert not granted.snapshot.overdue


def test_grant_assigns_payload_and_anchors_validity_without_rollover(permit):
    """The permit's validity counts from the service day; 三年 ends on its day (no rollover)."""
    step = run(
        permit,
        begin(permit, MON_0925, budget="5000.00"),
        ("accepted", datetime(2023, 9, 28, 10)),
        ("granted", datetime(2023, 11, 2, 10), {"permit_no": "P-7", "served_on": "2023-10-31"}),
    )
    snap = step.snapshot
    assert snap.state == "live" and snap.data["permit_no"] == "P-7"
    assert snap.data["granted_on"] == date(2023, 10, 31)
    # the optional valid_until was not given: the journal records it as null
    assert step.entry.payload == {
        "permit_no": "P-7",
        "served_on": "2023-10-31",
        "valid_until": None,
    }
    assert snap.timer("permit_term") is None  # no stated end date: only the three years run
    validity = snap.timer("permit_validity")
    # 2026-10-31 is a Saturday: without rollover the period still ends on it
    assert date(2026, 10, 31).weekday() == 5
    assert validity.started_on == date(2023, 10, 31) and validity.due == date(2026, 10, 31)


def test_renewal_deemed_granted_restarts_validity(permit):
    """行政许可法 第五十条第二款: no decision on renewal in time → deemed granted."""
    step = run(
        permit,
        begin(permit, MON_0925, budget="5000.00"),
        ("accepted", datetime(2023, 9, 28, 10)),
        ("granted", datetime(2023, 10, 31, 10), {"permit_no": "P-7", "served_on": "2023-10-31"}),
        ("renewal_applied", datetime(2023, 11, 1, 10)),
    )
    # 20 wd after Wed 11-01: 2, 3, 6..10 (7), 13..17 (12), 20..24 (17), 27, 28, 29
    assert actions(step) == [("renewal_decision", TimerAction.STARTED, date(2023, 11, 29))]
    (fired,) = expire(permit, step.snapshot, now=datetime(2023, 12, 5))
    assert fired.entry.event == "renewal_deemed_granted" and fired.snapshot.state == "live"
    assert actions(fired) == [
        ("renewal_decision", TimerAction.FIRED, date(2023, 11, 29)),
        ("permit_validity", TimerAction.CANCELLED, date(2026, 10, 31)),
        ("permit_validity", TimerAction.STARTED, date(2026, 11, 30)),
    ]


def test_allowed_lists_guard_outcomes(permit):
    """allowed(): every event out of the state, with the guard's outcome and reason."""
    snap = begin(permit, MON_0925, documents=["application_form"]).snapshot
    found = {a.event: a for a in allowed(permit, snap)}
    assert set(found) == {"correction_requested", "accepted", "deemed_accepted"}
    assert not found["accepted"].ok and "is_complete" in (found["accepted"].reason or "")
    assert (
        found["correction_requested"].ok and found["correction_requested"].to_state == "correcting"
    )
    step = run(permit, begin(permit, MON_0925), ("accepted", datetime(2023, 9, 28)))
    found = {a.event: a for a in allowed(permit, step.snapshot)}
    assert found["review_extended"].ok  # its guard reads the payload: decided on apply
    assert not found["granted"].ok  # ¥1,000,000.00 needs a passed inspection


def test_enabled_is_exactly_the_ok_events_of_allowed(permit):
    """enabled() (the simulator's question) agrees with allowed() in every state visited."""
    snaps = [
        begin(permit, MON_0925, documents=["application_form"]).snapshot,
        begin(permit, MON_0925).snapshot,
        run(permit, begin(permit, MON_0925), ("accepted", datetime(2023, 9, 28))).snapshot,
    ]
    for snap in snaps:
        ok = {a.event for a in allowed(permit, snap) if a.ok}
        assert enabled(permit, snap) == ok
    # the guarded event is left out exactly when its guard is false
    assert "accepted" not in enabled(permit, snaps[0])
    assert "accepted" in enabled(permit, snaps[1])


def test_enabled_changes_with_the_extensions_a_deadline_has_had(permit):
    """Same state, same data: once extended (max_times 1), the extension is no longer enabled."""
    step = run(permit, begin(permit, MON_0925), ("accepted", datetime(2023, 9, 28, 10)))
    at = datetime(2023, 10, 13, 9)
    assert "review_extended" in enabled(permit, step.snapshot, at=at)
    extended = run(permit, step, ("review_extended", at, {"approved_by_head": True}))
    assert extended.snapshot.state == step.snapshot.state
    assert extended.snapshot.data == step.snapshot.data
    assert "review_extended" not in enabled(permit, extended.snapshot, at=at)
    assert "review_extended" in enabled(permit, step.snapshot, at=at)  # the first answer stands


def test_assignment_and_correction_cycle_restarts_notice(permit):
    """Correction: the counter is computed in CEL; re-entering 'submitted' restarts the notice."""
    step = run(
        permit,
        begin(permit, MON_0925, documents=["application_form"]),
        ("correction_requested", datetime(2023, 9, 26, 10)),
    )
    assert actions(step) == [("acceptance_notice", TimerAction.MET, date(2023, 10, 8))]
    step = run(
        permit,
        step,
        (
            "correction_submitted",
            datetime(2023, 10, 9, 10),
            {"documents": ["application_form", "budget_sheet"]},
        ),
    )
    assert step.snapshot.data["corrections"] == 1
    assert step.snapshot.data["documents"] == ("application_form", "budget_sheet")
    # 5 wd after Mon 10-09: 10, 11, 12, 13, 16
    assert actions(step) == [("acceptance_notice", TimerAction.STARTED, date(2023, 10, 16))]
    assert step.entry.sequence == 3 and step.snapshot.version == 3


def test_child_process_and_parent_signal(permit, inspection):
    """A transition starts a child case; the child's final state signals the parent."""
    step = run(
        permit,
        begin(permit, MON_0925),
        ("accepted", datetime(2023, 9, 28)),
        ("inspection_ordered", datetime(2023, 10, 9, 10)),
    )
    assert step.snapshot.state == "under_review"  # an internal transition
    assert step.spawn == (
        ChildStart(
            "permit.inspection", {"budget": Decimal("1000000.00"), "ordered_on": date(2023, 10, 9)}
        ),
    )
    child = start(
        inspection, "case-1/1", step.spawn[0].data, at=datetime(2023, 10, 9, 10), parent_id="case-1"
    )
    # the child's deadline starts on entry of its initial state: 10 wd after 10-09 → 10-23
    assert child.entry.timer_changes[0].due == date(2023, 10, 23)
    done = apply(inspection, child.snapshot, "passed", at=datetime(2023, 10, 11, 10))
    assert done.signals == (Signal("case-1", "inspection_reported", {"passed": True}),)
    (signal,) = done.signals
    parent = apply(
        permit, step.snapshot, signal.event, signal.payload, at=datetime(2023, 10, 11, 11)
    )
    assert parent.snapshot.data["inspection_passed"] is True
    assert {a.event: a.ok for a in allowed(permit, parent.snapshot)}["granted"]
    orphan = start(inspection, "x", step.spawn[0].data, at=datetime(2023, 10, 9, 10))
    assert apply(inspection, orphan.snapshot, "failed", at=datetime(2023, 10, 10)).signals == ()


def test_final_state_refuses_everything(permit):
    """A final state ends the case: every event is refused, saying so."""
    step = run(
        permit,
        begin(permit, MON_0925),
        ("accepted", datetime(2023, 9, 28)),
        ("denied", datetime(2023, 10, 9)),
    )
    assert step.snapshot.state == "refused"
    assert ("review_decision", TimerAction.MET, date(2023, 11, 1)) in actions(step)
    with pytest.raises(EventNotAllowed, match="state 'refused' is final"):
        apply(permit, step.snapshot, "accepted", at=datetime(2023, 10, 10))


def test_due_timers_boundary_is_the_start_of_the_next_day(permit):
    """A day period runs to the end of its last day: due at 00:00 the day after."""
    snap = begin(permit, MON_0925).snapshot
    assert due_timers(snap, datetime(2023, 10, 8, 23, 59, 59)) == ()
    (timer,) = due_timers(snap, datetime(2023, 10, 9, 0, 0))
    assert timer.deadline == "acceptance_notice" and timer.expires_at == datetime(2023, 10, 9)


def test_steps_pickle(permit):
    """Steps cross process boundaries (the simulator's workers): they pickle and compare equal."""
    import pickle

    step = run(permit, begin(permit, MON_0925), ("accepted", datetime(2023, 9, 28, 10)))
    assert pickle.loads(pickle.dumps(step)) == step
