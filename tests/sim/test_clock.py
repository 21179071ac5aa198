"""VirtualClock and EventQueue: simulated time moves forward only; happenings pop in order."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from policyflow.errors import InvalidInput
from policyflow.sim.clock import EventQueue, Priority, VirtualClock


def test_clock_moves_forward_and_refuses_to_go_back():
    """advance_to accepts the same instant and later ones, and refuses an earlier one."""
    clock = VirtualClock(datetime(2023, 9, 28, 9, 0))
    clock.advance_to(datetime(2023, 9, 28, 9, 0))
    clock.advance(timedelta(hours=1))
    assert clock.now() == datetime(2023, 9, 28, 10, 0)
    with pytest.raises(InvalidInput, match="cannot go back"):
        clock.advance_to(datetime(2023, 9, 28, 9, 59))
    assert clock.now() == datetime(2023, 9, 28, 10, 0)


def test_queue_pops_by_time_then_priority_then_queueing_order():
    """An expiry at an instant pops before an action at the same instant; ties stay first-in."""
    queue: EventQueue[str] = EventQueue()
    midnight = datetime(2023, 10, 11)
    queue.push(midnight + timedelta(hours=9), "later action")
    queue.push(midnight, "action at midnight", Priority.ACTION)
    queue.push(midnight, "second action at midnight", Priority.ACTION)
    queue.push(midnight, "expiry at midnight", Priority.EXPIRY)
    queue.push(midnight - timedelta(microseconds=1), "arrival just before", Priority.ARRIVAL)
    assert queue.peek() is not None and queue.peek().item == "arrival just before"
    popped = [queue.pop().item for _ in range(len(queue))]
    assert popped == [
        "arrival just before",
        "expiry at midnight",
        "action at midnight",
        "second action at midnight",
        "later action",
    ]
    assert not queue and queue.peek() is None
