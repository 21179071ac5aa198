"""`policyflow schema [-o FILE]`: the JSON Schema of the process format."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from policyflow.cli import app
from policyflow.cli.output import console, emit


@app.command()
def schema(
    output: Annotated[
        Path | None,
        typer.Option(
            "-o", "--output", help="Write to FILE (e.g. processes/policyflow-process.schema.json)."
        ),
    ] = None,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json", help="Print one JSON object: the schema itself, or with -o what was written."
        ),
    ] = False,
) -> None:
    """Print (or write) the JSON Schema of process files, for editors."""
    from policyflow.definition.schema import schema_text

    text = schema_text()
    if output is None:
        sys.stdout.write(text)  # the schema is one JSON object already, with or without --json
        return
    output.write_text(text, encoding="utf-8")
    emit(
        {"written": str(output)},
        as_json=as_json,
        render=lambda: console.print(f"wrote {output}", markup=False, highlight=False),
    )
