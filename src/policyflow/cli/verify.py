"""`policyflow verify`: recompute the journal's hash chain; exit 5 at the first broken row."""

from __future__ import annotations

from typing import Annotated

import typer

from policyflow.cli import app
from policyflow.cli.case import DbOption, JsonOption, open_engine
from policyflow.cli.output import console, emit


@app.command()
def verify(
    case_id: Annotated[
        str | None, typer.Argument(metavar="[ID]", help="Only this case (default: all).")
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Check that no journal row was changed, removed or reordered."""
    with open_engine(db) as engine:
        checked = engine.verify(case_id)
    scope = "all cases" if case_id is None else f"case {case_id}"
    emit(
        {"ok": True, "case": case_id, "entries": checked},
        as_json=as_json,
        render=lambda: console.print(f"journal intact: {checked} entries checked ({scope})"),
    )
