"""Soft guards passed with a reason: the request's overrides checked, and the refusal's note.

A soft guard (``soft: true``) is a rule the text states "as a rule" (一般应, 原则上: 豫科
〔2023〕111号 第十五条 "应聘时原则不超过60岁"). When it is false the event is refused as for
any guard, unless the request passes it with a reason (``overrides={guard id: reason}``):
the transition is then taken and its journal entry records the guard and the reason.

An override is part of the request: one that names a guard the event's transitions from
the case's state do not have, or a guard that is not soft, is a wrong request
(:class:`~policyflow.errors.InvalidPayload`, exit 2) and nothing changes. An empty or
blank reason is no reason. An override of a soft guard that holds is not recorded: the
rule was kept, there was nothing to pass.
"""

from __future__ import annotations

from collections.abc import Mapping

from policyflow.errors import InvalidPayload
from policyflow.runtime.compiled import GuardPlan, TransitionPlan
from policyflow.runtime.refusal import refusal
from policyflow.runtime.snapshot import CaseSnapshot

__all__ = ["MAX_REASON", "checked_overrides", "soft_note"]

#: The longest reason an override may give, in characters: a reason, not a document.
MAX_REASON = 2000

_NONE: Mapping[str, str] = {}


def checked_overrides(
    snapshot: CaseSnapshot,
    event: str,
    candidates: tuple[TransitionPlan, ...],
    overrides: Mapping[str, str] | None,
) -> Mapping[str, str]:
    """The request's overrides with a reason (stripped), each checked against the event.

    Raises:
        InvalidPayload: an override names a guard the event's transitions from the case's
            state do not have, or a hard guard, or gives a reason that is not text or is
            longer than :data:`MAX_REASON`.
    """
    if not overrides:
        return _NONE
    guards = {guard.id: guard for plan in candidates for guard in plan.guards}
    kept: dict[str, str] = {}
    for name, reason in overrides.items():
        guard = guards.get(name)
        if guard is None:
            known = ", ".join(sorted(g.id for g in guards.values() if g.soft)) or "none"
            rule = (
                f"override names guard {name!r}, which no transition for {event!r} from state "
                f"{snapshot.state!r} has (its soft guards: {known})"
            )
            raise refusal(InvalidPayload, snapshot, event, rule, "")
        if not guard.soft:
            rule = (
                f"override names guard {name!r}, which is not a soft rule: a hard guard "
                "cannot be passed with a reason"
            )
            raise refusal(InvalidPayload, snapshot, event, rule, guard.basis)
        if not isinstance(reason, str):
            kind = type(reason).__name__
            rule = f"the reason for passing guard {name!r} must be text, not {kind}"
            raise refusal(InvalidPayload, snapshot, event, rule, guard.basis)
        text = reason.strip()
        if len(text) > MAX_REASON:
            rule = (
                f"the reason for passing guard {name!r} has {len(text):,} characters; at most "
                f"{MAX_REASON:,}"
            )
            raise refusal(InvalidPayload, snapshot, event, rule, guard.basis)
        if text:
            kept[name] = text
    return kept


def soft_note(guard: GuardPlan) -> str:
    """What a refusal by a false soft guard adds: it may be passed, and how."""
    return (
        f" (a soft rule, as a rule only: it may be passed with a recorded reason, "
        f"overrides={{{guard.id!r}: reason}}; on the command line --override {guard.id}=REASON)"
    )
