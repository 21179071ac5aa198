"""The calendar options shared by the commands that count legal time.

`due`, `simulate`, `tick` and `case start`/`fire`/`show` take them. Each can also be set
once for a shell: ``POLICYFLOW_PROVISIONAL=1``, ``POLICYFLOW_CALENDAR=FILE``; an engine's
commands should all count on the same calendar. The years kept with ``policyflow calendar
add FILE`` (no --db) in ``$POLICYFLOW_CALENDARS`` are part of it for every command.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from policyflow import legaltime
from policyflow.legaltime import Calendar
from policyflow.legaltime.notices import with_user_years

#: --provisional: years without a published schedule count weekends and fixed holidays only.
Provisional = Annotated[
    bool,
    typer.Option(
        "--provisional",
        envvar="POLICYFLOW_PROVISIONAL",
        help="Count unpublished years by weekends and fixed statutory days only.",
    ),
]

#: --calendar FILE: a calendar file (a later year's notice, say) extending the official one.
CalendarFile = Annotated[
    Path | None,
    typer.Option(
        "--calendar",
        metavar="FILE",
        envvar="POLICYFLOW_CALENDAR",
        help="A calendar file extending the official one (a later year's notice).",
    ),
]


def calendar_from(provisional: bool, calendar_file: Path | None) -> Calendar:
    """The official calendar and the user's kept years, provisional beyond, and a file.

    Provisional beyond the years only if asked; extended by `calendar_file` if given.

    Raises:
        CalendarFileError: the file cannot be read or is not a valid calendar (naming
            what is wrong and where).
    """
    base = with_user_years(legaltime.china(provisional=provisional))
    return base if calendar_file is None else legaltime.load_calendar(calendar_file, base)
