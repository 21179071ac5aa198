"""`policyflow calendar show YEAR` and `policyflow calendar add FILE`: the yearly lifecycle.

``show`` prints a year's days off (statutory holidays and shifted rest days) and make-up
working days, with the notice they come from. ``add`` checks a newly published notice
(:mod:`policyflow.legaltime.notices`: refused with ``file:line`` and exit 2, nothing
changed) and keeps it: with ``--db``, in the database, where every provisional deadline
over its year is counted again (:mod:`policyflow.engine.calendars`); without, as a user
calendar file (``$POLICYFLOW_CALENDARS``) that every command and
``legaltime.notices.with_user_years()`` reads.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import typer
from rich.markup import escape

from policyflow.cli import app
from policyflow.cli.calendars import CalendarFile, Provisional, calendar_from
from policyflow.cli.case import DbOption, JsonOption, open_engine
from policyflow.cli.output import console, emit
from policyflow.errors import InvalidInput
from policyflow.legaltime import Calendar, DayKind
from policyflow.legaltime.notices import read_notice, save_user_notice

calendar_app = typer.Typer(
    help="A year's holiday schedule: show it, or add a newly published notice.",
    no_args_is_help=True,
)
app.add_typer(calendar_app, name="calendar")

_OFF = (DayKind.STATUTORY_HOLIDAY, DayKind.SHIFTED_REST_DAY)


def year_schedule(calendar: Calendar, year: int) -> dict[str, Any]:
    """A year's source, days off and make-up working days, JSON-ready.

    Raises:
        InvalidInput: the calendar does not cover `year`.
    """
    source = calendar.years.get(year)
    if source is None:
        first, last = calendar.first_year, calendar.last_year
        raise InvalidInput(
            f"the calendar has no year {year}: it covers {first}–{last}; add the year's "
            "notice with 'policyflow calendar add FILE' (or count with --provisional)"
        )
    days = sorted((d, v) for d, v in calendar.entries().items() if d.year == year)

    def listed(kinds: tuple[DayKind, ...]) -> list[dict[str, str | None]]:
        return [
            {"date": d.isoformat(), "kind": kind.value, "name": name}
            for d, (kind, name) in days
            if kind in kinds
        ]

    return {
        "year": year,
        "status": source.status,
        "source": source.source,
        "days_off": listed(_OFF),
        "makeup_workdays": listed((DayKind.MAKEUP_WORKDAY,)),
    }


@calendar_app.command("show")
def show(
    year: Annotated[int, typer.Argument(help="The year, e.g. 2026.")],
    provisional: Provisional = False,
    calendar_file: CalendarFile = None,
    db: Annotated[
        str | None,
        typer.Option("--db", metavar="URL", help="Also the years stored in this database."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Print a year's days off and make-up working days, with the notice they come from."""
    calendar = calendar_from(provisional, calendar_file)
    if db is not None:
        with open_engine(db, calendar, reads_only=True) as engine:
            calendar = engine.calendar or calendar
    schedule = year_schedule(calendar, year)

    def render() -> None:
        console.print(f"{year} ({schedule['status']}): {schedule['source']}", markup=False)
        for title, key in (("days off", "days_off"), ("make-up working days", "makeup_workdays")):
            console.print(f"{title}:")
            for item in schedule[key]:
                day = date.fromisoformat(item["date"])
                kind = DayKind(item["kind"]).zh
                console.print(
                    f"  {item['date']} {day:%a} {kind} {item['name'] or ''}".rstrip(),
                    markup=False,
                )
            if not schedule[key]:
                console.print("  none")

    emit(schedule, as_json=as_json, render=render)


@calendar_app.command("add")
def add(
    file: Annotated[str, typer.Argument(metavar="FILE", help="The notice, as a calendar file.")],
    provisional: Provisional = False,
    calendar_file: CalendarFile = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Check a year's notice and keep it; with --db, recount provisional deadlines over it.

    Without --db the notice is written as a user calendar file ($POLICYFLOW_CALENDARS,
    default ~/.local/share/policyflow/calendars/YEAR.txt), which the other commands read.
    With --db it is stored in the database, and every provisional deadline over its year
    is counted again: each moved date is journaled on its case, with the notice as cause;
    a case whose provisional date had already expired is reported, and left unchanged.
    """
    notice = read_notice(file)
    if db is None:
        paths = save_user_notice(notice)
        data: dict[str, Any] = {
            "notice": notice.name,
            "years": list(notice.years),
            "files": [str(p) for p in paths],
        }
        emit(
            data,
            as_json=as_json,
            render=lambda: console.print(
                f"kept {notice.name} as {', '.join(data['files'])}", markup=False
            ),
        )
        return
    with open_engine(db, calendar_from(provisional, calendar_file)) as engine:
        report = engine.add_calendar(notice)

    def render() -> None:
        years = ", ".join(str(y) for y in report.years)
        console.print(f"stored {years}: {report.notice}", markup=False)
        console.print(f"{len(report.revised)} case(s) revised")
        for case_id, moved in report.revised.items():
            for deadline, old, new in moved:
                console.print(f"  case {case_id}: {deadline} {old} → {new}", markup=False)
        for case_id, conflicts in report.conflicts.items():
            for conflict in conflicts:
                console.print(
                    f"  case {escape(case_id)}: [yellow]reported, not rewritten[/yellow]: "
                    f"{escape(conflict.why)}"
                )
        for case_id, reason in report.refused.items():
            console.print(f"  case {escape(case_id)}: [red]not counted[/red]: {escape(reason)}")

    emit(report.to_dict(), as_json=as_json, render=render)
