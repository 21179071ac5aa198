"""Legal time under Chinese law: the statutory calendar, periods and explainable due dates.

Usage::

    from policyflow import legaltime

    cal = legaltime.china()
    cal.due(date(2023, 9, 28), "十五个工作日").date     # 2023-10-25
    cal.before(date(2024, 6, 30), "30wd").date           # the last day to apply for renewal

This layer knows nothing of processes; every other layer may import it.
"""

from __future__ import annotations

from policyflow.legaltime.calendar import (
    Calendar,
    business_years,
    china,
    load_calendar,
    parse_date,
    require_business_year,
)
from policyflow.legaltime.counting import DueDate, add_months
from policyflow.legaltime.day_table import DayKind, YearSource
from policyflow.legaltime.explain import DayStatus, ExplainedDay, Explanation, Run
from policyflow.legaltime.numerals import parse_chinese_number
from policyflow.legaltime.period import Period, PeriodLike, Unit
from policyflow.legaltime.recurrence import Recurrence
from policyflow.legaltime.tolling import Interval, IntervalLike, merge_intervals

__all__ = [
    "Calendar",
    "DayKind",
    "DayStatus",
    "DueDate",
    "ExplainedDay",
    "Explanation",
    "Interval",
    "IntervalLike",
    "Period",
    "PeriodLike",
    "Recurrence",
    "Run",
    "Unit",
    "YearSource",
    "add_months",
    "business_years",
    "china",
    "load_calendar",
    "merge_intervals",
    "parse_chinese_number",
    "parse_date",
    "require_business_year",
]
