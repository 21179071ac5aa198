"""The persisted engine: runtime + store + clock. start, fire, tick and the queries.

Importing this package imports SQLAlchemy; ``import policyflow`` does not (``Engine`` is
loaded lazily from the top level).
"""

from policyflow.engine.case import Case, OverdueDeadline, TickAction, TickReport
from policyflow.engine.clock import Clock, SystemClock
from policyflow.engine.engine import Engine, ProcessLike

__all__ = [
    "Case",
    "Clock",
    "Engine",
    "OverdueDeadline",
    "ProcessLike",
    "SystemClock",
    "TickAction",
    "TickReport",
]
