"""The pure runtime: process semantics over immutable case snapshots, no I/O, no clock.

The engine (persisted) and the simulator (in memory) both call these functions, so a
simulated case and a real case can never disagree: :func:`act` and :func:`catch_up`
return every step an event or the passing of time makes, for the case and the family it
touches; :func:`apply` and :func:`expire` are the same for one case alone.
"""

from __future__ import annotations

from policyflow.runtime.cascade import Family, Outcome, Touched, act, catch_up
from policyflow.runtime.compiled import CompiledProcess, compile_process
from policyflow.runtime.enabled import AllowedEvent, allowed, enabled
from policyflow.runtime.expiry import apply, due_timers, expire
from policyflow.runtime.journal import JournalEntry, TimerAction, TimerChange
from policyflow.runtime.roles import ROLE_MODES, Actor, RoleMode, role_mode
from policyflow.runtime.signals import Signal
from policyflow.runtime.snapshot import CaseSnapshot, TimerSnapshot, TimerStatus
from policyflow.runtime.step import ChildStart, Step, start, transition

__all__ = [
    "ROLE_MODES",
    "Actor",
    "AllowedEvent",
    "CaseSnapshot",
    "ChildStart",
    "CompiledProcess",
    "Family",
    "JournalEntry",
    "Outcome",
    "RoleMode",
    "Signal",
    "Step",
    "TimerAction",
    "TimerChange",
    "TimerSnapshot",
    "TimerStatus",
    "Touched",
    "act",
    "allowed",
    "apply",
    "catch_up",
    "compile_process",
    "due_timers",
    "enabled",
    "expire",
    "role_mode",
    "start",
    "transition",
]
