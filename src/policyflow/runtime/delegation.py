"""Delegation as data: a body acting in a role for a case (or every case) until a date.

An entrusted body acts only within its 委托书 and its term (科学技术部令第20号 第七条). A
:class:`Delegation` records such a grant: the grantee may act as ``role`` for ``case_id``
(None: for every case) up to and including ``until``. Before an act is judged, the
grants in force on its day are added to the actor's roles (:func:`delegated_actor`); an
act refused for its role by a grantee whose grant of a required role has ended says so,
citing the grant's basis (:func:`lapsed`). The role check itself stays in
:mod:`policyflow.runtime.roles`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import NamedTuple

from policyflow.errors import RoleRefused
from policyflow.runtime.roles import Actor, actor_id, held_roles

__all__ = ["Delegation", "delegated_actor", "lapsed"]


class Delegation(NamedTuple):
    """A grant of a role to a person or body, for a case or for all, until a date.

    Attributes:
        grantee_id: who may act (the id an :class:`~.roles.Actor` carries).
        role: the role they may act in.
        case_id: the case it is for; None for every case.
        until: the last day it is in force (inclusive).
        basis: what grants it (the 委托书 and its article), cited when it is refused.
    """

    grantee_id: str
    role: str
    case_id: str | None
    until: date
    basis: str


def _for(grant: Delegation, grantee: str, case_id: str) -> bool:
    return grant.grantee_id == grantee and grant.case_id in (None, case_id)


def delegated_actor(
    actor: Actor | str | None, grants: Iterable[Delegation], case_id: str, on: date
) -> Actor | str | None:
    """`actor` with the roles granted to it for `case_id` that are in force `on`.

    A plain id with a grant in force becomes an :class:`~.roles.Actor` in the granted
    roles (the grant identifies it); an actor with none in force is returned unchanged.
    """
    grantee = actor_id(actor)
    if grantee is None:
        return actor
    granted = {g.role for g in grants if _for(g, grantee, case_id) and on <= g.until}
    if not granted:
        return actor
    return Actor(grantee, (held_roles(actor) or frozenset()) | granted)


def lapsed(
    error: RoleRefused,
    actor: Actor | str | None,
    grants: Iterable[Delegation],
    case_id: str,
    on: date,
) -> RoleRefused:
    """`error`, naming the ended grant of a required role to the actor and citing its basis.

    Unchanged when the actor had no such grant (or one still in force).
    """
    grantee = actor_id(actor)
    required = set(error.required.split(", "))
    ended = [
        g
        for g in grants
        if grantee is not None and _for(g, grantee, case_id) and g.role in required
    ]
    if not ended or any(on <= g.until for g in ended):
        return error
    last = max(ended, key=lambda g: g.until)
    rule = (
        f"{error.rule}; the delegation of {last.role} to {grantee} ended on "
        f"{last.until.isoformat()}"
    )
    refused = RoleRefused(
        f"{error}; the delegation of {last.role} to {grantee} ended on "
        f"{last.until.isoformat()} [{last.basis}]",
        case_id=error.case_id,
        state=error.state,
        event=error.event,
        rule=rule,
        basis=last.basis,
    )
    refused.required, refused.transitions = error.required, error.transitions
    return refused
