"""Legal time inside CEL: add_working_days, due, before, working_days_between, is_working_day.

Expected dates are derived by hand from the 2023 State Council holiday notice: 2023-09-29
to 2023-10-06 are holidays (中秋节、国庆节), 2023-10-07 (Sat) and 2023-10-08 (Sun) are
make-up working days. 2027 is not published (the shipped calendar ends with 2026); under
the provisional rule 2027-01-01 (a Friday) is 元旦 and 01-02/01-03 are a weekend.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from policyflow.definition.expressions import (
    CALENDAR,
    Expression,
    LegalTimeExpression,
    check_expression,
    compile_expression,
)
from policyflow.errors import CalendarNotPublished, InvalidInput
from policyflow.legaltime import china

from .test_expressions import fields


def day(value: datetime) -> date:
    """A CEL timestamp result as its day."""
    assert value.tzinfo is not None and value.hour == 0
    return value.astimezone(UTC).date()


def run(source: str, **scope: object) -> object:
    return compile_expression(source, {}).evaluate(scope)


def test_add_working_days_skips_the_national_day_holidays():
    """The n-th working day after d, d not counted: 5 wd after Mon 2023-09-25 is Sun 10-08."""
    # 26, 27, 28 (3); 29..06 holidays; 10-07 make-up (4); 10-08 make-up (5)
    assert day(run("add_working_days(d, 5)", d=date(2023, 9, 25))) == date(2023, 10, 8)
    assert day(run("add_working_days(d, 4)", d=date(2023, 9, 25))) == date(2023, 10, 7)
    assert day(run("add_working_days(d, 6)", d=date(2023, 9, 25))) == date(2023, 10, 9)


def test_due_and_before_take_period_text_as_the_articles_write_it():
    """due(d, '三十日') rolls a holiday over to the next working day; before mirrors it."""
    # 2023-09-01 + 30 days = 10-01 (国庆节): rolls over to the make-up day 10-07
    assert day(run("due(d, '三十日')", d=date(2023, 9, 1))) == date(2023, 10, 7)
    assert day(run("due(d, '30d', false)", d=date(2023, 9, 1))) == date(2023, 10, 1)
    # 3 wd before Mon 10-09 (not counted): 10-08 (1), 10-07 (2), 09-28 (3)
    assert day(run("before(d, '3wd')", d=date(2023, 10, 9))) == date(2023, 9, 28)
    assert day(run("d.due('1wd')", d=date(2023, 9, 28))) == date(2023, 10, 7)


def test_working_days_between_and_is_working_day():
    """(a, b] counts working days; make-up Saturdays work, holiday Mondays do not."""
    # (09-28, 10-09]: 10-07, 10-08, 10-09
    assert run("working_days_between(a, b)", a=date(2023, 9, 28), b=date(2023, 10, 9)) == 3
    assert run("working_days_between(a, a)", a=date(2023, 9, 28)) == 0
    assert run("is_working_day(d)", d=date(2023, 10, 7)) is True  # make-up Saturday
    assert run("is_working_day(d)", d=date(2023, 10, 2)) is False  # 国庆节, a Monday
    assert run("is_working_day(d)", d=date(2023, 10, 9)) is True
    # a business time counts by its own day
    assert run("is_working_day(at)", at=datetime(2023, 10, 2, 23, 59)) is False


def test_the_scope_calendar_is_used_and_memoised_apart():
    """The calendar in the scope counts; a result under one calendar is not reused for another."""
    expression = compile_expression("add_working_days(d, 1)", {})
    provisional = china(provisional=True)
    # provisional 2027: 01-01 元旦 (Fri), 01-02/01-03 weekend → Mon 01-04
    found = expression.evaluate({"d": date(2026, 12, 31), CALENDAR: provisional})
    assert day(found) == date(2027, 1, 4)
    with pytest.raises(CalendarNotPublished) as caught:
        expression.evaluate({"d": date(2026, 12, 31), CALENDAR: china()})
    assert caught.value.year == 2027
    with pytest.raises(CalendarNotPublished):
        expression.evaluate({"d": date(2026, 12, 31)})  # no calendar: china()


def test_misuse_at_run_time_names_the_function_and_argument():
    """A wrong type, a zero count or a bad period is a clear InvalidInput, not a CEL dump."""
    with pytest.raises(InvalidInput, match=r"add_working_days\(date, int\): argument 2 is string"):
        run("add_working_days(d, n)", d=date(2023, 1, 2), n="3")
    with pytest.raises(InvalidInput, match="argument 1 is null, expected a date"):
        run("is_working_day(d)", d=None)
    with pytest.raises(InvalidInput, match="a period is at least 1 wd"):
        run("add_working_days(d, 0)", d=date(2023, 1, 2))
    with pytest.raises(InvalidInput, match=r"due\(date, period string.*invalid period 'x'"):
        run("due(d, p)", d=date(2023, 1, 2), p="x")
    with pytest.raises(InvalidInput) as caught:
        run("add_working_days(d, 0)", d=date(2023, 1, 2))
    assert not isinstance(caught.value, CalendarNotPublished)


def test_only_expressions_calling_legal_time_take_the_calendar_path():
    """Everything else stays a plain Expression: no Context, no slower evaluation."""
    declared = fields(budget="money")
    assert type(compile_expression("budget >= 1000000", declared)) is Expression
    assert type(compile_expression("today + duration('86400s')", declared)) is Expression
    assert (
        type(compile_expression("add_working_days(today, 3) > today", declared))
        is LegalTimeExpression
    )
    assert (
        compile_expression("budget >= 1000000 && is_working_day(today)", declared).evaluate(
            {"budget": Decimal("1000000.00"), "today": date(2023, 10, 7)}
        )
        is True
    )


def test_linter_dry_run_accepts_the_functions_and_their_results():
    """Well-typed calls type-check, and their results have the types they promise."""
    declared = fields(served_on="date", days="int", budget="money")
    for source, expect in [
        ("add_working_days(served_on, days)", "date"),
        ("due(served_on, '九十日')", "date"),
        ("before(served_on, '30wd', false)", "date"),
        ("working_days_between(served_on, today) <= 15", "bool"),
        ("is_working_day(today)", "bool"),
    ]:
        assert check_expression(compile_expression(source, declared, expect=expect)) == []


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ("add_working_days(served_on)", "add_working_days(date, int) takes 2 argument(s), got 1"),
        ("add_working_days(served_on, 'x')", "argument 2 is string, expected int"),
        ("add_working_days(served_on, 1.5)", "argument 2 is double, expected int"),
        ("is_working_day(budget)", "`budget` is an amount: is_working_day() of it is not exact"),
        ("due(served_on)", "takes 2 or 3 argument(s), got 1"),
        ("due(served_on, '30 wdx')", "due(): invalid period '30 wdx'"),
        ("add_workdays(served_on, 3)", "unknown function 'add_workdays'"),
        ("working_days_between(served_on, today)", "gives int, expected true or false"),
    ],
)
def test_linter_dry_run_rejects_misuse(source, problem):
    """Wrong arity, wrong types, a bad period literal, a typo or a wrong result are reported."""
    declared = fields(served_on="date", budget="money")
    problems = check_expression(compile_expression(source, declared, expect="bool"))
    assert any(problem in p for p in problems), problems


def test_unknown_function_suggests_the_closest():
    """A misspelt legal-time function gets a did-you-mean."""
    (problem,) = check_expression(compile_expression("add_workdays(today, 3)", {}, expect="date"))
    assert problem == "unknown function 'add_workdays' (did you mean 'add_working_days'?)"
