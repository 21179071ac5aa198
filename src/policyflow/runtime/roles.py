"""Who may act: the roles a transition allows, checked on every act.

A transition names the role that takes it (``actor:``), or several; the process declares
its roles. An act is made by an :class:`Actor`, a person or body identified by ``id``
and holding ``roles``, or by a plain string (an actor nobody identified, as before roles
were checked). This module is the one place the rule lives; :func:`~.step.transition` and
:func:`~.step.start` call it, and the engine and the simulator only pass the actor on.

The mode says how strictly:

- ``required``: every act must carry an :class:`Actor` holding a role the transition
  allows (the mode for real case handling);
- ``check`` (the default): an actor carrying roles must hold one the transition allows;
  an act without roles is taken as by an unidentified actor;
- ``off``: nothing is checked (notebooks, simulations); the role is still recorded when
  the actor holds one the transition allows.

Among several transitions for the same state and event, the first whose roles allow the
actor and whose guards hold is taken: a role that allows none of them is refused before
any guard is judged. A transition that names no role may be taken by any actor. The law
acting by itself (an expiry, a child's signal to its parent, a child case an act starts)
acts as ``system`` and is not checked.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal, NamedTuple

from policyflow.definition.model import SYSTEM_ROLE
from policyflow.errors import InvalidInput, RoleRefused
from policyflow.runtime.refusal import refusal

if TYPE_CHECKING:
    from policyflow.runtime.compiled import CompiledProcess, TransitionPlan
    from policyflow.runtime.snapshot import CaseSnapshot

__all__ = [
    "ROLE_MODES",
    "SYSTEM_ROLE",
    "Actor",
    "RoleMode",
    "actor_id",
    "held_roles",
    "permitted",
    "role_mode",
    "role_taken",
    "start_role",
]

RoleMode = Literal["required", "check", "off"]
ROLE_MODES: tuple[RoleMode, ...] = ("required", "check", "off")


class Actor(NamedTuple):
    """Who acts: a person or body, and the roles they hold.

    Attributes:
        id: who it is (``zhang.san``, a unit's code); recorded in the journal.
        roles: the process roles they may act in (``enforcement_dept``).
    """

    id: str
    roles: frozenset[str] = frozenset()


def role_mode(value: str | None, *, default: RoleMode = "check") -> RoleMode:
    """`value` as a role mode; None gives `default`.

    Raises:
        InvalidInput: `value` is none of ``required``, ``check``, ``off``.
    """
    if value is None or value == "":
        return default
    for mode in ROLE_MODES:
        if value == mode:
            return mode
    raise InvalidInput(f"unknown roles mode {value!r}: use one of {', '.join(ROLE_MODES)}")


def actor_id(actor: Actor | str | None) -> str | None:
    """The id the journal records for `actor`."""
    if actor is None or isinstance(actor, str):
        return actor
    return actor.id


def held_roles(actor: Actor | str | None) -> frozenset[str] | None:
    """The roles `actor` carries; None for a plain string or no actor (unidentified)."""
    if actor is None or isinstance(actor, str):
        return None
    return frozenset(actor.roles)


def _unidentified(held: frozenset[str] | None) -> str:
    if held is None:
        return "the act carries no actor with a role"
    return "the actor holds no role" if not held else f"the actor holds {', '.join(sorted(held))}"


def permitted(
    compiled: CompiledProcess,
    snapshot: CaseSnapshot,
    event: str,
    candidates: tuple[TransitionPlan, ...],
    held: frozenset[str] | None,
    mode: RoleMode,
) -> tuple[TransitionPlan, ...]:
    """The candidates the actor's roles allow, in order (a transition naming none allows all).

    Raises:
        RoleRefused: none of them allows the actor; in ``required`` mode also an act
            whose actor carries no role. The message names the roles required, the
            transitions and their articles.
    """
    if mode == "off" or (mode == "check" and not held):
        return candidates
    if not held:
        required = _required(candidates) or tuple(r.id for r in compiled.process.roles)
        raise _refused(
            snapshot,
            event,
            candidates,
            f"roles are required and {_unidentified(held)}; it may be taken by "
            f"{' or '.join(required) or 'an identified actor'}",
        )
    allowed = tuple(p for p in candidates if not p.roles or not held.isdisjoint(p.roles))
    if allowed:
        return allowed
    required = _required(candidates)
    raise _refused(
        snapshot,
        event,
        candidates,
        f"{_unidentified(held)}; it may be taken only by {' or '.join(required)}",
    )


def _required(candidates: Sequence[TransitionPlan]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(role for plan in candidates for role in plan.roles))


def _refused(
    snapshot: CaseSnapshot, event: str, candidates: Sequence[TransitionPlan], rule: str
) -> RoleRefused:
    names = tuple(dict.fromkeys(p.transition.id for p in candidates))
    which = f"transition {', '.join(repr(n) for n in names)}: "
    basis = "; ".join(dict.fromkeys(p.basis for p in candidates if p.basis))
    plain = refusal(RoleRefused, snapshot, event, which + rule, basis)
    return RoleRefused(
        str(plain),
        required=_required(candidates),
        transitions=names,
        case_id=plain.case_id,
        state=plain.state,
        event=event,
        rule=plain.rule,
        basis=plain.basis,
    )


def role_taken(
    compiled: CompiledProcess, plan: TransitionPlan, held: frozenset[str] | None
) -> str | None:
    """The role the act was taken in: the first of the transition's roles the actor holds.

    A transition naming no role is taken in the first role the process declares that the
    actor holds. None for an unidentified actor, or one holding none of those roles (in
    ``off`` mode, or a role another process declares).
    """
    if not held:
        return None
    for role in plan.roles or _declared(compiled):
        if role in held:
            return role
    return None


def _declared(compiled: CompiledProcess) -> tuple[str, ...]:
    """The process's roles in the order declared, then ``system``."""
    return (*(r.id for r in compiled.process.roles), SYSTEM_ROLE)


def start_role(
    compiled: CompiledProcess,
    snapshot_id: str,
    held: frozenset[str] | None,
    mode: RoleMode,
) -> str | None:
    """The role a case is started in: the first role the process declares that the actor holds.

    Raises:
        RoleRefused: in ``required`` mode the actor carries no role; in ``required`` or
            ``check`` mode it carries roles the process does not declare at all.
    """
    declared = _declared(compiled)
    if held:
        for role in declared:
            if role in held:
                return role
    if mode == "off" or (mode == "check" and not held):
        return None
    where = f"refused start of case {snapshot_id} of process {compiled.id!r}"
    rule = (
        f"{_unidentified(held)}, and the process declares {', '.join(declared[:-1]) or 'no role'}"
    )
    if not held:
        rule = f"roles are required and {rule}"
    return _raise_start(where, rule, declared)


def _raise_start(where: str, rule: str, declared: tuple[str, ...]) -> str | None:
    raise RoleRefused(f"{where}: {rule}", required=declared, rule=rule)
