"""The reads of other cases a step makes: which it needs, what they give, how they are kept.

An expression that reads ``children('p')``, ``members('p')``, ``parent``, ``cohort`` or
``lookup('id')`` was compiled with that read as a hidden variable
(definition/relations.py). Before a transition is judged, :func:`needed` says which reads
its candidate transitions' expressions make (all of them, whichever is taken, so a replay
needs no other), and :func:`fill` gets each once from a :class:`Reads` source and gives

* the hidden variables (CEL values) the expressions run on, and
* the journal's ``reads``: each answer in self-describing JSON (an instant as
  ``{"$t": "2023-05-01T00:00:00"}``).

Both come from the same JSON: a live answer is encoded, then decoded for CEL, so a replay
that decodes the recorded answer (:class:`Recorded`) evaluates exactly what the live step
did, whatever the other cases have become since. :class:`Live` asks the
:class:`RelatedCases` (the cascade's family, with the cases it already holds laid over
it); this module decides what to ask and what the answers mean, the family only reads.

A case read is read as the law has left it at the instant of the reading step: each one
with a deadline due by then is first handed to the cascade's :class:`CatchUp`, which
brings it up to the instant (its expiries at their own instants, journaled in the same
act), as it brings a signal's receiver. So a read never depends on when a sweep ran.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import BaseModel

from policyflow.definition.conversion import to_cel
from policyflow.definition.expressions import Expression, compile_expression, from_cel
from policyflow.definition.fields import FieldSet
from policyflow.definition.model import FieldType
from policyflow.definition.relations import hidden_name
from policyflow.errors import InvalidInput
from policyflow.runtime.items import case_item
from policyflow.runtime.journal import NO_READS
from policyflow.runtime.keys import COHORT_KEY, key_values
from policyflow.runtime.relations import LookupHit, LookupQuery
from policyflow.runtime.signals import cohort_field, cohort_of

if TYPE_CHECKING:
    from policyflow.definition.relation_model import Lookup
    from policyflow.runtime.compiled import CompiledProcess
    from policyflow.runtime.snapshot import CaseSnapshot

__all__ = [
    "COHORT_KEY",
    "CatchUp",
    "Live",
    "Reads",
    "Recorded",
    "RelatedCases",
    "decode",
    "encode",
    "fill",
    "key_values",
    "needed",
]

Held = Mapping[str, "tuple[CompiledProcess, CaseSnapshot]"]


class RelatedCases(Protocol):
    """What the live reads ask of the family (runtime/cascade.py's Family has all of it)."""

    def parent(self, case_id: str) -> tuple[CompiledProcess, CaseSnapshot]: ...  # noqa: D102

    def case(self, case_id: str) -> tuple[CompiledProcess, CaseSnapshot]: ...  # noqa: D102

    def children(  # noqa: D102
        self, case_id: str, process_id: str
    ) -> Sequence[tuple[CompiledProcess, CaseSnapshot]]: ...

    def members(  # noqa: D102
        self, cohort_id: str, process_id: str
    ) -> Sequence[tuple[CompiledProcess, CaseSnapshot]]: ...

    def lookup(self, query: LookupQuery) -> Sequence[LookupHit]: ...  # noqa: D102

    def process(self, process_id: str) -> CompiledProcess: ...  # noqa: D102


class CatchUp(Protocol):
    """How a live read brings the cases it reads up to the reading step's instant.

    The cascade's: a case handed to :meth:`bring` with a deadline due by :attr:`until` is
    taken into the cascade and its expiries applied, so that the cases held (the ``held``
    of :class:`Live`) show it as the law has left it.
    """

    @property
    def until(self) -> datetime:
        """The instant of the reading step."""
        ...

    def bring(self, cases: Sequence[tuple[CompiledProcess, CaseSnapshot]], *, above: bool) -> None:
        """Bring each of `cases` with a deadline due by :attr:`until` up to it.

        `above`: the cases are the reader's parent or cohort (they expire before it at one
        instant), not its children, members or lookup hits.
        """
        ...

    def entered(self, case_id: str) -> datetime | None:
        """When a held case entered its current state within the cascade; None if it did not."""
        ...


class Reads(Protocol):
    """Where a step's reads come from: the cases as they stand, or a journal entry."""

    def read(
        self,
        key: str,
        compiled: CompiledProcess,
        snapshot: CaseSnapshot,
        variables: Mapping[str, Any],
    ) -> Any:
        """The answer to read `key` for the case, in the journal's JSON form."""
        ...


# --- the JSON form ------------------------------------------------------------------


def encode(value: Any) -> Any:
    """A CEL value (a timestamp, a list, a map …) as JSON: an instant as ``{"$t": iso}``."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return {"$t": value.isoformat()}
    if isinstance(value, date):
        return {"$t": datetime(value.year, value.month, value.day).isoformat()}
    if isinstance(value, list | tuple):
        return [encode(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): encode(v) for k, v in value.items()}
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise InvalidInput(f"cannot record a {type(value).__name__} read from another case")


def decode(value: Any) -> Any:
    """The CEL value :func:`encode` recorded (an instant back as a UTC timestamp)."""
    if isinstance(value, dict):
        if len(value) == 1 and "$t" in value:
            return datetime.fromisoformat(value["$t"]).replace(tzinfo=UTC)
        return {k: decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


# --- what a process's reads need, compiled once --------------------------------------


@dataclasses.dataclass(slots=True)
class _Plan:
    """A process's lookups and the reads of each (state, event), compiled once."""

    lookups: dict[str, tuple[Lookup, tuple[tuple[str, Expression], ...], Expression | None]]
    needs: dict[tuple[str, str], tuple[str, ...]]
    reads_any: bool


_PLANS: dict[str, _Plan] = {}  # by process version, as items.py keeps its fields


def _plan(compiled: CompiledProcess) -> _Plan:
    found = _PLANS.get(compiled.version)
    if found is not None:
        return found
    process = compiled.process
    fields = compiled.data_fields.fields
    lookups = {
        lookup.id: (
            lookup,
            tuple((k, compile_expression(v, fields)) for k, v in lookup.match.items()),
            None
            if lookup.since is None
            else compile_expression(lookup.since, fields, expect=FieldType.DATE),
        )
        for lookup in process.lookups or ()
    }
    reads_any = any(_expressions_read(plan) for plans in compiled.table.values() for plan in plans)
    found = _Plan(lookups, {}, reads_any or _signal_reads(compiled) != ())
    if len(_PLANS) >= 256:
        _PLANS.clear()
    _PLANS[compiled.version] = found
    return found


_NOT_PLANS = (BaseModel, FieldSet, str, int, float, bool, type(None))


def _expressions(value: Any, seen: set[int]) -> Iterable[Expression]:
    """Every compiled expression inside a plan (dataclasses, named tuples, tuples, dicts)."""
    if isinstance(value, Expression):
        yield value
        return
    if id(value) in seen or isinstance(value, _NOT_PLANS):
        return  # a definition's own model, a validator, a plain value: no compiled CEL
    seen.add(id(value))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for item in dataclasses.fields(value):
            yield from _expressions(getattr(value, item.name), seen)
    elif isinstance(value, tuple | list):
        for item in value:
            yield from _expressions(item, seen)
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _expressions(item, seen)


def _expressions_read(plan: Any) -> tuple[str, ...]:
    found: set[str] = set()
    for expression in _expressions(plan, set()):
        found.update(expression.relations)
    return tuple(sorted(found))


def _signal_reads(compiled: CompiledProcess) -> tuple[str, ...]:
    return _expressions_read(compiled.signal) if compiled.signal is not None else ()


def needed(compiled: CompiledProcess, state: str, event: str) -> tuple[str, ...]:
    """The reads the transitions for (`state`, `event`) make, whichever is taken, sorted.

    Empty (at the cost of two dictionary lookups) for a process that reads no other case.
    """
    plan = _plan(compiled)
    if not plan.reads_any:
        return ()
    found = plan.needs.get((state, event))
    if found is None:
        reads = set(_signal_reads(compiled))
        for candidate in compiled.table.get((state, event), ()):
            reads.update(_expressions_read(candidate))
        found = plan.needs[(state, event)] = tuple(sorted(reads))
    return found


def fill(
    keys: tuple[str, ...],
    source: Reads | None,
    compiled: CompiledProcess,
    snapshot: CaseSnapshot,
    variables: Mapping[str, Any],
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Read each of `keys` once: (the hidden variables, the journal's reads).

    Raises:
        InvalidInput: no source was given (the step was asked alone, without the cases it
            reads), or the source cannot answer (a replayed entry that recorded no such read).
    """
    if source is None:
        raise InvalidInput(
            f"case {snapshot.case_id}: its expressions read {', '.join(keys)}, and no "
            "family was given to read them from"
        )
    reads = {key: source.read(key, compiled, snapshot, variables) for key in keys}
    return {hidden_name(key): decode(value) for key, value in reads.items()}, reads


# --- the sources ----------------------------------------------------------------------


class Recorded:
    """The reads a journal entry recorded: what a replay reads, never the other cases."""

    __slots__ = ("reads",)

    def __init__(self, reads: Mapping[str, Any]) -> None:
        self.reads = reads if reads else NO_READS

    def read(
        self,
        key: str,
        compiled: CompiledProcess,
        snapshot: CaseSnapshot,
        variables: Mapping[str, Any],
    ) -> Any:
        """The recorded answer.

        Raises:
            InvalidInput: the entry recorded no such read.
        """
        if key not in self.reads:
            raise InvalidInput(
                f"case {snapshot.case_id}: its journal entry records no read of {key!r}"
            )
        return self.reads[key]


class Live:
    """The reads as the cases stand: the family's, with the cases the cascade holds over it.

    Args:
        family: where the other cases are read.
        held: the cases the cascade has already taken in (some changed by it), by id:
            each is seen as it now stands, and a child it started is among the children.
        catch_up: brings each case read up to the reading step's instant first (see the
            module's text); None reads the cases as the family gives them.
    """

    __slots__ = ("catch_up", "family", "held")

    def __init__(
        self, family: RelatedCases, held: Held | None = None, catch_up: CatchUp | None = None
    ) -> None:
        self.family = family
        self.held: Held = held or {}
        self.catch_up = catch_up

    def read(
        self,
        key: str,
        compiled: CompiledProcess,
        snapshot: CaseSnapshot,
        variables: Mapping[str, Any],
    ) -> Any:
        """The answer to read `key` for the case, encoded (see the module's text).

        Raises:
            InvalidInput: the read is not one the process declares (a lookup it does not
                have, a cohort without ``cohort:``).
        """
        kind, _, name = key.partition(":")
        found: dict[str, Any] | list[dict[str, Any]] | None
        if kind == "parent":
            found = self._one(snapshot.parent_id, self.family.parent)
        elif kind == "cohort":
            if cohort_field(compiled) is None:
                raise InvalidInput(f"process {compiled.id!r} reads cohort and declares none")
            found = self._one(cohort_of(compiled, snapshot), self.family.case)
        elif kind == "children":
            found = [case_item(*c) for c in self.related(snapshot, name, children=True)]
        elif kind == "members":
            found = [case_item(*c) for c in self.related(snapshot, name, children=False)]
        elif kind == "lookup":
            return self._lookup(compiled, snapshot, name, variables)
        else:
            raise InvalidInput(f"unknown read {key!r}")
        return encode(found)

    def _one(
        self, case_id: str | None, get: Callable[[str], tuple[CompiledProcess, CaseSnapshot]]
    ) -> dict[str, Any] | None:
        if not case_id:
            return None
        found = self.held.get(case_id)
        if found is None:
            found = get(case_id)
            if self.catch_up is not None:
                self.catch_up.bring((found,), above=True)
                found = self.held.get(case_id, found)
        return case_item(*found)

    def related(
        self, snapshot: CaseSnapshot, process_id: str, *, children: bool
    ) -> list[tuple[CompiledProcess, CaseSnapshot]]:
        """The case's children (or members) of `process_id` as they now stand, start order.

        The family's, with the cases the cascade holds laid over them: a child it started is
        among them, and one it moved elsewhere is not. A read of ``children('p')`` or
        ``members('p')`` and a signal to them both take their cases from here.
        """
        me = snapshot.case_id
        asked = (self.family.children if children else self.family.members)(me, process_id)
        if self.catch_up is not None:
            self.catch_up.bring(asked, above=False)  # held from now on, as the law left them
        cases = {s.case_id: (c, s) for c, s in asked}
        for case_id, (c, s) in self.held.items():
            if c.id != process_id:
                continue
            if case_id in cases or _belongs(c, s, me, children=children):
                cases[case_id] = (c, s)  # as the cascade has left it
        ordered = sorted(cases.values(), key=lambda cs: (cs[1].started_at, cs[1].case_id))
        return [cs for cs in ordered if _belongs(*cs, me, children=children)]

    def _lookup(
        self,
        compiled: CompiledProcess,
        snapshot: CaseSnapshot,
        lookup_id: str,
        variables: Mapping[str, Any],
    ) -> Any:
        declared = _plan(compiled).lookups.get(lookup_id)
        if declared is None:
            raise InvalidInput(f"process {compiled.id!r} declares no lookup {lookup_id!r}")
        lookup, match, since = declared
        catch_up = self.catch_up
        query = LookupQuery(
            lookup.process,
            tuple((name, key_values(e.evaluate(variables))) for name, e in match),
            lookup.states,
            None if since is None else _instant(since.evaluate(variables)),
            snapshot.case_id,
            lookup.read,
            None if catch_up is None else catch_up.until,
        )
        hits = self.family.lookup(query)
        if catch_up is not None:
            due = [
                self.family.case(h.case_id) for h in hits if h.due and h.case_id not in self.held
            ]
            if due:
                catch_up.bring(due, above=False)
            judged = (self._as_held(hit, query) for hit in hits)
            hits = [hit for hit in judged if hit is not None]
        hits = sorted(hits, key=lambda hit: hit.order)
        target = self.family.process(lookup.process) if lookup.read else None
        return encode([_hit_item(hit, target, lookup.read) for hit in hits])

    def _as_held(self, hit: LookupHit, query: LookupQuery) -> LookupHit | None:
        """The hit as the cascade holds its case, if it does; None if it is no hit then.

        A case brought up to the instant (or changed by the act) is judged as it now
        stands: its keys, its state and the instant it entered it, its fields.
        """
        found = self.held.get(hit.case_id)
        if found is None:
            # a due hit passed the family's state and since bounds unjudged: judge it here
            return hit if not hit.due or _within(hit, query) else None
        compiled, now = found
        keys = set(compiled.keys_of(now))
        if not all(any((name, v) in keys for v in values) for name, values in query.match):
            return None
        assert self.catch_up is not None
        entered = self.catch_up.entered(hit.case_id)
        hit = LookupHit(
            hit.case_id,
            now.state,
            hit.entered if entered is None else entered,
            compiled.dump_data({k: now.data[k] for k in query.read if now.data.get(k) is not None}),
        )
        return hit if _within(hit, query) else None


def _within(hit: LookupHit, query: LookupQuery) -> bool:
    """Whether the hit is in one of the query's states, entered at or after its since."""
    if query.states and hit.state not in query.states:
        return False
    return query.since is None or hit.entered >= query.since


def _belongs(compiled: CompiledProcess, snapshot: CaseSnapshot, me: str, *, children: bool) -> bool:
    if children:
        return snapshot.parent_id == me
    return cohort_of(compiled, snapshot) == me


def _instant(value: Any) -> datetime | None:
    found = from_cel(value, None)
    if found is None:
        return None
    if isinstance(found, datetime):
        return found
    if isinstance(found, date):
        return datetime(found.year, found.month, found.day)
    raise InvalidInput(f"a lookup's since gives {type(found).__name__}, expected a date")


def _hit_item(hit: LookupHit, target: CompiledProcess | None, read: tuple[str, ...]) -> Any:
    item: dict[str, Any] = {}
    if target is not None:
        fields = target.data_fields
        for name in read:
            value = hit.fields.get(name)
            typed = None if value is None else fields.validate_one(name, value)
            item[name] = None if typed is None else to_cel(typed)
    item["id"] = hit.case_id  # after the fields: the hit's own id and state always win
    item["state"] = hit.state
    item["entered"] = hit.entered
    return item
