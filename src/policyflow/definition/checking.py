"""What the linter's check modules ask of the checker that runs them (checks.py).

The checks of recurring deadlines, signals, relations and actors live in modules of their
own beside checks.py; each is handed checks.py's checker and uses this one description of
it, so a change to the checker's interface is made once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from policyflow.definition.expressions import Expression
    from policyflow.definition.model import Field, FieldType, Process, Triggers
    from policyflow.legaltime import Period

__all__ = ["Checking", "Path_"]

#: Where in the process file a problem is: keys and list indexes from the top.
Path_ = tuple[str | int, ...]


class Checking(Protocol):
    """The checker of one process: what it checks, and how a problem is reported."""

    process: Process
    fields: dict[str, Field]
    roles: set[str]

    def add(
        self,
        where: Path_,
        code: str,
        message: str,
        *,
        blocking: bool = False,
        warning: bool = False,
        inside: tuple[str, int] | None = None,
    ) -> None:
        """Report a problem at `where`."""
        ...

    def cel(
        self,
        source: str,
        where: Path_,
        what: str,
        *,
        payload: Mapping[str, Field] | None,
        expect: FieldType | str | None,
        extra: Iterable[str] = (),
    ) -> Expression | None:
        """Compile and type-check an expression, reporting its problems; None on failure."""
        ...

    def period(self, text: str, where: Path_, what: str) -> Period | None:
        """Parse a period, reporting a bad one; None on failure."""
        ...

    def start_payload(self, triggers: Triggers) -> dict[str, Field]:
        """The payload fields the events that start a deadline all give."""
        ...
