"""`policyflow lint [PATHS]`: check process files; exit 1 on any error."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from policyflow.cli import app
from policyflow.cli.output import console, error_console, print_json


@app.command()
def lint(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Process files or folders (default: every built-in process)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the findings as JSON.")] = False,
) -> None:
    """Check process files: schema, reachability, names, CEL, deadlines, legal bases."""
    from policyflow.definition.lint import lint_paths

    report = lint_paths(paths or ())
    if as_json:
        print_json(
            {
                "files": [str(f) for f in report.files],
                "problems": [p.to_dict() for p in report.problems],
                "ok": report.ok,
            }
        )
    else:
        for problem in report.problems:
            prefix = "warning: " if problem.warning else ""
            error_console.print(f"{prefix}{problem}", markup=False, highlight=False)
        errors = len(report.errors)
        if not report.files and not paths:
            console.print("no built-in processes to lint yet: nothing to check")
        elif errors:
            error_console.print(
                f"{errors} error(s) in {len(report.files)} file(s)", markup=False, highlight=False
            )
        else:
            console.print(
                f"{len(report.files)} file(s) checked: no errors", markup=False, highlight=False
            )
    if not report.ok:
        raise typer.Exit(1)
