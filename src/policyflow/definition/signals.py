"""The signals a case sends other cases: at a transition (``signal``) and on a final state.

A transition's ``signal`` sends one event, or a list, after its step and atomic with it:
``to: parent`` or ``to: cohort`` reaches one case; ``to: children`` or ``to: members``
reaches each child (or member) of ``process`` for which ``where`` holds, in start order,
or in rank order when ``rank_by`` ranks them; ``sample`` sends it to a seeded random
sample of them instead (:class:`SampleSpec`). ``on_final.signal_parent`` is the older
spelling of ``signal: {to: parent}`` sent on entering a final state. What a signal does is
the runtime's (runtime/signals.py); this module only says what it is.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from pydantic import Field as PField
from pydantic import field_validator, model_validator

from policyflow.definition.elements import Cel, FrozenModel, Id, ProcessId, as_list

__all__ = [
    "MANY_RECEIVERS",
    "OnFinal",
    "ParentSignalSpec",
    "RankKey",
    "SampleSpec",
    "SignalSpec",
]

#: The receivers that are many cases of one process (``process`` names it).
MANY_RECEIVERS = frozenset({"children", "members"})


class RankKey(FrozenModel):
    """One key of a signal's ranking: a field of the receiving process, and its order."""

    field: Id = PField(description="A field of the receiving process (int, str, date …).")
    order: Literal["desc", "asc"] = PField(
        default="desc", description="desc (the default: highest first) or asc."
    )


class SampleSpec(FrozenModel):
    """A seeded random sample of the receivers ``where`` admits (抽查: "不少于 5 %").

    Of the n receivers, k = min(n, max(at_least, ceil(share × n))) are drawn: a share is a
    floor of the sample ("不少于"), so it is rounded up. ``at_least`` is a number or CEL
    over the act (a share of a population wider than the receivers). The sample is the k
    receivers with the smallest sha256 of ``"{seed}:{case id}"`` (hex), in that order:
    anyone can draw it again from the seed and the receivers' ids.
    """

    share: str = PField(
        description='The share drawn, an exact decimal string: 0 < share <= 1 ("0.05").'
    )
    at_least: int | Cel = PField(
        default=0,
        description="At least this many (fewer if fewer): a whole number >= 0, or CEL over "
        'the act giving one (a share of a wider population: "(n * 5 + 99) / 100").',
    )
    seed: Cel = PField(
        description="CEL over the act giving a string or an int (normally a payload field, "
        "so the seed is journaled with the act)."
    )

    @field_validator("share", mode="before")
    @classmethod
    def _exact_share(cls, value: Any) -> str:
        if not isinstance(value, str):
            raise ValueError(
                f'share {value!r} must be a quoted decimal string (share: "0.05"): a YAML '
                "number is read as a binary fraction, not exactly"
            )
        try:
            share = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(f'share {value!r} is not a decimal number (write "0.05")') from None
        if not share.is_finite() or not 0 < share <= 1:
            raise ValueError(f'share {value!r} must be more than 0 and at most 1 ("0.05" is 5 %)')
        return value

    @field_validator("at_least")
    @classmethod
    def _not_negative(cls, value: int | str) -> int | str:
        if isinstance(value, int) and value < 0:
            raise ValueError(f"at_least {value} must be 0 or more")
        return value

    @property
    def fraction(self) -> Decimal:
        """The share as an exact decimal."""
        return Decimal(self.share.strip())


class SignalSpec(FrozenModel):
    """An event a transition sends another case (or many) after its step, atomic with it.

    ``payload`` maps the receiving event's payload fields to CEL over this case after the
    step; for many receivers it may also read ``c`` (the receiver's item: ``id``,
    ``state``, its fields; with ``rank_by`` also ``c.rank`` and ``c.through``) and
    ``ranked`` (how many receivers were ranked).
    """

    to: Literal["parent", "cohort", "children", "members"] = PField(
        description="parent | cohort (one case) | children | members (each case of `process`)."
    )
    event: Id = PField(description="An event of the receiving case's process.")
    payload: dict[Id, Cel] = PField(
        default_factory=dict, description="The event's payload: field -> CEL expression."
    )
    process: ProcessId | None = PField(
        default=None, description="For children/members: the receivers' process id."
    )
    where: Cel | None = PField(
        default=None, description="For children/members: CEL over `c`; false: not sent to it."
    )
    rank_by: tuple[RankKey, ...] | None = PField(
        default=None,
        description="For children/members: rank the receivers by these fields (competition "
        "ranking; ties share a rank; nulls last) and send in rank order.",
    )
    sample: SampleSpec | None = PField(
        default=None,
        description="For children/members: send only to a seeded random sample of the "
        'receivers `where` admits: {share: "0.05", at_least: 1, seed: <CEL>}.',
    )

    @model_validator(mode="before")
    @classmethod
    def _wrap_rank_by(cls, value: Any) -> Any:
        if isinstance(value, dict) and isinstance(value.get("rank_by"), dict):
            return {**value, "rank_by": as_list(value["rank_by"])}
        return value

    @model_validator(mode="after")
    def _check_receivers(self) -> SignalSpec:
        many = self.to in MANY_RECEIVERS
        if many and self.process is None:
            raise ValueError(f"a signal to {self.to} needs 'process', the receivers' process id")
        if not many:
            extra = [
                k for k in ("process", "where", "rank_by", "sample") if getattr(self, k) is not None
            ]
            if extra:
                raise ValueError(
                    f"a signal to {self.to} reaches one case: {', '.join(extra)} is only "
                    "for children or members"
                )
        if self.rank_by is not None and not self.rank_by:
            raise ValueError("rank_by needs at least one field")
        return self

    @property
    def many(self) -> bool:
        """Whether it reaches many cases (children or members)."""
        return self.to in MANY_RECEIVERS


class ParentSignalSpec(FrozenModel):
    """The event a child case sends its parent when it reaches a final state.

    ``payload`` maps the parent event's payload fields to CEL over the child's data; the
    variable ``state`` is the final state reached.
    """

    event: Id
    payload: dict[Id, Cel] = PField(default_factory=dict)


class OnFinal(FrozenModel):
    """What a case does when it reaches a final state."""

    signal_parent: ParentSignalSpec | None = None
