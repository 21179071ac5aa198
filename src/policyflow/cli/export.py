"""`policyflow export --xes FILE | --csv FILE`: the journal as an event log."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from policyflow.cli import app
from policyflow.cli.case import DbOption, JsonOption, open_engine
from policyflow.cli.output import console, emit, writable
from policyflow.errors import InvalidInput


@app.command()
def export(
    xes: Annotated[
        Path | None, typer.Option("--xes", metavar="FILE", help="Write an XES event log.")
    ] = None,
    csv: Annotated[
        Path | None, typer.Option("--csv", metavar="FILE", help="Write a CSV event log.")
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Export every case's journal as an event log (XES column names; process mining)."""
    if xes is None and csv is None:
        raise InvalidInput("nothing to export: give --xes FILE, --csv FILE, or both")
    writable(xes, what="the XES log")
    writable(csv, what="the CSV log")
    written = []
    with open_engine(db, reads_only=True) as engine:
        for path, kind in ((xes, "xes"), (csv, "csv")):
            if path is not None:
                written.append(str(engine.export(path, format=kind)))
    emit(
        {"written": written},
        as_json=as_json,
        render=lambda: console.print("\n".join(f"wrote {p}" for p in written)),
    )
