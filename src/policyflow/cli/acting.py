"""Who acts, on the command line: ``--actor ID --role ROLE…``, ``--roles MODE``, ``--override``.

The rules themselves live in the runtime (:mod:`policyflow.runtime.roles`,
:mod:`policyflow.runtime.overrides`); this module only reads the options, refuses a role
name the process does not declare (exit 2, with the closest name) and says, in ``case
show``, who acted in which role.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from policyflow.definition.expressions import closest
from policyflow.definition.model import SYSTEM_ROLE, Process
from policyflow.errors import InvalidInput
from policyflow.runtime.delegation import Delegation
from policyflow.runtime.journal import JournalEntry
from policyflow.runtime.roles import Actor, RoleMode, role_mode

if TYPE_CHECKING:
    from policyflow.engine import Engine

__all__ = [
    "OverrideOption",
    "RoleOption",
    "RolesModeOption",
    "acted_text",
    "case_process",
    "checked_actor",
    "grant_to_dict",
    "mode_of",
    "parse_overrides",
    "print_grants",
]

OverrideOption = Annotated[
    list[str] | None,
    typer.Option(
        "--override",
        metavar="GUARD=REASON",
        help="Pass a false soft guard (一般应, 原则上) with the reason recorded; repeatable.",
    ),
]
RoleOption = Annotated[
    list[str] | None,
    typer.Option(
        "--role",
        metavar="ROLE",
        help="A role the actor holds (a role id of the process); repeatable. Needs --actor.",
    ),
]
RolesModeOption = Annotated[
    str | None,
    typer.Option(
        "--roles",
        metavar="MODE",
        envvar="POLICYFLOW_ROLES",
        help="Who may act: required (every act needs --actor and --role; for real cases), "
        "check (the default: roles given are checked) or off.",
    ),
]


def mode_of(text: str | None) -> RoleMode:
    """The ``--roles`` mode (None: check).

    Raises:
        InvalidInput: not one of required, check, off (exit 2).
    """
    return role_mode(text)


def checked_actor(actor: str | None, roles: list[str], process: Process) -> Actor | str | None:
    """``--actor`` and ``--role`` as the actor to act with.

    Without ``--role`` the actor is a plain id (an unidentified actor).

    Raises:
        InvalidInput: ``--role`` without ``--actor``, or a role the process does not
            declare (naming the closest declared one).
    """
    if not roles:
        return actor
    if actor is None:
        raise InvalidInput("--role needs --actor ID: say who acts in that role")
    declared = [r.id for r in process.roles] + [SYSTEM_ROLE]
    for role in roles:
        if role not in declared:
            raise InvalidInput(
                f"--role {role!r}: process {process.id!r} declares no such role"
                f"{closest(role, declared)} (its roles: {', '.join(declared)})"
            )
    return Actor(actor, frozenset(roles))


def case_process(engine: Engine, case_id: str) -> Process:
    """The definition a stored case runs on (to check role names against)."""
    return engine.get(case_id).compiled.process


def acted_text(entry: JournalEntry) -> str:
    """Who acted, as ``case show`` prints it (markup-safe: ids are what users typed)."""
    who = escape(entry.actor or "")
    if entry.role is None:
        return f"{who} [dim](unidentified)[/dim]".strip()
    if entry.role == SYSTEM_ROLE and not entry.actor:
        return SYSTEM_ROLE
    return f"{who} as {escape(entry.role)}".strip()


def parse_overrides(items: list[str]) -> dict[str, str]:
    """``--override GUARD=REASON`` options as guard id → reason.

    Raises:
        InvalidInput: an option without ``=`` or without a guard id, or a guard twice.
    """
    found: dict[str, str] = {}
    for item in items:
        guard, equals, reason = item.partition("=")
        guard = guard.strip()
        if not equals or not guard:
            raise InvalidInput(
                f"--override {item!r}: give GUARD=REASON, such as "
                "--override within_age_limit='retired professor, rare expertise'"
            )
        if guard in found:
            raise InvalidInput(f"--override names guard {guard!r} twice: give one reason")
        found[guard] = reason
    return found


def grant_to_dict(grant: Delegation) -> dict[str, Any]:
    """One delegation as JSON-ready data."""
    return {**grant._asdict(), "until": grant.until.isoformat()}


def print_grants(grants: Sequence[Delegation]) -> None:
    """Print the delegations (who may act as what, until when, on what basis), if any."""
    if not grants:
        return
    from rich.table import Table

    from policyflow.cli.output import console

    table = Table(title="delegations (委托)", title_justify="left")
    for column in ("grantee", "as role", "case", "until (inclusive)", "basis"):
        table.add_column(column, overflow="fold")
    for grant in grants:  # ids and basis are what users typed: never markup
        table.add_row(
            escape(grant.grantee_id),
            escape(grant.role),
            escape(grant.case_id or "every case"),
            grant.until.isoformat(),
            escape(grant.basis),
        )
    console.print(table)
