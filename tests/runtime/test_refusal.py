"""A refusal in words: the values a guard judged, from the request and the case together."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from policyflow.definition.catalog import load
from policyflow.errors import EventNotAllowed, GuardFailed, UnknownEvent
from policyflow.runtime import CompiledProcess, apply, compile_process, start
from policyflow.runtime.compiled import GuardPlan
from policyflow.runtime.refusal import guard_failure
from policyflow.runtime.scope import scope

FILED = datetime(2023, 8, 1, 10)


@pytest.fixture(scope="module")
def penalty() -> CompiledProcess:
    return compile_process(load("most-penalty"))


def _guard(penalty: CompiledProcess, state: str, event: str, guard_id: str) -> GuardPlan:
    for plan in penalty.by_state[state]:
        if plan.event == event:
            for guard in plan.guards:
                if guard.id == guard_id:
                    return guard
    raise AssertionError(f"no guard {guard_id!r} on {event!r} from {state!r}")


def _pending_filing(penalty: CompiledProcess):
    started = start(penalty, "c1", {"clue_source": "report"}, at=FILED)
    return apply(
        penalty,
        started.snapshot,
        "filing_recommendation_submitted",
        {"recommendation": "file"},
        at=datetime(2023, 8, 1, 15),
    ).snapshot


def test_a_guard_on_the_request_shows_the_requested_value(penalty):
    """科学技术部令第20号 第十一条第一款: one officer is refused as "assigned 1", not 0."""
    pending = _pending_filing(penalty)
    with pytest.raises(GuardFailed) as refused:
        apply(penalty, pending, "case_filed", {"officers": 1}, at=datetime(2023, 8, 15, 10))
    assert "at least two officers must handle the case (assigned 1)" in str(refused.value)
    assert "(assigned 0)" not in str(refused.value)


def test_a_placeholder_takes_the_case_value_when_the_guard_judges_the_case(penalty):
    """`officers >= 2` worded "(now {officers})" shows the case's officers, whatever the request."""
    guard = _guard(penalty, "investigating", "investigation_concluded", "at_least_two_officers")
    variables = scope({"officers": 1}, {"officers": 3}, date(2023, 9, 8), "investigating")
    reason = guard_failure(guard, variables, penalty.data_fields.fields)
    assert reason is not None and "(now 1)" in reason


def test_a_placeholder_takes_the_request_value_when_the_guard_judges_the_request(penalty):
    """`payload.officers >= 2` worded "(assigned {officers})" shows the request's value."""
    guard = _guard(penalty, "filing_decision_pending", "case_filed", "at_least_two_officers")
    variables = scope(
        {"officers": 5}, {"officers": 1}, date(2023, 8, 15), "filing_decision_pending"
    )
    reason = guard_failure(guard, variables, penalty.data_fields.fields)
    assert reason is not None and "(assigned 1)" in reason and "judged" not in reason


def test_values_the_words_do_not_name_are_shown_after_them(penalty):
    """A guard whose words name no value still shows what it judged: here the request's flag."""
    started = start(penalty, "c1", {"clue_source": "report"}, at=FILED)
    with pytest.raises(GuardFailed) as refused:
        apply(
            penalty,
            started.snapshot,
            "verification_extended",
            {"is_clue_complex": False},
            at=FILED,
        )
    assert "the clue is complex (judged payload.is_clue_complex = false)" in str(refused.value)


def test_a_guard_on_the_day_shows_the_day_it_judged(penalty):
    """A window guard reads the case's flag and today: both appear beside the service date."""
    guard = _guard(penalty, "rights_window_open", "statement_received", "statement_window_running")
    data = {"notice_served_on": date(2023, 9, 25), "is_statement_window_open": False}
    variables = scope(data, {"is_written": True}, date(2023, 10, 9), "rights_window_open")
    reason = guard_failure(guard, variables, penalty.data_fields.fields)
    assert reason is not None
    assert "(served 2023-09-25)" in reason
    assert "judged is_statement_window_open = false, today = 2023-10-09" in reason


def test_an_event_the_process_does_not_have_is_unknown_not_refused_by_the_state(penalty):
    """A typo is wrong in any state: UnknownEvent (exit 2), naming the closest event."""
    started = start(penalty, "c1", {"clue_source": "report"}, at=FILED)
    with pytest.raises(UnknownEvent, match="did you mean 'case_filed'") as unknown:
        apply(penalty, started.snapshot, "case_filled", {}, at=FILED)
    assert isinstance(unknown.value, EventNotAllowed) and unknown.value.exit_code == 2
    with pytest.raises(EventNotAllowed) as not_here:
        apply(penalty, started.snapshot, "case_filed", {"officers": 2}, at=FILED)
    assert not isinstance(not_here.value, UnknownEvent) and not_here.value.exit_code == 3
