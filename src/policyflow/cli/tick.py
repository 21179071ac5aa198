"""`policyflow tick`: fire every deadline that is due and mark overdue ones."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from policyflow.cli import app
from policyflow.cli.calendars import CalendarFile, Provisional, calendar_from
from policyflow.cli.case import DbOption, JsonOption, open_engine
from policyflow.cli.due import parse_moment
from policyflow.cli.durability import DurabilityOption
from policyflow.cli.output import console, emit


@app.command()
def tick(
    now: Annotated[
        str | None,
        typer.Option("--now", metavar="WHEN", help="Pretend it is WHEN (default: now, CST)."),
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Say what would expire; write nothing, create nothing."),
    ] = False,
    provisional: Provisional = False,
    calendar_file: CalendarFile = None,
    db: DbOption = None,
    durability: DurabilityOption = None,
    as_json: JsonOption = False,
) -> None:
    """Fire every expired deadline's event and mark overdue deadlines; idempotent."""
    moment = None if now is None else parse_moment(now, what="tick time")
    calendar = calendar_from(provisional, calendar_file)
    with open_engine(db, calendar, reads_only=dry_run, durability=durability) as engine:
        report = engine.tick(moment, dry_run=dry_run)

    def render() -> None:
        when = report.now.isoformat(sep=" ", timespec="minutes")
        counts = f"{len(report.fired)} fired, {len(report.overdue)} marked overdue"
        if report.dry_run:
            console.print(f"dry run, nothing written: a tick at {when} would do {counts}")
        else:
            console.print(f"tick at {when}: {counts}")
        for action in report.actions:
            at = action.at.isoformat(sep=" ", timespec="minutes")
            console.print(
                f"  case {action.case_id}: deadline {action.deadline} {action.action}"
                f"{'' if action.label is None else ' ' + action.label} "
                f"(expired {at}) → {action.event}, now {action.to_state}",
                markup=False,
            )
        for case_id in report.skipped:
            console.print(f"  case {case_id}: held by another worker, skipped", markup=False)
        for case_id, reason in report.refused:
            console.print(f"  case {escape(case_id)}: [red]refused[/red]: {escape(reason)}")

    emit(report.to_dict(), as_json=as_json, render=render)
