"""The linter: every problem in process files, each at file:line:column.

``lint_paths`` reads files and folders (default: every built-in process), parses each
(schema errors with their positions), runs every check of checks.py, and returns the
findings: schema errors, unreachable states, non-final dead ends, unknown states, events,
fields and roles (with the closest name), CEL that does not compile or type-check, expiry
and extension events that do not exist, elements without a legal basis, duplicate ids.
Across files, each child process a transition starts must exist (among the files linted or
the built-ins), the data it is started with must name its fields and give every field it
requires, and the event it signals on finishing must be the parent's, with the payload
that event declares. Printing and exit codes are the command line's (cli/lint.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from policyflow.definition.catalog import builtin_root, discover, process_id_for
from policyflow.definition.checks import Problem
from policyflow.definition.expressions import closest
from policyflow.definition.loader import Parsed, locate, parse
from policyflow.definition.model import Field, Process, Transition
from policyflow.definition.relation_checks import lookup_faults
from policyflow.definition.signal_checks import payload_faults, receiver_fault, signal_names

__all__ = ["LintReport", "lint_paths", "lint_text"]

_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True, slots=True)
class LintReport:
    """What the linter found.

    Attributes:
        files: the files checked, in order.
        problems: every finding, file by file.
    """

    files: tuple[Path, ...]
    problems: tuple[Problem, ...]

    @property
    def errors(self) -> tuple[Problem, ...]:
        """The findings that fail the lint (everything but warnings)."""
        return tuple(p for p in self.problems if not p.warning)

    @property
    def ok(self) -> bool:
        """True when no finding is an error."""
        return not self.errors


def lint_text(
    text: str, path: str | Path = "<string>", *, process_id: str | None = None
) -> list[Problem]:
    """Every finding in one process file's text (the checks within one file)."""
    return list(parse(text, path, process_id=process_id).problems)


def _files(paths: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                p
                for p in sorted(path.rglob("*"))
                if p.suffix in _SUFFIXES
                and ".scenario." not in p.name
                and not any(part.startswith(("_", ".")) for part in p.relative_to(path).parts)
            )
        else:
            files.append(path)
    return files


def _is_under(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def lint_paths(paths: Iterable[str | Path] = ()) -> LintReport:
    """Lint process files and folders; with no paths, every built-in process.

    A missing path is itself a finding. Files under the built-in folder are held to the
    id rule (their id must be their path).
    """
    given = [Path(p) for p in paths]
    root = builtin_root()
    if not given:
        files = _files([root]) if root is not None else []
        discover(root)  # two files giving one id is an error (DefinitionError)
    else:
        files = _files(given)
    problems: list[Problem] = []
    for missing in (p for p in given if not p.exists()):
        problems.append(Problem(str(missing), 1, 1, "file", "no such file or folder"))
    checked: list[Path] = []
    files_parsed: list[Parsed] = []
    for file in files:
        if not file.exists():
            continue
        checked.append(file)
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            problems.append(Problem(str(file), 1, 1, "file", f"cannot read the file: {error}"))
            continue
        process_id = process_id_for(file, root) if root is not None else None
        if process_id is None and root is not None and _is_under(file, root):
            problems.append(
                Problem(
                    str(file),
                    1,
                    1,
                    "id",
                    "file name breaks the id rule: each part of its path under processes/ must be "
                    "kebab-case (lower-case letters, digits, hyphens)",
                )
            )
        parsed = parse(text, file, process_id=process_id)
        problems.extend(parsed.problems)
        files_parsed.append(parsed)
    problems.extend(_check_children(files_parsed, root))
    return LintReport(tuple(checked), tuple(problems))


def _check_children(files: list[Parsed], root: Path | None) -> list[Problem]:
    """The findings across files: each child process started, its data and its signal.

    A child is looked up among the files linted, then among the built-ins. One found
    nowhere is a warning (an engine may be given it from elsewhere); data naming a field
    the child does not have, or leaving out one it requires (required, with no default),
    is an error: the engine would refuse to start the child, and the parent's event with
    it. So is a signal on finishing that the parent would refuse (:func:`_signal_fault`).
    """
    linted = {f.process.id: f.process for f in files if f.process is not None}
    builtins = discover(root) if root is not None else {}
    found: dict[str, Process | None] = {}

    def child_process(process_id: str) -> Process | None:
        if process_id in linted:
            return linted[process_id]
        if process_id not in found:
            path = builtins.get(process_id)
            parsed = None if path is None else _parse_file(path, process_id)
            found[process_id] = None if parsed is None else parsed.process
        return found[process_id]

    problems: list[Problem] = []

    def add(
        file: Parsed, where: tuple[str | int, ...], code: str, message: str, warning: bool
    ) -> None:
        line, column = locate(file.positions, where)
        problems.append(Problem(file.path, line, column, code, message, warning=warning))

    for file in files:
        if file.process is None:
            continue
        for index, transition in enumerate(file.process.transitions):
            for number, start in enumerate(transition.start_child):
                where: tuple[str | int, ...] = ("transitions", index, "start_child", number)
                name = f"transition {transition.id!r} starts {start.process!r}"
                child = child_process(start.process)
                if child is None:
                    known = set(linted) | set(builtins)
                    add(
                        file,
                        (*where, "process"),
                        "unknown",
                        f"{name}: no such process among the files linted or the built-ins"
                        f"{closest(start.process, known)}",
                        True,
                    )
                    continue
                fields = {f.id: f for f in child.fields}
                for key in start.data:
                    if key not in fields:
                        add(
                            file,
                            (*where, "data", key),
                            "unknown",
                            f"{name} with unknown field {key!r}{closest(key, fields)}",
                            False,
                        )
                missing = [f.id for f in child.fields if f.must_be_given and f.id not in start.data]
                if missing:
                    add(
                        file,
                        (*where, "data"),
                        "child_data",
                        f"{name} without the field(s) it requires: {', '.join(missing)} "
                        "(give them under data:)",
                        False,
                    )
                signal = child.on_final.signal_parent if child.on_final else None
                if signal is not None:
                    message = _signal_fault(file.process, signal.event, signal.payload) or (
                        _typed_fault(child, None, signal.payload, file.process, signal.event)
                    )
                    if message is not None:
                        add(file, (*where, "process"), "signal", f"{name}, {message}", False)
                for sent in child.transitions:  # a child's signals to its parent, anywhere
                    for spec in sent.signal or ():
                        if spec.to != "parent":
                            continue
                        message = _signal_fault(file.process, spec.event, spec.payload) or (
                            _typed_fault(child, sent, spec.payload, file.process, spec.event)
                        )
                        if message is not None:
                            message = f"{name}, whose transition {sent.id!r} {message}"
                            add(file, (*where, "process"), "signal", message, False)
            for number, spec in enumerate(transition.signal or ()):
                cohort = file.process.cohort
                receiving = spec.process
                if spec.to == "cohort" and cohort is not None:
                    receiving = cohort.process
                receiver = child_process(receiving) if receiving is not None else None
                if receiver is None:
                    continue  # (an unknown child process is reported where it is started)
                message = receiver_fault(file.process, spec, receiver) or _signal_fault(
                    receiver, spec.event, spec.payload
                )
                swhere = ("transitions", index, "signal", number)
                if message is not None:
                    add(file, swhere, "signal", f"transition {transition.id!r} {message}", False)
                    continue
                event = receiver.find_event(spec.event)
                assert event is not None  # receiver_fault names a missing event
                scope = _event_payload(file.process, transition)
                names = signal_names(spec)
                for key, problem in payload_faults(file.process, spec.payload, scope, event, names):
                    message = (
                        f"transition {transition.id!r} signals {spec.event!r} to {spec.to} "
                        f"({receiver.id!r}) with payload {key!r}: {problem}"
                    )
                    add(file, (*swhere, "payload", key), "signal", message, False)
        for index, lookup in enumerate(file.process.lookups or ()):
            target = child_process(lookup.process)  # as a child is found: linted, built-in
            if target is None:
                message = (
                    f"lookup {lookup.id!r}: no process {lookup.process!r} among the files "
                    "linted or the built-ins"
                )
                add(file, ("lookups", index, "process"), "unknown", message, True)
                continue
            for where, message in lookup_faults(file.process, target, index):
                add(file, where, "lookup", message, False)
    return problems


def _signal_fault(parent: Process, event_id: str, payload: Mapping[str, str]) -> str | None:
    """What is wrong with the signal a child sends `parent` on finishing, or None.

    The parent must declare the event, and the signal's payload must name only that event's
    payload fields and give each it requires: otherwise the parent refuses the signal, and
    the child cannot finish.
    """
    event = next((e for e in parent.events if e.id == event_id), None)
    if event is None:
        known = [e.id for e in parent.events]
        return (
            f"which signals {event_id!r} on finishing, but {parent.id!r} has no such event"
            f"{closest(event_id, known)}"
        )
    fields = {f.id: f for f in event.payload}
    unknown = [key for key in payload if key not in fields]
    if unknown:
        return (
            f"which signals {event_id!r} with payload field(s) the event does not declare: "
            f"{', '.join(unknown)}"
        )
    missing = [f.id for f in event.payload if f.must_be_given and f.id not in payload]
    if missing:
        return (
            f"which signals {event_id!r} without the payload field(s) it requires: "
            f"{', '.join(missing)}"
        )
    return None


def _event_payload(process: Process, transition: Transition) -> dict[str, Field]:
    """The payload fields of the event a transition takes (what its signals may read)."""
    event = process.find_event(transition.event)
    return {} if event is None else {f.id: f for f in event.payload}


def _typed_fault(
    child: Process,
    sent: Transition | None,
    payload: Mapping[str, str],
    parent: Process,
    event_id: str,
) -> str | None:
    """A child's signal to its parent whose payload value has the wrong type, or None.

    `sent` is the transition that signals (None: ``on_final.signal_parent``, which reads the
    child's data and ``state``, not an event's payload).
    """
    event = parent.find_event(event_id)
    if event is None:
        return None  # _signal_fault names it
    scope = None if sent is None else _event_payload(child, sent)
    names = ("state",)
    faults = payload_faults(child, payload, scope, event, names)
    if not faults:
        return None
    key, problem = faults[0]
    return f"signals {event_id!r} with payload {key!r}: {problem}"


def _parse_file(path: Path, process_id: str) -> Parsed | None:
    try:
        return parse(path.read_text(encoding="utf-8"), path, process_id=process_id)
    except (OSError, UnicodeDecodeError):
        return None  # lint_paths reports an unreadable file where it is linted
