"""What one case may ask about others: the lookup query a Family answers, and its hits.

A process declares ``lookups`` (docs/process-format.md, "Relations"); when an expression
reads ``lookup('id')`` the runtime builds a :class:`LookupQuery` from the declaration and
the asking case, and the :class:`~policyflow.runtime.cascade.Family` answers it from
wherever the cases live (the engine's keys index, the simulator's population). The
runtime, not the Family, turns the :class:`LookupHit` values into CEL and records them in
the step's journal entry, so a replay re-reads the recorded answer and never the other
cases as they are now.

Key values are compared as strings on both sides (``str(int)``, dates in ISO form), so a
Family needs no knowledge of field types to match them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, NamedTuple

__all__ = ["LookupHit", "LookupQuery"]


class LookupQuery(NamedTuple):
    """Which cases of another process a lookup asks for.

    Attributes:
        process_id: the process the cases are of.
        match: (their key name, our values) pairs; a case matches when, for every pair,
            one of its values of that key equals one of ours (an empty tuple of values
            matches nothing). Values are strings.
        states: only cases now in one of these states; empty for any state.
        since: only cases that entered their current state at or after this instant;
            None for no bound.
        exclude: the asking case's id, never a hit of its own lookup.
        read: the fields of each hit to return, in the order the lookup declares them.
        until: the instant of the reading step, or None. When given, a case that matches
            the keys and has an armed deadline expiring at or before it is a hit whatever
            its state and the instant it entered it, marked ``due``: the runtime brings it
            up to the instant first and judges `states` and `since` on it then.
    """

    process_id: str
    match: tuple[tuple[str, tuple[str, ...]], ...]
    states: tuple[str, ...] = ()
    since: datetime | None = None
    exclude: str = ""
    read: tuple[str, ...] = ()
    until: datetime | None = None


class LookupHit(NamedTuple):
    """One case that answers a lookup.

    Attributes:
        case_id: its id.
        state: its current state.
        entered: the instant it entered that state.
        fields: the fields the query reads, as stored data (JSON-ready, as
            :meth:`~policyflow.runtime.compiled.CompiledProcess.dump_data` gives them);
            a field the case does not have is left out.
        due: an armed deadline of the case expires at or before the query's ``until``
            (always False for a query without it).
    """

    case_id: str
    state: str
    entered: datetime
    fields: Mapping[str, Any]
    due: bool = False

    @property
    def order(self) -> tuple[datetime, str]:
        """The key hits are given in: when the case entered its state, then its id."""
        return self.entered, self.case_id
