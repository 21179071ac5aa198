"""The pure runtime: process semantics over immutable case snapshots, no I/O, no clock.

The engine (persisted) and the simulator (in memory) both call these functions, so a
simulated case and a real case can never disagree.
"""

from __future__ import annotations

from policyflow.runtime.compiled import CompiledProcess, compile_process
from policyflow.runtime.journal import JournalEntry, TimerAction, TimerChange
from policyflow.runtime.snapshot import CaseSnapshot, TimerSnapshot, TimerStatus
from policyflow.runtime.step import (
    AllowedEvent,
    ChildStart,
    ParentSignal,
    Step,
    allowed,
    apply,
    due_timers,
    enabled,
    expire,
    start,
)

__all__ = [
    "AllowedEvent",
    "CaseSnapshot",
    "ChildStart",
    "CompiledProcess",
    "JournalEntry",
    "ParentSignal",
    "Step",
    "TimerAction",
    "TimerChange",
    "TimerSnapshot",
    "TimerStatus",
    "allowed",
    "apply",
    "compile_process",
    "due_timers",
    "enabled",
    "expire",
    "start",
]
