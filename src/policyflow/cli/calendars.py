"""The calendar options shared by the commands that count legal time (due, simulate)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from policyflow import legaltime
from policyflow.legaltime import Calendar

#: --provisional: years without a published schedule count weekends and fixed holidays only.
Provisional = Annotated[
    bool,
    typer.Option(
        "--provisional",
        help="Count unpublished years by weekends and fixed statutory days only.",
    ),
]

#: --calendar FILE: a calendar file (a later year's notice, say) extending the official one.
CalendarFile = Annotated[
    Path | None,
    typer.Option("--calendar", metavar="FILE", help="A calendar file extending the official one."),
]


def calendar_from(provisional: bool, calendar_file: Path | None) -> Calendar:
    """The official calendar, provisional beyond its years if asked, extended by a file.

    Raises:
        CalendarFileError: the file cannot be read or is not a valid calendar (naming
            what is wrong and where).
    """
    base = legaltime.china(provisional=provisional)
    return base if calendar_file is None else legaltime.load_calendar(calendar_file, base)
