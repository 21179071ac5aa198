"""The --durability option of the commands that write (``$POLICYFLOW_DURABILITY``)."""

from __future__ import annotations

from typing import Annotated

import typer

#: --durability normal|full: how durable each commit is (policyflow.store.database).
DurabilityOption = Annotated[
    str | None,
    typer.Option(
        "--durability",
        metavar="normal|full",
        envvar="POLICYFLOW_DURABILITY",
        help="normal (default): a power cut may lose the last commits; full: every commit "
        "is on disk when it returns (SQLite synchronous=FULL).",
    ),
]
