"""`policyflow simulate`: run many cases of a process in simulated time and summarise them."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from policyflow.cli import app
from policyflow.cli.calendars import CalendarFile, Provisional, calendar_from
from policyflow.cli.extras import require
from policyflow.cli.output import console, emit, writable
from policyflow.errors import InvalidDate, InvalidInput


def _parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidDate(f"invalid --start {text!r}: expected a date such as 2023-05-04") from None


@app.command()
def simulate(
    process: Annotated[str, typer.Argument(help="A built-in process id or a process file.")],
    cases: Annotated[int | None, typer.Option("--cases", "-n", help="How many cases.")] = None,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed, the same result.")] = 0,
    scenario: Annotated[
        Path | None, typer.Option(help="A scenario YAML file (default: the one shipped).")
    ] = None,
    start: Annotated[
        str | None,
        typer.Option(help="First arrival day, YYYY-MM-DD: moves the scenario's arrival window."),
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Write the per-case table (.csv or .parquet).")
    ] = None,
    xes: Annotated[Path | None, typer.Option(help="Write the event log as XES.")] = None,
    workers: Annotated[
        int | None,
        typer.Option(help="Processes that simulate, this one included (default: every core)."),
    ] = None,
    processes: Annotated[
        Path | None,
        typer.Option(
            help="A folder laid out like processes/ where PROCESS and its child processes are "
            "looked up (default: beside a process file, then the built-ins)."
        ),
    ] = None,
    provisional: Provisional = False,
    calendar_file: CalendarFile = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Simulate cases of PROCESS on the legal calendar and print a summary."""
    from policyflow.definition.catalog import load
    from policyflow.sim import simulate as run

    first_day = None if start is None else _parse_day(start)
    writable(out, what="the case table")
    writable(xes, what="the XES log")
    if out is not None and out.suffix.lower() not in (".csv", ".parquet"):
        raise InvalidInput(f"invalid --out {out}: expected a .csv or .parquet file name")
    if out is not None and out.suffix.lower() == ".parquet":
        require("pyarrow", f"writing {out} (Parquet; .csv needs nothing more)", extra="notebook")
    require("pandas", "the simulation summary", extra="pandas")  # before the cases run
    calendar = calendar_from(provisional, calendar_file)
    definition = load(process, root=processes)
    bar = Progress(
        TextColumn("[bold]simulating {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("cases"),
        TimeElapsedColumn(),
        console=console,
        transient=as_json,
        disable=as_json,
    )
    task = bar.add_task(definition.id, total=cases)  # its clock starts now
    shown = False

    def advance(done: int, total: int) -> None:
        # The bar appears with the first finished batch: a mistake in the scenario or the
        # counts is reported before it, alone, with no empty bar above it.
        nonlocal shown
        if not shown:
            bar.start()
            shown = True
        bar.update(task, completed=done, total=total)

    try:
        result = run(
            Path(process) if Path(process).is_file() else definition,  # children beside it
            scenario,
            cases=cases,
            seed=seed,
            start=first_day,
            workers=workers,
            calendar=calendar,
            progress=advance,
            processes=processes,
        )
    finally:
        if shown:
            bar.stop()
    if out is not None:
        result.write_cases(out)
    if xes is not None:
        result.write_xes(xes)
    summary = _summary(result, out=out, xes=xes)
    emit(summary, as_json=as_json, render=lambda: _render(summary))


def _summary(result: Any, *, out: Path | None, xes: Path | None) -> dict[str, Any]:
    summary: dict[str, Any] = result.summary()
    return summary | {
        "out": None if out is None else str(out),
        "xes": None if xes is None else str(xes),
    }


def _render(summary: dict[str, Any]) -> None:
    median = summary["duration_days"]["median"]
    p90 = summary["duration_days"]["p90"]
    console.print(
        f"[bold]{summary['process']}[/]: {summary['cases']:,} cases, {summary['events']:,} events, "
        f"seed {summary['seed']}, first arrival {summary['first_arrival']}"
    )
    if median is not None:
        console.print(
            f"time to a final state: median {median:g} days, 90th percentile {p90:g} days"
        )
    outcomes = Table(title="Outcomes")
    outcomes.add_column("outcome")
    outcomes.add_column("cases", justify="right")
    outcomes.add_column("share", justify="right")
    for row in summary["outcomes"]:
        outcomes.add_row(row["outcome"], f"{row['cases']:,}", f"{row['share']:.1%}")
    console.print(outcomes)
    deadlines = Table(title="Deadlines: how their runs ended")
    deadlines.add_column("deadline")
    counts = ("started", "met_in_time", "met_late", "lapsed", "overdue", "cancelled", "running")
    for key in counts:
        deadlines.add_column(key.replace("_", " "), justify="right")
    deadlines.add_column("late or overdue", justify="right")
    for row in summary["deadlines"]:
        share = row["share_late_or_overdue"]
        deadlines.add_row(
            row["deadline"],
            *(f"{row[key]:,}" for key in counts),
            "–" if share is None else f"{share:.1%}",
        )
    console.print(deadlines)
    console.print(
        "lapsed: the period ran out and the law's consequence applied by itself (a deemed "
        "waiver, a release): a lawful end, not a breach. late or overdue: met after the limit, "
        "or past it and not met, among the runs that ended.",
        markup=False,
        highlight=False,
    )
    for label in ("out", "xes"):
        if summary[label]:
            console.print(f"wrote {summary[label]}")
