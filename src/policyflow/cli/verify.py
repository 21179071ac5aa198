"""`policyflow verify`: prove the stored state; exit 5 at the first difference found."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from policyflow.cli import app
from policyflow.cli.calendars import CalendarFile, Provisional, calendar_from
from policyflow.cli.case import DbOption, JsonOption, open_engine
from policyflow.cli.output import console, emit


@app.command()
def verify(
    case_id: Annotated[
        str | None, typer.Argument(metavar="[ID]", help="Only this case (default: all).")
    ] = None,
    anchor: Annotated[
        Path | None,
        typer.Option(
            "--anchor",
            metavar="FILE",
            help="Write the chain heads to FILE, or, when FILE exists, check them against it.",
        ),
    ] = None,
    provisional: Provisional = False,
    calendar_file: CalendarFile = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Check the journal's hash chain, the definitions, and every case against its journal.

    Each stored definition must hash to its version; no case may be missing; each case's
    journal, replayed through the rules, must give its state, data and deadlines
    (counted on the calendar the cases were run on: --provisional, --calendar). With
    POLICYFLOW_HMAC_KEY set, the anchor's digest is an HMAC under that key.
    """
    checking = anchor is not None and anchor.exists()
    secret = os.environ.get("POLICYFLOW_HMAC_KEY")
    key = secret.encode("utf-8") if secret else None
    with open_engine(db, calendar_from(provisional, calendar_file), reads_only=True) as engine:
        checked = engine.verify(case_id, anchor=anchor, key=key)
    scope = "all cases" if case_id is None else f"case {case_id}"
    done = "none" if anchor is None else ("checked" if checking else "written")
    note = "" if anchor is None else f"; anchor {anchor} {done}"
    emit(
        {
            "ok": True,
            "case": case_id,
            "entries": checked,
            "anchor": None if anchor is None else str(anchor),
            "anchor_action": None if anchor is None else done,
        },
        as_json=as_json,
        render=lambda: console.print(
            f"journal intact: {checked} entries checked ({scope}){note}",
            markup=False,
        ),
    )
