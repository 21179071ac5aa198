"""``every:``, when a recurring deadline falls due (the process format, issue #17).

Its own module because model.py holds every other element; the model is as frozen and as
strict as the others (unknown keys refused). Which day comes next is legaltime's
(:class:`~policyflow.legaltime.recurrence.Recurrence`); what an occurrence does is the
runtime's.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field as PField
from pydantic import StringConstraints, model_validator

from policyflow.definition.elements import FrozenModel
from policyflow.legaltime import Period
from policyflow.legaltime.recurrence import Recurrence

__all__ = ["Every"]


class Every(FrozenModel):
    """When a recurring deadline falls due: a day of the year, of the month, or a period.

    A day each year, each month or in some months, or a period counted on from the event
    that met the occurrence before.

    ``{month, day}`` yearly (每年3月31日前); ``{day}`` monthly (每月2日前); ``{months: [...],
    day}`` on that day of those months each year (每季度末月25日前); ``{period: 十二个月}``
    each occurrence counted from the day of the event that met the one before (the first
    from the starting event or ``anchor``). A day the month does not have is its last day.
    """

    month: int | None = PField(default=None, ge=1, le=12, description="The month, yearly.")
    day: int | None = PField(default=None, ge=1, le=31, description="The day of the month.")
    months: tuple[int, ...] = PField(default=(), description="The months it falls in, each year.")
    period: Annotated[str, StringConstraints(min_length=1)] | None = PField(
        default=None, description="A period counted on from the last meeting event: 十二个月."
    )

    @model_validator(mode="after")
    def _one_form(self) -> Every:
        if self.period is not None:
            if self.month is not None or self.day is not None or self.months:
                raise ValueError("every: 'period' stands alone (no month, months or day)")
            return self
        if self.day is None:
            raise ValueError(
                "every: give {month, day} (yearly), {day} (monthly), {months: [...], day} "
                "or {period: ...}"
            )
        if self.month is not None and self.months:
            raise ValueError("every: give 'month' or 'months', not both")
        if any(not 1 <= m <= 12 for m in self.months):
            raise ValueError(f"every: months are 1 to 12 (got {list(self.months)})")
        if len(set(self.months)) != len(self.months):
            raise ValueError(f"every: duplicate months {list(self.months)}")
        return self

    @property
    def recurrence(self) -> Recurrence | None:
        """The calendar day it recurs on, or None for the period form."""
        if self.day is None:
            return None
        if self.month is not None:
            return Recurrence.yearly(self.month, self.day)
        if self.months:
            return Recurrence(self.day, self.months)
        return Recurrence.monthly(self.day)

    @property
    def counted(self) -> Period | None:
        """The period of the period form, parsed (None for a calendar form).

        Raises:
            InvalidPeriod: the period text is not a period.
        """
        return None if self.period is None else Period.parse(self.period)

    @property
    def zh(self) -> str:
        """In Chinese: 每年3月31日, 每月2日, 每十二个月."""
        recurrence = self.recurrence
        if recurrence is not None:
            return recurrence.zh
        return f"每{self.period}"

    @property
    def en(self) -> str:
        """In English: every year on 31 March, every month on day 2, every 12mo."""
        recurrence = self.recurrence
        if recurrence is not None:
            return recurrence.en
        counted = self.counted
        return f"every {counted if counted is not None else self.period}"
