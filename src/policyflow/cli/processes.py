"""`policyflow processes`: the built-in processes, as a table or JSON."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from policyflow.cli import app
from policyflow.cli.output import console, emit

if TYPE_CHECKING:
    from policyflow.definition.catalog import CatalogEntry


@app.command()
def processes(
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list of objects.")] = False,
) -> None:
    """List the built-in processes: id, title, source, counts of states, transitions, deadlines."""
    from policyflow.definition.catalog import catalog

    entries = catalog()
    emit([e.to_dict() for e in entries], as_json=as_json, render=lambda: _render(entries))


def _render(entries: list[CatalogEntry]) -> None:
    from policyflow.definition.catalog import builtin_root

    if not entries:
        where = builtin_root()
        console.print(f"no built-in processes yet ({where or 'no processes/ folder found'})")
        return
    table = Table(title="built-in processes", title_justify="left")
    table.add_column("id", style="bold", overflow="fold")
    table.add_column("title")
    table.add_column("source")
    table.add_column("states", justify="right")
    table.add_column("transitions", justify="right")
    table.add_column("deadlines", justify="right")
    for entry in entries:
        table.add_row(
            entry.id,
            f"{entry.title_zh}\n[dim]{entry.title_en}[/dim]",
            ", ".join(entry.sources),
            str(entry.states),
            str(entry.transitions),
            str(entry.deadlines),
        )
    console.print(table)
