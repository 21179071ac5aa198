"""`policyflow schema [-o FILE]`: the JSON Schema of the process format."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from policyflow.cli import app
from policyflow.cli.output import console
from policyflow.definition.schema import schema_text


@app.command()
def schema(
    output: Annotated[
        Path | None,
        typer.Option(
            "-o", "--output", help="Write to FILE (e.g. processes/policyflow-process.schema.json)."
        ),
    ] = None,
) -> None:
    """Print (or write) the JSON Schema of process files, for editors."""
    text = schema_text()
    if output is None:
        sys.stdout.write(text)
        return
    output.write_text(text, encoding="utf-8")
    console.print(f"wrote {output}", markup=False, highlight=False)
