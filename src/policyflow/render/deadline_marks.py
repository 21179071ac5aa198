"""How a deadline is drawn: its period in words, its recurrence, the date it ends on.

graph.py decides where a deadline runs (its start and running states, which need the
transitions); this module holds what is drawn for it, a :class:`DeadlineMark`, and the
words and codes of its period: 二十 工作日, "every year on 31 March", a BPMN timeCycle.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from policyflow.definition.model import Deadline, Process
from policyflow.legaltime import Period, Unit

__all__ = [
    "UNIT_EN",
    "UNIT_ZH",
    "DeadlineMark",
    "counted_period",
    "ends_on_words",
    "period_text",
    "recurring_words",
]

UNIT_ZH = {
    Unit.WORKING_DAY: "工作日",
    Unit.DAY: "日",
    Unit.MONTH: "个月",
    Unit.YEAR: "年",
    Unit.HOUR: "小时",
}
UNIT_EN = {
    Unit.WORKING_DAY: "working days",
    Unit.DAY: "days",
    Unit.MONTH: "months",
    Unit.YEAR: "years",
    Unit.HOUR: "hours",
}


@dataclass(frozen=True, slots=True)
class DeadlineMark:
    """A deadline as drawn on the states that run it.

    Attributes:
        id: the deadline's id.
        zh: its Chinese label.
        en: its English label.
        period: the period in canonical form ("5wd", "90d").
        amount: the number of units.
        unit_zh: the unit in Chinese ("工作日", "日", "个月").
        unit_en: the unit in English.
        iso8601: the ISO 8601 duration when the period is exact (not for working days).
        rollover: whether a last day that is not a working day moves to the next one.
        article: the short citation ("第三十九条").
        basis: every citation with its document.
        expiry_event: the event applied by itself on expiry; None = marks overdue only.
        start_states: the states in which it starts (entered, or reached by its event).
        running_states: every state in which it may be running.
        extension: the extension rule in words with its period, if any.
        due: for a case, the due date of its running timer.
        status: for a case, the timer's status ("armed", "suspended", "overdue").
        provisional: for a case, whether the due date came from a provisional calendar.
        ends_on: for a deadline that ends on a date, the CEL giving that date (then
            ``period`` is "until …" and ``amount`` 0).
        ends_on_zh: that date in words: the field's own label when the CEL names a field
            (有效期至), otherwise 所定日期; ``ends_on_en`` likewise.
        every_zh: for a recurring deadline, when it recurs (每年3月31日, 每 12 个月); drawn
            as one recurring timer instead of a period; ``every_en`` likewise.
        cycle: for a recurring deadline, the BPMN timeCycle: an ISO 8601 repeating
            interval for the period form (``R/P12M``), else a cron expression
            (``0 0 0 31 3 ?``; ``L``: a day 31 is the month's last day).
    """

    id: str
    zh: str
    en: str
    period: str
    amount: int
    unit_zh: str
    unit_en: str
    iso8601: str | None
    rollover: bool
    article: str
    basis: str
    expiry_event: str | None
    start_states: tuple[str, ...]
    running_states: tuple[str, ...]
    extension: str | None = None
    due: date | None = None
    status: str | None = None
    provisional: bool = False
    ends_on: str | None = None
    ends_on_zh: str = "所定日期"
    ends_on_en: str = "the stated date"
    every_zh: str | None = None
    every_en: str | None = None
    cycle: str | None = None

    @property
    def span_zh(self) -> str:
        """The period in Chinese: '≤ 5 工作日'.

        A deadline ending on a date: '至 有效期至'; a recurring one: '每年3月31日'.
        """
        if self.every_zh is not None:
            return self.every_zh
        if self.ends_on is not None:
            return f"至 {self.ends_on_zh}"
        return f"≤ {self.amount} {self.unit_zh}"

    @property
    def label(self) -> str:
        """The label on the state: '≤ 5 工作日 · 第三十九条'."""
        return f"{self.span_zh} · {self.article}"

    @property
    def label_en(self) -> str:
        """The English period: '≤ 5 working days'.

        A deadline ending on a date: 'until Valid until'; a recurring one: 'every year on
        31 March'.
        """
        if self.every_en is not None:
            return self.every_en
        if self.ends_on is not None:
            return f"until {self.ends_on_en}"
        return f"≤ {self.amount} {self.unit_en}"

    @property
    def due_label(self) -> str | None:
        """For a case: '到期 2023-10-12' (with the status when not simply armed)."""
        if self.status is None:
            return None
        if self.due is None:
            return f"{self.status}"
        text = f"到期 {self.due.isoformat()}"
        if self.status != "armed":
            text += f" ({self.status})"
        if self.provisional:
            text += " 暂定"
        return text


def counted_period(deadline: Deadline) -> Period | None:
    """The period a deadline counts (a recurring one's, by `every`), or None for a date."""
    if deadline.every is not None:
        return deadline.every.counted
    return None if deadline.period is None else Period.parse(deadline.period)


def recurring_words(deadline: Deadline, period: Period | None) -> dict[str, str]:
    """How a recurring deadline is drawn: when it recurs, in words and as a BPMN timeCycle."""
    every = deadline.every
    if every is None:
        return {}
    recurrence = every.recurrence
    if recurrence is None:
        assert period is not None
        return {
            "every_zh": f"每 {period.amount} {UNIT_ZH[period.unit]}",
            "every_en": f"every {period.amount} {UNIT_EN[period.unit]}",
            "cycle": f"R/{period.iso8601}" if period.iso8601 else f"R/{period}",
        }
    day = "L" if recurrence.day == 31 else str(recurrence.day)
    months = "*" if recurrence.is_monthly else ",".join(map(str, recurrence.months))
    return {
        "every_zh": recurrence.zh,
        "every_en": recurrence.en,
        "cycle": f"0 0 0 {day} {months} ?",
    }


def period_text(deadline: Deadline, period: Period | None) -> str:
    """The period as written canonically: "20wd", "every 12mo", "every 03-31", "until …"."""
    every = deadline.every
    recurrence = None if every is None else every.recurrence
    if recurrence is not None:
        return recurrence.canonical
    if period is not None:
        return f"every {period}" if every is not None else str(period)
    return f"until {deadline.ends_on}"


def ends_on_words(process: Process, ends_on: str | None) -> dict[str, str]:
    """The labels of the date a deadline ends on: its field's, when the CEL is a bare name."""
    field = process.find_field(ends_on.strip()) if ends_on is not None else None
    return {"ends_on_zh": field.zh, "ends_on_en": field.en} if field is not None else {}
