"""`policyflow export --xes FILE | --csv FILE`: the journal as an event log."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from policyflow.cli import app
from policyflow.cli.case import DbOption, JsonOption, open_engine
from policyflow.cli.output import console, emit
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
    for path in (xes, csv):
        if path is not None and path.is_dir():
            raise InvalidInput(f"cannot write {path}: it is a folder; give a file name")
    written = []
    with open_engine(db, reads_only=True) as engine:
        for path, kind in ((xes, "xes"), (csv, "csv")):
            if path is not None:
                if not path.parent.is_dir():
                    raise InvalidInput(f"cannot write {path}: folder {path.parent} does not exist")
                written.append(str(engine.export(path, format=kind)))
    emit(
        {"written": written},
        as_json=as_json,
        render=lambda: console.print("\n".join(f"wrote {p}" for p in written)),
    )
