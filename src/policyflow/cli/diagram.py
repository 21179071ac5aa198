"""`policyflow diagram`: a process as Mermaid, SVG, DOT, BPMN or SCXML; diagrams/ kept current."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from policyflow.cli import app
from policyflow.cli.output import console, emit, error_console, print_json, writable
from policyflow.errors import InvalidInput

if TYPE_CHECKING:
    from policyflow.definition.model import Process


class Format(StrEnum):
    """The formats `policyflow diagram` writes."""

    MERMAID = "mermaid"
    SVG = "svg"
    DOT = "dot"
    BPMN = "bpmn"
    SCXML = "scxml"


def _builtins(root: Path | None) -> list[Process]:
    from policyflow.definition.catalog import discover, load

    return [load(process_id, root=root) for process_id in discover(root)]


@app.command()
def diagram(
    process: Annotated[
        str | None,
        typer.Argument(
            metavar="[ID]", help="A built-in process id or a process file.", show_default=False
        ),
    ] = None,
    fmt: Annotated[
        Format, typer.Option("--format", "-f", help="Output format (mermaid: a Markdown page).")
    ] = Format.MERMAID,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")
    ] = None,
    all_: Annotated[
        bool,
        typer.Option("--all", help="Render every built-in process in every format into --dir."),
    ] = False,
    check: Annotated[
        bool,
        typer.Option(
            "--check", help="Exit 1 naming each stale or missing file when --dir is not current."
        ),
    ] = False,
    folder: Annotated[
        Path, typer.Option("--dir", help="The diagrams folder for --all and --check.")
    ] = Path("diagrams"),
    root: Annotated[
        Path | None,
        typer.Option(
            "--processes", help="A folder laid out like processes/ (default: the built-ins)."
        ),
    ] = None,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json",
            help="Print one JSON object: the drawing as text, or what --all/--check found.",
        ),
    ] = False,
) -> None:
    """Draw a process; or, with --all, every built-in process in every format into diagrams/."""
    from policyflow.definition.catalog import load
    from policyflow.render import export

    if all_ or check:
        if process is not None:
            raise InvalidInput("give a process ID or --all/--check, not both")
        processes = _builtins(root)
        if check:
            problems = export.check(processes, folder)
            report: dict[str, Any] = {
                "dir": str(folder),
                "processes": len(processes),
                "current": not problems,
                "problems": [str(p) for p in problems],
            }
            if as_json:
                print_json(report)
            elif problems:
                for problem in problems:
                    error_console.print(f"{problem}", markup=False)
                error_console.print(
                    f"{folder} is not current with the processes ({len(problems)} file(s)): "
                    "run `policyflow diagram --all`",
                    markup=False,
                )
            else:
                console.print(f"{folder} is current: {len(processes)} process(es)", markup=False)
            if problems:
                raise typer.Exit(1)
            return
        changed = export.write_all(processes, folder)
        emit(
            {"dir": str(folder), "processes": len(processes), "changed": [str(c) for c in changed]},
            as_json=as_json,
            render=lambda: console.print(
                f"{len(processes)} process(es) rendered into {folder}: "
                f"{len(changed)} file(s) changed",
                markup=False,
            ),
        )
        return
    if process is None:
        raise InvalidInput("give a process ID (see `policyflow processes`) or --all")
    writable(output, what="the diagram")
    definition = load(process, root=root)
    text = export.render(definition, fmt.value)
    if output is not None:
        output.write_text(text, encoding="utf-8")
    if as_json:
        data: dict[str, Any] = {
            "process": definition.id,
            "version": definition.version,
            "format": fmt.value,
        }
        data.update({"text": text} if output is None else {"written": str(output)})
        print_json(data)
    elif output is None:
        sys.stdout.write(text)
