"""The signals a step sends other cases, and which cases receive them, in which order.

A transition's ``signal`` (and a finished child's ``on_final.signal_parent``) is sent after
the step, atomic with it (the cascade, cascade.py, applies it and undoes the step if a
receiver refuses). :func:`outgoing` makes a step's signals from the case after the step:
one to the parent or the cohort is a :class:`Signal` at once (a case without a parent, or
whose cohort field is empty, sends none); one to children or members is a
:class:`Broadcast` that :func:`receivers` resolves when the cascade holds the family.

**Ranking** (``rank_by``). The receivers for which ``where`` holds are ordered by the
listed fields (``desc`` by default, or ``asc``), each compared exactly (ints, strings,
timestamps, decimals: a decimal field is not in ``c``, it is read beside it for the
ranking only, as the Decimal it is); a missing value (null) ranks after every value,
tied with the other nulls.
Receivers that every key leaves equal share a rank (competition ranking: 1, 2, 2, 4).
Each item ``c`` gains ``c.rank`` (that rank) and ``c.through`` (the last position its tie
group occupies: 1, 3, 3, 4), and ``ranked`` is how many were ranked. Comparing
``c.through`` with a cap leaves a tie that would cross the cap out whole: a cap is never
exceeded, ties included (不超过). Without ``rank_by`` the receivers go in start order
(started_at, then id); ``ranked`` still counts them.

A ``where`` that cannot be evaluated on a receiver (a comparison with a null) does not
hold, as a guard that cannot be evaluated is false.

**Sampling** (``sample``). Of the n receivers ``where`` admits, k = min(n, max(at_least,
ceil(share × n))) are drawn (:func:`sample_size`: "不少于 5 %" rounds up, exactly, on a
decimal share): the k with the smallest sha256 of ``"{seed}:{case id}"`` in hex, sent in
that order (ranked afterwards when ``rank_by`` ranks them; ``ranked`` then counts the
sample). The seed is the sender's CEL over the act, normally a payload field, so the act's
journal entry holds it; the entry also records the draw under ``sample:<event>``
(:func:`draw`). The draw depends on nothing but the seed and the receivers' ids, so the
engine, the simulator and anyone with the journal draw the same sample.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, NamedTuple

from policyflow.errors import CalendarNotPublished, InvalidInput
from policyflow.runtime.compiled import CompiledProcess
from policyflow.runtime.items import case_item
from policyflow.runtime.plans import RankPlan, SamplePlan, SignalPlan, TransitionPlan
from policyflow.runtime.snapshot import CaseSnapshot

__all__ = [
    "Broadcast",
    "Delivery",
    "Signal",
    "cohort_field",
    "cohort_of",
    "draw",
    "outgoing",
    "rank",
    "receivers",
    "sample_size",
]


class Signal(NamedTuple):
    """An event one case sends another, to be taken by law (as ``system``).

    Attributes:
        case_id: the receiving case.
        event: the receiver's event.
        payload: its payload.
    """

    case_id: str
    event: str
    payload: Mapping[str, Any]


class Broadcast(NamedTuple):
    """A signal to each child or member of a process: resolved with the family.

    Attributes:
        plan: the signal.
        sender: the sending case after its step.
        variables: the sender's scope after the step (its data, payload, today, state).
    """

    plan: SignalPlan
    sender: CaseSnapshot
    variables: Mapping[str, Any]


class Delivery(NamedTuple):
    """What a broadcast sends: its signals, in order, and the sample it drew (if it drew).

    Attributes:
        signals: one per receiver.
        drawn: None without ``sample``; else the draw as the sender's journal entry records
            it: ``{"seed", "share", "at_least", "of", "drawn"}`` (``of`` the receivers
            ``where`` admitted, ``drawn`` the ids in draw order).
    """

    signals: list[Signal]
    drawn: Mapping[str, Any] | None = None


def cohort_field(compiled: CompiledProcess) -> str | None:
    """The field naming the case's cohort (the process's ``cohort: {process, field}``)."""
    declared = compiled.process.cohort
    return None if declared is None else declared.field


def cohort_of(compiled: CompiledProcess, snapshot: CaseSnapshot) -> str | None:
    """The id of the case's cohort, or None (no cohort declared, or the field empty)."""
    field = cohort_field(compiled)
    value = None if field is None else snapshot.data.get(field)
    return value if isinstance(value, str) and value else None


def outgoing(
    compiled: CompiledProcess,
    chosen: TransitionPlan,
    snapshot: CaseSnapshot,
    variables: Mapping[str, Any],
    finishes: bool,
) -> tuple[Signal | Broadcast, ...]:
    """The signals a step sends, in order: the transition's, then on finishing the parent's.

    Args:
        compiled: the sender's process.
        chosen: the transition taken.
        snapshot: the sender after the step.
        variables: its scope after the step.
        finishes: whether the step entered a final state (``on_final.signal_parent``).
    """
    sent: list[Signal | Broadcast] = []
    plans = chosen.signals
    if finishes and compiled.signal is not None:
        plans = (*plans, compiled.signal)
    for plan in plans:
        if plan.many:
            sent.append(Broadcast(plan, snapshot, variables))
            continue
        receiver = snapshot.parent_id if plan.to == "parent" else cohort_of(compiled, snapshot)
        if receiver is not None:
            payload = {k: e.value(variables) for k, e in plan.payload}
            sent.append(Signal(receiver, plan.event, payload))
    return tuple(sent)


def receivers(
    broadcast: Broadcast, relatives: Sequence[tuple[CompiledProcess, CaseSnapshot]]
) -> Delivery:
    """The signals a broadcast sends `relatives` (its children or members, in start order).

    Each item ``c`` is built once; ``where`` and the payload are evaluated on the sender's
    scope with ``c`` (and ``ranked``) added, never on the whole list.

    Raises:
        InvalidInput: a payload expression fails on a receiver, or the sample's seed
            gives no string or whole number.
        CalendarNotPublished: one counts on a year the calendar does not cover.
    """
    plan = broadcast.plan
    variables = dict(broadcast.variables)
    chosen: list[dict[str, Any]] = []
    beside: list[tuple[dict[str, Any], str]] = []  # (item, field) read for the ranking only
    where = plan.where
    for compiled, snapshot in relatives:
        item = case_item(compiled, snapshot)
        if where is not None:
            variables["c"] = item
            try:
                if where.evaluate(variables) is not True:
                    continue
            except CalendarNotPublished:
                raise
            except InvalidInput:
                continue  # as a guard that cannot be evaluated: it does not hold
        chosen.append(item)
        for key in plan.rank_by:  # a decimal is ranked by, never read through c (items.py)
            if key.field not in item:
                item[key.field] = snapshot.data.get(key.field)
                beside.append((item, key.field))
    drawn: Mapping[str, Any] | None = None
    if plan.sample is not None:
        chosen, drawn = draw(chosen, plan.sample, broadcast.variables, plan.event)
    if plan.rank_by:
        chosen = rank(chosen, plan.rank_by)
    for item, name in beside:
        del item[name]
    variables["ranked"] = len(chosen)
    signals = []
    for item in chosen:
        variables["c"] = item
        payload = {k: e.value(variables) for k, e in plan.payload}
        signals.append(Signal(item["id"], plan.event, payload))
    return Delivery(signals, drawn)


def sample_size(share: Decimal, at_least: int, eligible: int) -> int:
    """How many of `eligible` receivers a sample draws: min(n, max(at_least, ⌈share × n⌉)).

    Exact: the share is a decimal, so 5 % of 20 is 1 and of 21 is 2, never 1.0000001.
    """
    return min(eligible, max(at_least, math.ceil(share * eligible)))


def draw(
    items: list[dict[str, Any]],
    sample: SamplePlan,
    variables: Mapping[str, Any],
    event: str,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The sample of `items` (see the module's text), in draw order, and its record.

    Raises:
        InvalidInput: the seed gives no string or whole number, or ``at_least`` no whole
            number 0 or more (naming the signal).
    """
    seed = sample.seed.value(variables)
    if isinstance(seed, bool) or not isinstance(seed, str | int):
        raise InvalidInput(
            f"the sample of signal {event!r}: seed {sample.seed.source!r} gives "
            f"{type(seed).__name__} {seed!r}, expected a string or a whole number"
        )
    at_least = sample.at_least
    if not isinstance(at_least, int):
        given = at_least.value(variables)
        if isinstance(given, bool) or not isinstance(given, int) or given < 0:
            raise InvalidInput(
                f"the sample of signal {event!r}: at_least {at_least.source!r} gives "
                f"{given!r}, expected a whole number, 0 or more"
            )
        at_least = given
    size = sample_size(sample.share, at_least, len(items))

    def order(item: dict[str, Any]) -> str:
        return hashlib.sha256(f"{seed}:{item['id']}".encode()).hexdigest()

    drawn = sorted(items, key=order)[:size]
    record = {
        "seed": seed,
        "share": str(sample.share),
        "at_least": at_least,
        "of": len(items),
        "drawn": [item["id"] for item in drawn],
    }
    return drawn, record


def rank(items: list[dict[str, Any]], keys: Sequence[RankPlan]) -> list[dict[str, Any]]:
    """`items` in rank order, each given ``rank`` and ``through`` (see the module's text).

    Items that every key leaves equal keep their order (start order) and share a rank.
    """
    ordered = list(items)
    for key in reversed(keys):  # stable sorts, last key first: the first key decides first
        name = key.field
        present = [item for item in ordered if item.get(name) is not None]
        present.sort(key=lambda item: item[name], reverse=key.descending)
        ordered = present + [item for item in ordered if item.get(name) is None]
    names = [key.field for key in keys]
    position = 0
    while position < len(ordered):
        values = [ordered[position].get(n) for n in names]
        end = position + 1
        while end < len(ordered) and [ordered[end].get(n) for n in names] == values:
            end += 1
        for item in ordered[position:end]:
            item["rank"] = position + 1
            item["through"] = end
        position = end
    return ordered
