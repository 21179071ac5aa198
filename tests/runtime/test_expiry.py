"""expiry.py: which deadlines are due at an instant, and apply()'s catch-up before an event."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from policyflow.runtime import CaseSnapshot, TimerSnapshot, TimerStatus
from policyflow.runtime.expiry import has_due, next_due

from .conftest import begin

_DAYS = st.dates(min_value=date(2023, 1, 1), max_value=date(2023, 12, 31))
_TIMERS = st.builds(
    TimerSnapshot,
    deadline=st.sampled_from(["acceptance", "review", "decision", "gone"]),
    status=st.sampled_from(list(TimerStatus)),
    started_on=st.just(date(2023, 1, 1)),
    period=st.just("5wd"),
    due=st.one_of(st.none(), _DAYS),
    due_at=st.one_of(
        st.none(), st.datetimes(min_value=datetime(2023, 1, 1), max_value=datetime(2024, 1, 1))
    ),
)
_INSTANTS = st.one_of(
    st.datetimes(min_value=datetime(2023, 1, 1), max_value=datetime(2024, 1, 1)),
    _DAYS.map(lambda d: datetime.combine(d, time.min)),  # midnights, where days expire
    _DAYS.map(lambda d: datetime.combine(d, time.max)),  # the last instant of a day
)


@settings(max_examples=500, deadline=None)
@given(timers=st.lists(_TIMERS, max_size=5), until=_INSTANTS)
def test_has_due_agrees_with_next_due(permit, timers, until):
    """The fast answer equals the defining one: an armed deadline expired by `until`."""
    snapshot = begin(permit, datetime(2023, 1, 1, 9)).snapshot._replace(timers=tuple(timers))
    assert has_due(snapshot, until) == (next_due(permit, snapshot, until) is not None)


def test_a_day_deadline_is_due_from_the_midnight_after_its_last_day(permit):
    """Last day 2023-10-11: not due at 23:59:59.999999 that day, due at 10-12 00:00."""
    timer = TimerSnapshot(
        "acceptance", TimerStatus.ARMED, date(2023, 9, 28), "5wd", date(2023, 10, 11)
    )
    snapshot: CaseSnapshot = begin(permit, datetime(2023, 9, 28, 9)).snapshot._replace(
        timers=(timer,)
    )
    midnight = datetime(2023, 10, 12)
    assert not has_due(snapshot, midnight - timedelta(microseconds=1))
    assert next_due(permit, snapshot, midnight - timedelta(microseconds=1)) is None
    assert has_due(snapshot, midnight) and next_due(permit, snapshot, midnight) is timer
