"""`policyflow show ID`: one process's states, transitions and deadlines."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from policyflow.cli import app
from policyflow.cli.output import console, emit
from policyflow.errors import UnknownProcess
from policyflow.legaltime import Period

if TYPE_CHECKING:
    from policyflow.definition.model import Process


@app.command()
def show(
    process_id: Annotated[str, typer.Argument(metavar="ID", help="A built-in id or a YAML file.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Show a process: states, transitions with guards and bases, deadlines."""
    from policyflow.definition.catalog import load

    process = load(process_id)
    children = child_processes(process)
    data = describe(process)
    data["child_deadlines"] = [
        {"process": child.id, **_deadline(d)} for child in children for d in child.deadlines
    ]
    emit(data, as_json=as_json, render=lambda: _render(process, children))


def child_processes(process: Process) -> list[Process]:
    """Return the processes of `process`'s family, children first.

    The family is every child it starts, directly or further down, then the built-ins
    whose id starts with its own (``most-penalty.entrustment``).

    A child id that is not a built-in (a user's file naming a process it does not ship) is
    left out: `policyflow lint` is where a missing child is reported.
    """
    from policyflow.definition.catalog import catalog, load

    found: dict[str, Process] = {}
    family = [e.id for e in catalog() if e.id.startswith(f"{process.id}.")]
    pending = [c.process for t in process.transitions for c in t.start_child] + family
    while pending:
        child_id = pending.pop(0)
        if child_id in found or child_id == process.id:
            continue
        try:
            child = load(child_id)
        except UnknownProcess:
            continue
        found[child_id] = child
        pending += [c.process for t in child.transitions for c in t.start_child]
    return list(found.values())


def describe(process: Process) -> dict[str, Any]:
    """The process as JSON-ready data: what `show --json` prints."""
    return {
        "id": process.id,
        "version": process.version,
        "title": {"zh": process.title.zh, "en": process.title.en},
        "sources": [s.model_dump(mode="json") for s in process.sources],
        "fields": [_field(f) for f in process.fields],
        "states": [
            {
                "id": s.id,
                "zh": s.zh,
                "en": s.en,
                "initial": s.initial,
                "final": s.final,
                "basis": s.basis_text,
            }
            for s in process.states
        ],
        "transitions": [
            {
                "id": t.id,
                "event": t.event,
                "from": list(t.from_),
                "to": t.to,
                "to_previous": t.to_previous,
                "reopens": t.reopens,
                "actor": t.actor,
                "guards": [
                    {
                        "id": g.id,
                        "when": g.when,
                        "zh": g.zh,
                        "en": g.en,
                        "soft": g.soft,
                        "basis": g.basis_text,
                    }
                    for g in t.guard
                ],
                "assign": dict(t.assign),
                "start_child": [c.process for c in t.start_child],
                "basis": t.basis_text,
            }
            for t in process.transitions
        ],
        "deadlines": [_deadline(d) for d in process.deadlines],
    }


def _field(field: Any) -> dict[str, Any]:
    """A case field as JSON-ready data; a record list with its sub-fields, each alike."""
    from policyflow.cli.case import field_text

    data: dict[str, Any] = {
        "id": field.id,
        "zh": field.zh,
        "en": field.en,
        "type": field.type.value,
        "items": None if field.items is None else field.items.value,
        "required": field.must_be_given,
        "text": field_text(field),
    }
    if field.fields:
        data["fields"] = [_field(sub) for sub in field.fields]
    return data


def _deadline(deadline: Any) -> dict[str, Any]:
    from policyflow.definition.model import basis_text

    period = None if deadline.period is None else Period.parse(deadline.period)
    extension = deadline.extension
    return {
        "id": deadline.id,
        "zh": deadline.zh,
        "en": deadline.en,
        "period": deadline.period,
        "ends_on": deadline.ends_on,
        "amount": None if period is None else period.amount,
        "unit": None if period is None else period.unit.value,
        "rollover": deadline.rollover,
        "start_on": deadline.start_on.model_dump(),
        "on_expiry": {"fire": deadline.expiry_event} if deadline.expiry_event else "overdue",
        "extension": None
        if extension is None
        else {
            "event": extension.event,
            "period": extension.period,
            "period_from": extension.period_from,
            "max_times": extension.max_times,
            "cap": extension.cap,
            "basis": basis_text(extension.basis),
        },
        "basis": deadline.basis_text,
    }


def _render(process: Process, children: list[Process]) -> None:
    console.print(
        f"[bold]{process.id}[/bold]  {process.title.zh} · {process.title.en}  "
        f"[dim]version {process.version}[/dim]"
    )
    for source in process.sources:
        console.print(f"  {source.doc} 《{source.title}》 in force {source.in_force}")
    states = Table(title="states", title_justify="left")
    for column in ("id", "label", "kind", "basis"):
        states.add_column(column, overflow="fold")
    for s in process.states:
        kind = "initial" if s.initial else ("final" if s.final else "")
        states.add_row(s.id, f"{s.zh} · {s.en}", kind, s.basis_text)
    console.print(states)
    if process.fields:
        console.print(_field_table(process))
    transitions = Table(title="transitions", title_justify="left")
    for column in ("event", "from → to", "actor", "guard", "basis"):
        transitions.add_column(column, overflow="fold")
    for t in process.transitions:
        guards = "\n".join(
            f"{g.id}{' (soft)' if g.soft else ''}: {g.when}\n[dim]{g.en} [{g.basis_text}][/dim]"
            for g in t.guard
        )
        target = "(previous state)" if t.to_previous else t.to or "(stays)"
        transitions.add_row(
            t.event,
            f"{', '.join(t.from_)} → {target}" + (" (reopens)" if t.reopens else ""),
            t.actor or "",
            guards,
            t.basis_text,
        )
    console.print(transitions)
    console.print(_deadline_table("deadlines", process))
    for child in children:
        if child.deadlines:
            console.print(_deadline_table(f"deadlines of the child process {child.id}", child))


def _field_table(process: Process) -> Table:
    """The case fields; a record list's sub-fields below it, indented."""
    from policyflow.cli.case import field_text

    table = Table(title="fields", title_justify="left")
    for column in ("id", "label", "type"):
        table.add_column(column, overflow="fold")
    for field in process.fields:
        name, text = field_text(field).split(": ", 1)
        table.add_row(name, f"{field.zh} · {field.en}", escape(text.split(" {", 1)[0]))
        for sub in field.fields or ():
            sub_name, sub_text = field_text(sub).split(": ", 1)
            table.add_row(f"  .{sub_name}", f"{sub.zh} · {sub.en}", escape(sub_text))
    return table


def _deadline_table(title: str, process: Process) -> Table:
    deadlines = Table(title=title, title_justify="left")
    for column in ("id", "period", "unit", "starts on", "on expiry", "basis"):
        deadlines.add_column(column, overflow="fold")
    for d in process.deadlines:
        period = None if d.period is None else Period.parse(d.period)
        starts = ", ".join(
            [
                *d.start_on.events,
                *(f"enter {s}" for s in d.start_on.enter),
                *(f"leave {s}" for s in d.start_on.leave),
            ]
        )
        expiry = f"fire {d.expiry_event}" if d.expiry_event else "overdue"
        if d.start_on.when is not None:
            starts += f" [dim]when {escape(d.start_on.when)}[/dim]"
        if d.every is not None:  # recurring: when it recurs, in the process's own words
            shown, unit = f"{d.every.zh}\n[dim]{d.every.en}[/dim]", "every"
        elif period is not None:
            shown, unit = d.period or "", period.unit.value
        else:
            shown, unit = f"until {d.ends_on}", "date"
        deadlines.add_row(
            f"{d.id}\n[dim]{d.zh}[/dim]",
            shown,
            unit,
            starts,
            expiry,
            d.basis_text,
        )
    return deadlines
