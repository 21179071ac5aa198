"""`policyflow case start|fire|show|list`: persisted cases from the command line.

Every command takes ``--db URL`` (default ``$POLICYFLOW_DB``, else ``./policyflow.db``)
and ``--json``. The JSON of start, fire and show is one object with at least ``id``,
``state``, ``version`` and ``timers`` (each with ``deadline``, ``due``, ``status``); show
adds ``journal``, ``running``, ``pending`` (expiries due by ``--at`` that the next act or
tick records) and ``allowed`` (the events leaving the state, with their payload fields).
A refused transition exits 3 with one line naming the rule and its basis.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from policyflow.cli import app
from policyflow.cli.acting import (
    OverrideOption,
    RoleOption,
    RolesModeOption,
    acted_text,
    case_process,
    checked_actor,
    grant_to_dict,
    mode_of,
    parse_overrides,
    print_grants,
)
from policyflow.cli.calendars import CalendarFile, Provisional, calendar_from
from policyflow.cli.due import parse_moment, working_days_left
from policyflow.cli.output import console, emit, error_console, print_json
from policyflow.errors import CalendarNotPublished, InvalidInput

if TYPE_CHECKING:
    from policyflow.definition.model import Field
    from policyflow.engine import Case, Engine
    from policyflow.legaltime import Calendar
    from policyflow.runtime import AllowedEvent, JournalEntry
    from policyflow.runtime.delegation import Delegation
    from policyflow.store.journal import RecordedEntry

case_app = typer.Typer(
    name="case",
    help="Start, move and inspect persisted cases.",
    no_args_is_help=True,
)
app.add_typer(case_app, name="case")

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        metavar="URL",
        help="Database: a file path or URL (default $POLICYFLOW_DB, else ./policyflow.db).",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]
AtOption = Annotated[
    str | None,
    typer.Option("--at", metavar="WHEN", help="Business time: 2023-09-28 or 2023-09-28T10:00."),
]
ActorOption = Annotated[
    str | None, typer.Option("--actor", metavar="ID", help="Who acts (with --role: in that role).")
]


def open_engine(
    db: str | None,
    calendar: Calendar | None = None,
    *,
    reads_only: bool = False,
    roles: str | None = None,
    durability: str | None = None,
) -> Engine:
    """Open the engine on `db` (None: $POLICYFLOW_DB, else ./policyflow.db).

    `calendar` counts its legal time (None: the official calendar of China). A command
    that `reads_only` never creates a database: a missing one is an error (exit 6).
    `roles` is the roles mode (None: check); `durability` normal or full (None:
    $POLICYFLOW_DURABILITY, else normal).
    """
    from policyflow.engine import Engine

    mode = None if roles is None else mode_of(roles)  # None: $POLICYFLOW_ROLES, else check
    return Engine(db, calendar=calendar, create=not reads_only, roles=mode, durability=durability)


def read_data(text: str | None, *, what: str) -> dict[str, Any]:
    """Read a JSON object given inline or as ``@FILE``.

    Raises:
        InvalidInput: the file is missing, or the text is not a JSON object.
    """
    if text is None:
        return {}
    source = what
    if text.startswith("@"):
        path = Path(text[1:])
        try:
            if path.is_file() and path.stat().st_size > 4 * JSON_MAX:
                raise InvalidInput(
                    f"{what} file {path} holds {path.stat().st_size:,} bytes, "
                    f"more than the {JSON_MAX:,} characters allowed"
                )
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
            raise InvalidInput(f"cannot read {what} file {path}: {reason}") from None
        source = f"{what} file {path}"
    if len(text) > JSON_MAX:
        raise InvalidInput(
            f"{source} holds {len(text):,} characters, more than the {JSON_MAX:,} allowed"
        )
    try:
        value = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as error:
        raise InvalidInput(
            f"invalid JSON in {source} at line {error.lineno} column {error.colno}: {error.msg}"
        ) from None
    except RecursionError:
        raise InvalidInput(
            f"invalid JSON in {source}: nested more than {JSON_DEPTH} levels deep"
        ) from None
    except ValueError as error:  # a number of more than 4,300 digits, NaN, Infinity
        raise InvalidInput(f"invalid JSON in {source}: {' '.join(str(error).split())}") from None
    if not isinstance(value, dict):
        raise InvalidInput(f"{source} must be a JSON object, such as '{{\"field\": 1}}'")
    _check_plain(value, source)
    return value


#: The most characters --data may hold, and the deepest nesting of its lists and objects.
JSON_MAX = 1_000_000
JSON_DEPTH = 32


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _check_plain(value: Any, source: str) -> None:
    """Refuse JSON nested too deep or holding text that is not valid Unicode.

    Raises:
        InvalidInput: naming the bound crossed.
    """
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > JSON_DEPTH:
            raise InvalidInput(f"{source} is nested more than {JSON_DEPTH} levels deep")
        texts: list[Any] = [item]
        if isinstance(item, dict):
            texts = list(item)
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
        for text in texts:
            if isinstance(text, str):
                try:
                    text.encode("utf-8")
                except UnicodeEncodeError:
                    raise InvalidInput(
                        f"{source} holds text with a lone surrogate (not valid Unicode)"
                    ) from None


def _moment(text: str | None, what: str) -> date | datetime | None:
    return None if text is None else parse_moment(text, what=what)


def entry_to_dict(recorded: RecordedEntry) -> dict[str, Any]:
    """Return one journal entry as JSON-ready data."""
    entry = recorded.entry
    return {
        "sequence": entry.sequence,
        "event": entry.event,
        "from": entry.from_state,
        "to": entry.to_state,
        "at": entry.at.isoformat(),
        "recorded_at": recorded.recorded_at.isoformat(),
        "actor": entry.actor,
        "role": entry.role,
        "automatic": entry.automatic,
        "payload": dict(entry.payload),
        "basis": entry.basis,
        "overrides": [{"guard": guard, "reason": reason} for guard, reason in entry.overrides],
        "timer_changes": [
            {
                "deadline": c.deadline,
                "action": c.action.value,
                "on": c.on.isoformat(),
                "due": None if c.due is None else c.due.isoformat(),
                "basis": c.basis,
                **({} if c.label is None else {"label": c.label}),  # an occurrence's only
            }
            for c in entry.timer_changes
        ],
        "hash": recorded.hash,
    }


def _summary(case: Case) -> None:
    overdue = " [red]overdue[/red]" if case.overdue else ""
    console.print(
        f"case [bold]{escape(case.id)}[/bold] · {escape(case.process_id)}@"
        f"{case.process_version} · state [bold cyan]{escape(case.state)}[/bold cyan] · "
        f"version {case.version}{overdue}"
    )
    running = case.running_timers
    for timer in running:
        due = "suspended" if timer.due is None else timer.due.isoformat()
        which = "" if timer.label is None else f" {timer.label}"
        console.print(
            f"  deadline {timer.deadline}{which}: {timer.status.value}, due {due}", markup=False
        )


@case_app.command("start")
def start(
    process: Annotated[str, typer.Argument(help="A built-in process id or a YAML file.")],
    data: Annotated[
        str | None, typer.Option("--data", metavar="JSON|@FILE", help="The case data.")
    ] = None,
    at: AtOption = None,
    actor: ActorOption = None,
    role: RoleOption = None,
    roles: RolesModeOption = None,
    parent: Annotated[str | None, typer.Option("--parent", help="The parent case.")] = None,
    case_id: Annotated[
        str | None,
        typer.Option("--id", help="The new case's id, such as a case number (default: random)."),
    ] = None,
    provisional: Provisional = False,
    calendar_file: CalendarFile = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Start a case of PROCESS."""
    values = read_data(data, what="case data")
    moment = _moment(at, "start time")
    with open_engine(db, calendar_from(provisional, calendar_file), roles=roles) as engine:
        acting = checked_actor(actor, role or [], engine.definitions.resolve(process))
        case = engine.start(
            process, values, at=moment, actor=acting, parent=parent, case_id=case_id
        )
    emit(case.to_dict(), as_json=as_json, render=lambda: _summary(case))


@case_app.command("fire")
def fire(
    case_id: Annotated[str, typer.Argument(metavar="ID", help="The case.")],
    event: Annotated[str, typer.Argument(help="The event's id.")],
    data: Annotated[
        str | None, typer.Option("--data", metavar="JSON|@FILE", help="The event's payload.")
    ] = None,
    at: AtOption = None,
    actor: ActorOption = None,
    role: RoleOption = None,
    roles: RolesModeOption = None,
    expected_version: Annotated[
        int | None,
        typer.Option("--expect-version", metavar="N", help="Refuse if the case moved past N."),
    ] = None,
    override: OverrideOption = None,
    provisional: Provisional = False,
    calendar_file: CalendarFile = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Apply EVENT to case ID."""
    payload = read_data(data, what="event payload")
    moment = _moment(at, "event time")
    overrides = parse_overrides(override or [])
    with open_engine(db, calendar_from(provisional, calendar_file), roles=roles) as engine:
        acting = checked_actor(actor, role or [], case_process(engine, case_id)) if role else actor
        case = engine.fire(
            case_id,
            event,
            payload,
            at=moment,
            actor=acting,
            expected_version=expected_version,
            overrides=overrides,
        )
    emit(case.to_dict(), as_json=as_json, render=lambda: _summary(case))


def _changes_text(recorded: RecordedEntry) -> str:
    return ", ".join(
        f"{c.deadline} {c.action.value}"
        + ("" if c.label is None else f" {c.label}")
        + ("" if c.due is None else f" → {c.due.isoformat()}")
        for c in recorded.entry.timer_changes
    )


def field_text(field: Field) -> str:
    """One payload or data field in a few words: ``officers: int``, ``kind: a|b``, ``note?: str``.

    An enum lists its values; a list says what it holds, a record list its sub-fields
    (``present: list of record {member_id: str, recused?: bool}``); ``?`` marks a field that
    may be left out (optional, or with a default).
    """
    kind = field.element_type.value
    if field.values:
        kind = "|".join(field.values)
    if field.fields:
        kind += " {" + ", ".join(field_text(sub) for sub in field.fields) + "}"
    if field.type.value == "list":
        kind = f"list of {kind}"
    return f"{field.id}{'' if field.must_be_given else '?'}: {kind}"


def allowed_to_dict(case: Case, item: AllowedEvent) -> dict[str, Any]:
    """One event leaving the case's state, with its payload fields, as JSON-ready data."""
    event = case.compiled.process.find_event(item.event)
    payload = () if event is None else event.payload
    return {
        "event": item.event,
        "to": item.to_state,
        "ok": item.ok,
        "reason": item.reason,
        "basis": item.basis,
        "payload": [
            {
                "field": f.id,
                "type": f.type.value,
                "items": None if f.items is None else f.items.value,
                "values": list(f.values),
                "required": f.must_be_given,
                "text": field_text(f),
            }
            for f in payload
        ],
    }


def _expiry_to_dict(entry: JournalEntry) -> dict[str, Any]:
    from policyflow.runtime import TimerAction

    expired = (TimerAction.FIRED, TimerAction.OVERDUE)
    return {
        "deadline": next((c.deadline for c in entry.timer_changes if c.action in expired), None),
        "event": entry.event,
        "at": entry.at.isoformat(),
        "to": entry.to_state,
    }


def render_case(
    case: Case,
    history: list[RecordedEntry],
    deadlines: list[dict[str, Any]],
    today: date,
    *,
    pending: list[dict[str, Any]] | None = None,
    allowed: list[dict[str, Any]] | None = None,
    moment: str | None = None,
    grants: Sequence[Delegation] = (),
) -> None:
    """Print a case's timeline: its journal, its running deadlines, then what may happen next.

    `pending` are the expiries due by `moment` that no act or tick has recorded yet;
    `allowed` the events that leave the state the case is in at `moment`; `grants` the
    delegations of a role for this case or for all.
    """
    _summary(case)
    print_grants(grants)
    table = Table(title="journal", title_justify="left")
    for column in (
        "#",
        "business time",
        "event",
        "from → to",
        "actor (role)",
        "deadlines",
        "basis",
    ):
        table.add_column(column, overflow="fold")
    for recorded in history:
        entry = recorded.entry
        event = escape(entry.event) + (" [dim](automatic)[/dim]" if entry.automatic else "")
        for guard, reason in entry.overrides:  # a person's words: never read as markup
            event += f"\n[yellow]passed soft rule {escape(guard)}: {escape(reason)}[/yellow]"
        table.add_row(
            str(entry.sequence),
            entry.at.isoformat(sep=" ", timespec="minutes"),
            event,
            escape(f"{entry.from_state or '·'} → {entry.to_state}"),
            acted_text(entry),  # who, in which role (escaped: what a user typed)
            escape(_changes_text(recorded)),
            escape(entry.basis),
        )
    console.print(table)
    if not deadlines:
        console.print("no running deadlines")
    else:
        running = Table(title=f"running deadlines on {today.isoformat()}", title_justify="left")
        for column in ("deadline", "status", "due", "working days left", "basis"):
            running.add_column(column, overflow="fold")
        for item in deadlines:
            left = item["working_days_left"]
            left_text = "" if left is None else str(left)
            if left is not None and left < 0:
                left_text = f"[red]{left}[/red]"
            running.add_row(
                escape(str(item["deadline"]) + (f" {item['label']}" if item.get("label") else "")),
                str(item["status"]),
                str(item["due"] or "suspended") + (" (provisional)" if item["provisional"] else ""),
                left_text,
                escape(str(item["basis"] or "")),
            )
        console.print(running)
    if pending:
        console.print(
            f"by {moment}, not yet recorded (the next act or `policyflow tick` records them):",
            markup=False,
            highlight=False,
        )
        for item in pending:
            console.print(
                f"  {item['at'][:16].replace('T', ' ')} deadline {item['deadline']} expired: "
                f"{item['event']} → {item['to']}",
                markup=False,
                highlight=False,
            )
    if allowed is None:
        return
    state = pending[-1]["to"] if pending else case.state
    if not allowed:
        console.print(f"no event leaves state {state!r}", markup=False, highlight=False)
        return
    console.print(
        f"events that leave state {state!r} at {moment} (fire one with `policyflow case fire "
        f"{case.id} EVENT --data JSON`):",
        markup=False,
        highlight=False,
    )
    for item in allowed:
        fields = ", ".join(f["text"] for f in item["payload"])
        line = f"{item['event']}" + (f" {{{fields}}}" if fields else "") + f" → {item['to']}"
        if item["ok"]:
            console.print(f"  {line}", markup=False, highlight=False)
        else:
            console.print(f"  refused now: {line}: {item['reason']}", markup=False, highlight=False)


@case_app.command("show")
def show(
    case_id: Annotated[str, typer.Argument(metavar="ID", help="The case.")],
    at: Annotated[
        str | None,
        typer.Option(
            "--at",
            "--now",
            metavar="WHEN",
            help="Show the case as of WHEN: working days left, expiries due, events allowed "
            "(default: now).",
        ),
    ] = None,
    diagram: Annotated[
        bool,
        typer.Option(
            "--diagram",
            help="Print only the case drawn on its process, as a fenced Mermaid block "
            "(Markdown): its state highlighted, its deadlines dated.",
        ),
    ] = False,
    provisional: Provisional = False,
    calendar_file: CalendarFile = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show case ID: its journal, running deadlines, and the events it allows next."""
    from policyflow.runtime import expire

    moment = _moment(at, "time")
    with open_engine(db, calendar_from(provisional, calendar_file), reads_only=True) as engine:
        case = engine.get(case_id)
        history = engine.history(case_id)
        grants = engine.delegations(case_id)
        current = moment if moment is not None else engine.clock.now()
        instant = current if isinstance(current, datetime) else datetime.combine(current, time())
        today = instant.date()
        deadlines = []
        for timer in case.running_timers:
            item: dict[str, Any] = {
                "deadline": timer.deadline,
                "status": timer.status.value,
                "due": None if timer.due is None else timer.due.isoformat(),
                "working_days_left": working_days_left(engine.calendar, today, timer.due),
                "provisional": timer.provisional,
                "basis": case.deadline_basis(timer.deadline),
            }
            if timer.label is not None:  # an occurrence of a recurring deadline
                item["label"] = timer.label
            deadlines.append(item)
        pending: list[dict[str, Any]] = []
        allowed: list[dict[str, Any]] | None = None
        try:
            if instant >= case.snapshot.updated_at:
                steps = expire(case.compiled, case.snapshot, now=instant, calendar=engine.calendar)
                pending = [_expiry_to_dict(step.entry) for step in steps]
            allowed = [allowed_to_dict(case, a) for a in case.allowed(at=instant)]
        except CalendarNotPublished as error:
            # what may happen next counts on a year without a published schedule: say so
            error_console.print(f"note: events allowed not shown: {error}", markup=False)
    if diagram:
        drawing = case.to_mermaid()
        if as_json:
            print_json({"id": case.id, "mermaid": drawing})
        else:
            sys.stdout.write(f"```mermaid\n{drawing.rstrip()}\n```\n")
        return
    data = case.to_dict()
    data["journal"] = [entry_to_dict(r) for r in history]
    data["running"] = deadlines
    data["as_of"] = instant.isoformat()
    data["pending"] = pending
    data["allowed"] = allowed
    data["delegations"] = [grant_to_dict(g) for g in grants]
    when = instant.isoformat(sep=" ", timespec="minutes")
    emit(
        data,
        as_json=as_json,
        render=lambda: render_case(
            case,
            history,
            deadlines,
            today,
            pending=pending,
            allowed=allowed,
            moment=when,
            grants=grants,
        ),
    )


@case_app.command("list")
def list_cases(
    process: Annotated[str | None, typer.Option("--process", help="Only this process.")] = None,
    state: Annotated[str | None, typer.Option("--state", help="Only cases in this state.")] = None,
    overdue: Annotated[
        bool, typer.Option("--overdue", help="Only cases with a deadline past due now.")
    ] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """List cases, oldest first."""
    with open_engine(db, reads_only=True) as engine:
        cases = engine.cases(process=process, state=state)
        if overdue:
            late = {item.case_id for item in engine.overdue()}
            cases = [c for c in cases if c.overdue or c.id in late]
    rows: list[dict[str, Any]] = [
        {
            "id": c.id,
            "process": c.process_id,
            "state": c.state,
            "version": c.version,
            "overdue": c.overdue,
            "parent": c.parent_id,
            "started_at": c.snapshot.started_at.isoformat(),
            "updated_at": c.snapshot.updated_at.isoformat(),
        }
        for c in cases
    ]

    def render() -> None:
        table = Table(title=f"{len(rows)} case(s)", title_justify="left")
        for column in ("id", "process", "state", "version", "overdue", "updated"):
            table.add_column(column)
        for row in rows:
            table.add_row(
                escape(row["id"]),
                escape(row["process"]),
                escape(row["state"]),
                str(row["version"]),
                "yes" if row["overdue"] else "",
                row["updated_at"],
            )
        console.print(table)

    emit(rows, as_json=as_json, render=render)
