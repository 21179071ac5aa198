"""Soft guards passed with a reason, reopening a final state, and returning to the previous state.

The fixture is tests/fixtures/processes/ethics-review.yaml: `within_age_limit` (age <= 60,
soft, 豫科〔2023〕111号 第十五条) and `quorum_present` (members >= 5, hard) on
review_started; an appeal reopens the final state `decided`; appeal_dismissed and
change_cleared return to the previous state.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from policyflow.definition.catalog import load
from policyflow.definition.loader import parse
from policyflow.errors import EventNotAllowed, GuardFailed, InvalidPayload
from policyflow.runtime import CompiledProcess, allowed, apply, compile_process, start
from policyflow.runtime.journal import TimerAction
from policyflow.runtime.overrides import MAX_REASON
from policyflow.runtime.replay import replay
from policyflow.runtime.snapshot import CaseSnapshot, TimerStatus

from .conftest import FIXTURES

T0 = datetime(2024, 3, 1, 9)


@pytest.fixture(scope="module")
def ethics() -> CompiledProcess:
    return compile_process(load(FIXTURES / "ethics-review.yaml"))


def _started(ethics: CompiledProcess, age: int = 63, members: int = 5) -> CaseSnapshot:
    return start(ethics, "c1", {"age": age, "members": members}, at=T0).snapshot


def _at(day: int) -> datetime:
    return datetime(2024, 3, day, 10)


# --- soft guards ---


def test_a_false_soft_guard_without_a_reason_is_refused_saying_how_to_pass_it(ethics):
    case = _started(ethics, age=61)
    with pytest.raises(GuardFailed) as refused:
        apply(ethics, case, "review_started", at=_at(2))
    message = str(refused.value)
    assert "within_age_limit" in message and "豫科〔2023〕111号 第十五条" in message
    assert "soft rule" in message and "--override within_age_limit=REASON" in message
    assert refused.value.exit_code == 3


@pytest.mark.parametrize("reason", ["", "   ", "\n\t"])
def test_an_empty_or_blank_reason_is_no_reason(ethics, reason):
    case = _started(ethics, age=61)
    with pytest.raises(GuardFailed, match="soft rule"):
        apply(ethics, case, "review_started", at=_at(2), overrides={"within_age_limit": reason})


def test_a_false_soft_guard_passes_with_a_reason_and_the_entry_records_it(ethics):
    case = _started(ethics, age=61)
    step = apply(
        ethics,
        case,
        "review_started",
        at=_at(2),
        overrides={"within_age_limit": "  retired professor, rare expertise "},
    )
    assert step.snapshot.state == "reviewing"
    assert step.entry.overrides == (("within_age_limit", "retired professor, rare expertise"),)


@pytest.mark.parametrize("age", [59, 60])
def test_an_override_of_a_soft_guard_that_holds_is_not_recorded(ethics, age):
    """At 60 and below the rule is kept: nothing was passed, nothing is recorded."""
    case = _started(ethics, age=age)
    step = apply(ethics, case, "review_started", at=_at(2), overrides={"within_age_limit": "x"})
    assert step.snapshot.state == "reviewing"
    assert step.entry.overrides == ()


def test_at_61_the_age_rule_is_false(ethics):
    """The boundary from above: 61 is refused without a reason, 60 is not (above)."""
    with pytest.raises(GuardFailed):
        apply(ethics, _started(ethics, age=61), "review_started", at=_at(2))


@pytest.mark.parametrize(
    ("overrides", "words"),
    [
        ({"no_such_guard": "r"}, "no transition for 'review_started'"),
        ({"grounds_stated": "r"}, "no transition for 'review_started'"),  # another's guard
        ({"quorum_present": "r"}, "not a soft rule"),  # a hard guard
        ({"within_age_limit": "x" * (MAX_REASON + 1)}, "at most 2,000"),
    ],
)
def test_a_bad_override_is_a_wrong_request_and_nothing_changes(ethics, overrides, words):
    case = _started(ethics, age=61)
    with pytest.raises(InvalidPayload, match=words) as refused:
        apply(ethics, case, "review_started", at=_at(2), overrides=overrides)
    assert refused.value.exit_code == 2
    assert case.state == "submitted" and case.version == 1


def test_a_reason_of_exactly_the_limit_is_accepted(ethics):
    reason = "y" * MAX_REASON
    step = apply(
        ethics,
        _started(ethics, age=61),
        "review_started",
        at=_at(2),
        overrides={"within_age_limit": reason},
    )
    assert step.entry.overrides == (("within_age_limit", reason),)


def test_a_hard_guard_is_refused_even_when_the_soft_one_is_passed(ethics):
    case = _started(ethics, age=61, members=4)
    with pytest.raises(GuardFailed, match="quorum_present"):
        apply(ethics, case, "review_started", at=_at(2), overrides={"within_age_limit": "r"})


def test_allowed_says_a_false_soft_guard_may_be_passed(ethics):
    [item] = [a for a in allowed(ethics, _started(ethics, age=61)) if a.event == "review_started"]
    assert not item.ok and item.reason is not None and "soft rule" in item.reason


def test_replay_passes_the_recorded_override_again(ethics):
    case = _started(ethics, age=61)
    first = start(ethics, "c1", {"age": 61, "members": 5}, at=T0).entry
    step = apply(ethics, case, "review_started", at=_at(2), overrides={"within_age_limit": "r"})
    rebuilt = replay(ethics, "c1", None, [first, step.entry])
    assert rebuilt == step.snapshot


# --- reopening and history ---


def _decided(ethics: CompiledProcess) -> CaseSnapshot:
    case = _started(ethics, age=50)
    case = apply(ethics, case, "review_started", at=_at(2)).snapshot
    return apply(ethics, case, "decided", {"outcome": "rejected"}, at=_at(4)).snapshot


def test_previous_state_is_the_state_left_on_each_change_of_state(ethics):
    case = _started(ethics, age=50)
    assert case.previous_state is None
    case = apply(ethics, case, "review_started", at=_at(2)).snapshot
    assert case.previous_state == "submitted"
    case = apply(ethics, case, "decided", {"outcome": "approved"}, at=_at(3)).snapshot
    assert (case.state, case.previous_state) == ("decided", "reviewing")


def test_an_appeal_reopens_the_decision_and_a_dismissal_returns_to_it(ethics):
    decided = _decided(ethics)
    window = decided.timer("appeal_window")
    assert window is not None and window.status is TimerStatus.ARMED
    appeal = apply(ethics, decided, "appeal_filed", {"grounds": "new facts"}, at=_at(5))
    assert appeal.snapshot.state == "appeal" and appeal.snapshot.previous_state == "decided"
    assert appeal.snapshot.timer("appeal_decision").status is TimerStatus.ARMED  # open again
    dismissed = apply(ethics, appeal.snapshot, "appeal_dismissed", at=_at(8))
    entry = dismissed.entry
    assert (entry.from_state, entry.to_state) == ("appeal", "decided")
    assert dismissed.snapshot.previous_state == "appeal"
    # entering `decided` by the return starts its deadline again, met leaving `appeal`
    actions = {(c.deadline, c.action) for c in entry.timer_changes}
    assert actions == {
        ("appeal_decision", TimerAction.MET),
        ("appeal_window", TimerAction.STARTED),
    }


def test_a_change_review_returns_to_the_state_it_interrupted(ethics):
    """From reviewing: the review limit is suspended and resumes on return; from submitted: none."""
    case = _started(ethics, age=50)
    reviewing = apply(ethics, case, "review_started", at=_at(2)).snapshot
    paused = apply(ethics, reviewing, "change_reported", at=_at(4)).snapshot
    assert paused.timer("review_limit").status is TimerStatus.SUSPENDED
    back = apply(ethics, paused, "change_cleared", at=_at(6))
    assert back.snapshot.state == "reviewing"
    assert [c.action for c in back.entry.timer_changes] == [TimerAction.RESUMED]

    paused = apply(ethics, case, "change_reported", at=_at(4)).snapshot
    back = apply(ethics, paused, "change_cleared", at=_at(6))
    assert back.snapshot.state == "submitted" and back.entry.timer_changes == ()


def test_to_previous_without_a_previous_state_is_refused(ethics):
    """A case whose previous state is unknown (written before it was kept) cannot return."""
    paused = apply(ethics, _started(ethics, age=50), "change_reported", at=_at(4)).snapshot
    lost = paused._replace(previous_state=None)
    with pytest.raises(EventNotAllowed, match="no other state"):
        apply(ethics, lost, "change_cleared", at=_at(5))


def test_allowed_names_the_state_a_return_goes_to(ethics):
    paused = apply(ethics, _started(ethics, age=50), "change_reported", at=_at(4)).snapshot
    [item] = allowed(ethics, paused)
    assert (item.event, item.to_state, item.ok) == ("change_cleared", "submitted", True)


def test_replay_of_a_reopened_and_returned_case_gives_the_same_case(ethics):
    case = start(ethics, "c1", {"age": 50, "members": 5}, at=T0)
    entries = [case.entry]
    snapshot = case.snapshot
    for event, payload, day in [
        ("review_started", None, 2),
        ("change_reported", None, 3),
        ("change_cleared", None, 4),
        ("decided", {"outcome": "rejected"}, 5),
        ("appeal_filed", {"grounds": "g"}, 6),
        ("appeal_dismissed", None, 7),
    ]:
        step = apply(ethics, snapshot, event, payload, at=_at(day))
        entries.append(step.entry)
        snapshot = step.snapshot
    assert replay(ethics, "c1", None, entries) == snapshot


def test_a_parent_is_signalled_on_each_entry_into_a_final_state(ethics):
    """Decided, reopened (no signal), dismissed back to the decision: signalled again."""
    text = (FIXTURES / "ethics-review.yaml").read_text(encoding="utf-8")
    text += 'on_final: {signal_parent: {event: review_done, payload: {reached: "state"}}}\n'
    child = compile_process(parse(text, "child.yaml").process)
    case = start(child, "k1", {"age": 50}, at=T0, parent_id="p1").snapshot
    case = apply(child, case, "review_started", at=_at(2)).snapshot
    decided = apply(child, case, "decided", {"outcome": "rejected"}, at=_at(3))
    assert [s.payload for s in decided.signals] == [{"reached": "decided"}]
    reopened = apply(child, decided.snapshot, "appeal_filed", {"grounds": "g"}, at=_at(4))
    assert reopened.signals == ()
    again = apply(child, reopened.snapshot, "appeal_dismissed", at=_at(5))
    assert [s.case_id for s in again.signals] == ["p1"]


def test_a_final_state_that_may_be_reopened_names_the_reopening_event(ethics):
    with pytest.raises(
        EventNotAllowed, match=r"only a reopening event leaves it \('appeal_filed'\)"
    ):
        apply(ethics, _decided(ethics), "decided", {"outcome": "approved"}, at=_at(6))
