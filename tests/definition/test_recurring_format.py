"""The linter and the loader on recurring deadlines (every, label, label_from).

Each fault at file:line:column, nothing loaded; a process without them keeps its version.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from policyflow.definition.catalog import discover, load
from policyflow.definition.lint import lint_text
from policyflow.definition.loader import load_text
from policyflow.definition.model import _ADDED_KEYS
from policyflow.errors import DefinitionError
from policyflow.legaltime import Recurrence

BASE = """\
title: {{zh: 年度报告, en: Annual report}}
fields:
  - {{id: name, zh: 名称, en: Name, type: str, required: false}}
events:
  - id: reported
    zh: 报告
    en: Reported
    payload: [{{id: year_label, zh: 年度, en: Year, type: str, required: false}},
              {{id: year, zh: 年份, en: Year number, type: int, required: false}}]
  - {{id: paused, zh: 中止, en: Paused}}
  - {{id: resumed, zh: 恢复, en: Resumed}}
  - {{id: dissolved, zh: 撤销, en: Dissolved}}
states:
  - {{id: open, zh: 已登记, en: Open, initial: true, basis: 国科发监〔2023〕167号 第四十五条}}
  - {{id: closed, zh: 已撤销, en: Closed, final: true, basis: 国科发监〔2023〕167号 第四十五条}}
transitions:
  - {{id: dissolve, zh: 撤销, en: Dissolve, event: dissolved, from: open, to: closed,
     basis: 国科发监〔2023〕167号 第四十五条}}
  - {{id: report, zh: 报告, en: Report, event: reported, from: open,
     basis: 国科发监〔2023〕167号 第四十五条}}
  - {{id: pause, zh: 中止, en: Pause, event: paused, from: open,
     basis: 国科发监〔2023〕167号 第四十五条}}
  - {{id: resume, zh: 恢复, en: Resume, event: resumed, from: open,
     basis: 国科发监〔2023〕167号 第四十五条}}
deadlines:
  - id: annual_report
    zh: 年度报告
    en: Annual report
{deadline}
    start_on: {{enter: open}}
    met_by: {{events: reported}}
    basis: 国科发监〔2023〕167号 第四十五条
"""

GOOD = """\
    every: {month: 3, day: 31}
    label: "string(year(due) - 1) + '年度'"
    label_from: payload.year_label"""


def text(deadline: str = GOOD) -> str:
    return BASE.format(deadline=deadline)


def errors(source: str) -> list[str]:
    return [str(p) for p in lint_text(source, "r.yaml") if not p.warning]


def line_of(source: str, needle: str) -> int:
    return next(n for n, line in enumerate(source.splitlines(), 1) if needle in line)


@pytest.mark.parametrize(
    "every",
    [
        "{month: 3, day: 31}",
        "{day: 2}",
        "{months: [3, 6, 9, 12], day: 25}",
        "{period: 十二个月}",
    ],
)
def test_the_four_forms_load(every):
    source = text(f"    every: {every}")
    assert errors(source) == []
    assert load_text(source, "r.yaml").deadlines[0].every is not None


def test_the_good_process_loads_with_label_and_label_from():
    assert errors(text()) == []
    deadline = load_text(text(), "r.yaml").deadlines[0]
    assert deadline.every is not None and deadline.every.recurrence == Recurrence(31, (3,))
    assert (deadline.every.zh, deadline.every.en) == ("每年3月31日", "every year on 31 March")


@pytest.mark.parametrize(
    ("deadline", "message"),
    [
        ("    every: {month: 3, day: 31}\n    period: 三十日", "takes no 'period'"),
        ("    every: {day: 2}\n    ends_on: today", "takes no 'ends_on'"),
        (
            "    every: {day: 2}\n    suspended_by: {events: paused}\n"
            "    resumed_by: {events: resumed}",
            "takes no 'suspended_by', 'resumed_by'",
        ),
        (
            "    every: {day: 2}\n    extension: {id: x, zh: 延长, en: Extend, event: reported, "
            "period: 十日, basis: 国科发监〔2023〕167号 第四十五条}",
            "takes no 'extension'",
        ),
        ("    every: {day: 2}\n    on_expiry: {fire: reported}", "is only overdue"),
        ("    period: 三十日\n    label: \"'x'\"", "'label' and 'label_from' are for a recurring"),
        ("    every: {month: 3}", "every: give {month, day} (yearly)"),
        ("    every: {month: 3, months: [3], day: 1}", "give 'month' or 'months', not both"),
        ("    every: {period: 三个月, day: 1}", "'period' stands alone"),
        ("    every: {months: [3, 13], day: 1}", "months are 1 to 12"),
        ("    every: {day: 32}", "less than or equal to 31"),
        ("    every: {day: 2, week: 1}", "week"),
    ],
)
def test_what_a_recurring_deadline_cannot_take_is_refused_at_its_line(deadline, message):
    source = text(deadline)
    found = errors(source)
    assert any(message in e for e in found), found
    with pytest.raises(DefinitionError):
        load_text(source, "r.yaml")


@pytest.mark.parametrize(
    ("deadline", "needle", "message"),
    [
        (GOOD.replace("year(due) - 1", "year(dew) - 1"), "label:", "unknown name 'dew'"),
        (GOOD.replace("string(year(due) - 1) + '年度'", "year(due)"), "label:", "gives int"),
        (GOOD.replace("year(due)", "year(name)"), "label:", "year(date): argument 1 is string"),
        (
            GOOD.replace("payload.year_label", "payload.year_lable"),
            "label_from",
            "unknown payload field 'year_lable' (did you mean 'year_label'?)",
        ),
        (GOOD.replace("payload.year_label", "payload.year"), "label_from", "gives int"),
        ("    every: {period: 72小时}", "every:", "not hours"),
    ],
)
def test_labels_are_type_checked_where_they_are_written(deadline, needle, message):
    source = text(deadline)
    found = errors(source)
    line = line_of(source, needle)
    assert any(f"r.yaml:{line}:" in e and message in e for e in found), found


def test_a_label_built_with_the_date_helpers_passes():
    label = "string(year(add_months(due, -3))) + '年第' + string((month(due) + 2) / 3) + '季度'"
    assert (
        errors(text(f'    every: {{months: [3, 6, 9, 12], day: 25}}\n    label: "{label}"')) == []
    )


def test_a_recurring_deadline_nothing_meets_is_a_warning():
    source = text("    every: {day: 2}").replace("    met_by: {events: reported}\n", "")
    found = [str(p) for p in lint_text(source, "r.yaml") if p.warning]
    assert any("nothing meets it" in e for e in found), found


def test_the_new_keys_are_added_keys_so_existing_versions_do_not_change():
    assert {"every", "label", "label_from"} <= _ADDED_KEYS
    diagrams = Path(__file__).parents[2] / "diagrams"
    checked = 0
    for process_id in discover():
        page = diagrams / f"{process_id}.md"
        if page.exists():
            assert f"version `{load(process_id).version}`" in page.read_text(encoding="utf-8")
            checked += 1
    assert checked > 0


# --- the recurrence itself (legaltime) ----------------------------------------------------


@pytest.mark.parametrize(
    ("recurrence", "after", "expected"),
    [
        (Recurrence.yearly(3, 31), date(2024, 3, 30), date(2024, 3, 31)),
        (Recurrence.yearly(3, 31), date(2024, 3, 31), date(2025, 3, 31)),  # strictly after
        (Recurrence.yearly(2, 29), date(2024, 3, 1), date(2025, 2, 28)),  # no 29 Feb in 2025
        (Recurrence.yearly(2, 29), date(2027, 3, 1), date(2028, 2, 29)),
        (Recurrence.monthly(31), date(2024, 4, 1), date(2024, 4, 30)),
        (Recurrence.monthly(31), date(2024, 4, 30), date(2024, 5, 31)),
        (Recurrence.monthly(31), date(2025, 1, 31), date(2025, 2, 28)),
        (Recurrence.monthly(2), date(2024, 12, 2), date(2025, 1, 2)),
        (Recurrence(25, (12, 3, 9, 6)), date(2024, 12, 25), date(2025, 3, 25)),
        (Recurrence(25, (3, 6, 9, 12)), date(2024, 6, 24), date(2024, 6, 25)),
    ],
)
def test_the_next_recurring_day(recurrence, after, expected):
    assert recurrence.next_after(after) == expected


def test_a_recurrence_says_itself():
    quarterly = Recurrence(25, (12, 3, 9, 6))
    assert quarterly.months == (3, 6, 9, 12)
    assert quarterly.canonical == "every 03/06/09/12-25"
    assert quarterly.zh == "每年3、6、9、12月25日"
    assert Recurrence.monthly(2).canonical == "every month 02"
    assert Recurrence.monthly(2).zh == "每月2日"
    assert Recurrence.yearly(3, 31).canonical == "every 03-31"


# --- the date functions in CEL ------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("add_months(date(2024, 1, 31), 1)", date(2024, 2, 29)),  # the month's last day
        ("add_months(date(2023, 1, 31), 1)", date(2023, 2, 28)),
        ("add_months(date(2024, 3, 31), -1)", date(2024, 2, 29)),
        ("add_months(date(2024, 2, 29), 12)", date(2025, 2, 28)),
        ("end_of_month(date(2024, 2, 10))", date(2024, 2, 29)),
        ("end_of_month(date(2023, 12, 31))", date(2023, 12, 31)),
        ("year(date(2024, 3, 31)) * 100 + month(date(2024, 3, 31))", 202403),
        ("day(end_of_month(date(2024, 4, 2)))", 30),
    ],
)
def test_the_date_functions(source, expected):
    from policyflow.definition.expressions import compile_expression, from_cel

    value = from_cel(compile_expression(source, {}).evaluate({}), None)
    assert (value.date() if isinstance(value, datetime) else value) == expected


def test_a_date_that_does_not_exist_names_itself():
    from policyflow.definition.expressions import compile_expression
    from policyflow.errors import InvalidInput

    with pytest.raises(InvalidInput, match=r"date\(2025, 2, 29\): day is out of range"):
        compile_expression("date(2025, 2, 29)", {}).evaluate({})
