"""The linter's checks of who takes a transition (``actor``).

Beside checks.py (which runs them) because that module holds every other check. Every
role a transition names must be declared (or be ``system``, the law acting by itself);
a transition naming none may be taken by anyone, so the linter warns about it: the law
names the body that acts (科学技术部令第20号 第七条), and an expiry's event or a child's
signal says ``actor: system``.
"""

from __future__ import annotations

from policyflow.definition.checking import Checking, Path_
from policyflow.definition.expressions import closest
from policyflow.definition.model import SYSTEM_ROLE, Transition

__all__ = ["check_actor"]


def check_actor(checker: Checking, transition: Transition, where: Path_) -> None:
    """Report each unknown role `transition` names, or warn that it names none.

    Args:
        checker: the process's checks, collecting the findings.
        transition: the transition checked.
        where: its path in the file (``("transitions", index)``).
    """
    name = f"transition {transition.id!r}"
    if not transition.roles:
        checker.add(
            (*where, "id"),
            "role",
            f"{name} names no actor, so anyone may take it: name the role the law gives "
            "it (actor:), or actor: system for an expiry's event or a child's signal",
            warning=True,
        )
    for number, role in enumerate(transition.roles):
        if role in checker.roles or role == SYSTEM_ROLE:
            continue
        checker.add(
            (*where, "actor") if isinstance(transition.actor, str) else (*where, "actor", number),
            "unknown",
            f"{name} names unknown role {role!r} (declare it in roles:)"
            f"{closest(role, checker.roles)}",
            blocking=True,
        )
