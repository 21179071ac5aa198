"""`policyflow due`: a due date under Chinese law, explained."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

import typer
from rich.table import Table

from policyflow import legaltime
from policyflow.cli import app
from policyflow.cli.calendars import CalendarFile, Provisional, calendar_from
from policyflow.cli.output import console, emit
from policyflow.errors import CalendarNotPublished, InvalidDate, InvalidInput
from policyflow.legaltime import Calendar, DayStatus, DueDate, Interval

_WEEKDAYS = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")
_STATUS_STYLE = {
    DayStatus.COUNTED: "green",
    DayStatus.SKIPPED: "dim",
    DayStatus.SUSPENDED: "yellow",
    DayStatus.ROLLED_OVER: "magenta",
}


def parse_moment(text: str, *, what: str) -> date | datetime:
    """Read an ISO date (``2023-09-28``) or date and time (``2023-09-28T10:00``).

    Raises:
        InvalidDate: the text is neither.
    """
    cleaned = text.strip()
    if len(cleaned) == 10:
        return legaltime.parse_date(cleaned, what=what)
    try:
        return datetime.fromisoformat(cleaned)
    except ValueError:
        raise InvalidDate(
            f"invalid {what} {text!r}: expected an ISO date such as '2023-09-28' "
            "or a date and time such as '2023-09-28T10:00'"
        ) from None


# ignore_unknown_options: "-5d" reaches Period.parse, which explains why it is refused.
@app.command(context_settings={"ignore_unknown_options": True})
def due(
    arguments: Annotated[
        list[str],
        typer.Argument(
            metavar="START PERIOD",
            help="The start day (not counted) and the period: 15wd, 30d, 3mo, 1y, 72h, "
            "十五个工作日, 九十日, 三个月. With --before, only the PERIOD.",
            show_default=False,
        ),
    ],
    before: Annotated[
        str | None,
        typer.Option(
            "--before",
            metavar="REFERENCE",
            help="Count back from REFERENCE instead (届满三十个工作日前).",
        ),
    ] = None,
    suspend: Annotated[
        list[str] | None,
        typer.Option(
            "--suspend",
            metavar="FIRST:LAST",
            help="Days that do not count (hearing, testing, appraisal); repeatable.",
        ),
    ] = None,
    extend: Annotated[
        list[str] | None,
        typer.Option("--extend", metavar="PERIOD", help="An extension; repeatable."),
    ] = None,
    no_rollover: Annotated[
        bool,
        typer.Option(
            "--no-rollover",
            help="Do not move a last day that is not a working day (民法典 第二百零三条).",
        ),
    ] = False,
    provisional: Provisional = False,
    calendar_file: CalendarFile = None,
    explain: Annotated[
        bool, typer.Option("--explain", help="Show every day counted or skipped.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Compute a due date: the start day is not counted; holidays and 调休 are applied."""
    expected = 1 if before is not None else 2
    if len(arguments) != expected:
        usage = "PERIOD (with --before REFERENCE)" if before is not None else "START PERIOD"
        raise InvalidInput(
            f"expected {usage}, got {len(arguments)} argument(s): {' '.join(arguments)!r}"
        )
    calendar = calendar_from(provisional, calendar_file)
    rollover = not no_rollover
    extensions = tuple(extend or ())
    if before is not None:
        if suspend:
            raise InvalidInput("--suspend applies to counting forwards, not with --before")
        reference = parse_moment(before, what="reference date")
        result = calendar.before(reference, arguments[0], rollover=rollover, extensions=extensions)
    else:
        start = parse_moment(arguments[0], what="start date")
        intervals = [Interval.parse(text) for text in suspend or ()]
        result = calendar.due(
            start, arguments[1], suspensions=intervals, extensions=extensions, rollover=rollover
        )
    data: dict[str, Any] = result.to_dict()
    if explain:
        data["explanation"] = result.explain().to_dict()
    emit(data, as_json=as_json, render=lambda: render_due(result, explain=explain))


def describe(result: DueDate) -> str:
    """One line: the due date, its weekday and how it was reached."""
    day = result.date
    when = result.at.isoformat(sep=" ") if result.at is not None else day.isoformat()
    periods = " + ".join(p.zh for p in (result.period, *result.extensions))
    if result.direction == "before":
        how = f"{periods} before {result.start.isoformat()}"
    else:
        how = f"{periods} after {result.start.isoformat()}"
    line = f"[bold]{when}[/bold] ({_WEEKDAYS[day.weekday()]}): {how}"
    if result.suspensions:
        line += ", suspended " + ", ".join(str(i) for i in result.suspensions)
    if result.rolled_over_from is not None:
        line += f", rolled over from {result.rolled_over_from.isoformat()}"
    return line


def render_due(result: DueDate, *, explain: bool) -> None:
    """Print a due date with rich; with `explain`, the days counted and skipped."""
    console.print(f"due {describe(result)}")
    if result.provisional:
        console.print(
            "[yellow]provisional[/yellow]: uses a year whose official schedule is not "
            "published (weekends and fixed statutory days only, no 调休)"
        )
    explanation = result.explain()
    if explain:
        table = Table(title="days counted and skipped", title_justify="left")
        for column in ("days", "count", "status", "kind"):
            table.add_column(column, no_wrap=True)
        table.add_column("holiday")
        for run in explanation.runs():
            span = run.first.isoformat()
            if run.days > 1:
                span += f"…{run.last:%m-%d}"
            if run.first_number is None:
                count = ""
            elif run.first_number == run.last_number:
                count = str(run.first_number)
            else:
                count = f"{run.first_number}–{run.last_number}"
            if run.step:
                count = f"{count} (ext. {run.step})" if count else f"(ext. {run.step})"
            style = _STATUS_STYLE[run.status]
            kind = "" if run.kind is None else run.kind.zh
            table.add_row(
                span, count, f"[{style}]{run.status.value}[/{style}]", kind, run.name or ""
            )
        console.print(table)
        for note in explanation.notes:
            console.print(f"note: {note}")
    for basis in explanation.basis:
        console.print(f"[dim]legal basis: {basis}[/dim]")


def working_days_left(calendar: Calendar | None, today: date, due: date | None) -> int | None:
    """Working days from `today` to `due` (None: no due date, or a year not published)."""
    if due is None:
        return None
    try:
        return (calendar or legaltime.china()).working_days_between(today, due)
    except CalendarNotPublished:
        return None
