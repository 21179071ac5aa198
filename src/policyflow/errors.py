"""Every exception policyflow raises on purpose, and the exit code each one means.

This module imports nothing of policyflow's, so every layer may import it.

Our exception hierarchy::

    PolicyflowError                       base of everything raised on purpose; exit 1
    ├── InvalidInput(ValueError)          the caller's input is wrong; nothing changed → exit 2
    │   ├── InvalidPeriod                 a period that cannot be parsed or is negative
    │   ├── InvalidInterval               a suspension interval that ends before it starts
    │   ├── InvalidDate                   a date or time that cannot be parsed
    │   ├── InvalidCaseData(.field, .expected, .got)
    │   ├── CalendarNotPublished(.year)   no official holiday schedule for that year
    │   ├── CalendarFileError(.path, .line)
    │   ├── DefinitionError(.path, .line, .column)
    │   ├── MissingExtra(ImportError)(.extra, .package)   an optional dependency is missing
    │   ├── UnknownProcess(LookupError)
    │   └── UnknownCase(LookupError)
    ├── TransitionRefused(.case_id, .state, .event, .rule, .basis)   the rules say no → exit 3
    │   ├── EventNotAllowed               no transition for this event from this state
    │   │   └── UnknownEvent              the process has no such event at all → exit 2
    │   ├── GuardFailed                   a guard is false; .rule is its words, .basis its article
    │   └── InvalidPayload                the event's payload fails its declared fields → exit 2
    ├── ConcurrentUpdate                  another writer changed the case first → exit 4
    ├── JournalTampered(.case_id, .sequence)   verify found a broken hash chain → exit 5
    └── DatabaseUnavailable(.database)    missing (for a command that only reads), not a
                                          policyflow database, of a newer schema, or
                                          unreachable → exit 6

The exit-code rule: **2** when the request is wrong whatever state the case is in (fix
the command: a malformed value, an unknown name, data or a payload that fails its declared
fields, a missing extra); **3** when a well-formed event is refused because of where the
case is (no transition from its state, a guard false on its data); nothing changed in
either. That is why an unknown event and an invalid payload, though refusals of an event
(``except TransitionRefused`` catches them), exit 2.

Each error keeps its facts as plain attributes, so ``--json`` can print them, and the
command line turns any of them into one line and ``exit_code``, never a traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

__all__ = [
    "CalendarFileError",
    "CalendarNotPublished",
    "ConcurrentUpdate",
    "DatabaseUnavailable",
    "DefinitionError",
    "EventNotAllowed",
    "GuardFailed",
    "InvalidCaseData",
    "InvalidDate",
    "InvalidInput",
    "InvalidInterval",
    "InvalidPayload",
    "InvalidPeriod",
    "JournalTampered",
    "MissingExtra",
    "PolicyflowError",
    "TransitionRefused",
    "UnknownCase",
    "UnknownEvent",
    "UnknownProcess",
]


class PolicyflowError(Exception):
    """Base of every error policyflow raises on purpose."""

    exit_code: ClassVar[int] = 1

    def facts(self) -> dict[str, Any]:
        """Return the error's facts as JSON-ready data: its kind, message and attributes."""
        data: dict[str, Any] = {"error": type(self).__name__, "message": str(self)}
        for key, value in vars(self).items():
            if not key.startswith("_"):
                plain = isinstance(value, str | int | float | bool | None)
                data[key] = value if plain else str(value)
        return data


class InvalidInput(PolicyflowError, ValueError):
    """The caller's input is wrong; nothing was changed."""

    exit_code: ClassVar[int] = 2


class InvalidPeriod(InvalidInput):
    """A period that cannot be parsed, or a negative one."""


class InvalidInterval(InvalidInput):
    """A date interval that is malformed or ends before it starts."""


class InvalidDate(InvalidInput):
    """A date or time that cannot be parsed, or that does not exist."""


class InvalidCaseData(InvalidInput):
    """Case data that fails the process's declared fields.

    Attributes:
        field: the dotted path of the offending field.
        expected: what the field accepts, in words.
        got: the value that was given, as text.
    """

    def __init__(self, message: str, *, field: str, expected: str, got: str) -> None:
        super().__init__(message)
        self.field = field
        self.expected = expected
        self.got = got


class CalendarNotPublished(InvalidInput):
    """A date falls in a year whose official holiday schedule is not known."""

    def __init__(self, message: str, *, year: int) -> None:
        super().__init__(message)
        self.year = year


class CalendarFileError(InvalidInput):
    """A custom calendar file that cannot be read; names the file and the line."""

    def __init__(self, message: str, *, path: str | Path, line: int | None = None) -> None:
        super().__init__(message)
        self.path = str(path)
        self.line = line


class DefinitionError(InvalidInput):
    """A process definition that is malformed; names file, line and column where known."""

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        super().__init__(message)
        self.path = None if path is None else str(path)
        self.line = line
        self.column = column


class MissingExtra(InvalidInput, ImportError):
    """A feature needs an optional dependency that is not installed.

    The message ends with the exact command that installs it:
    ``pip install 'policyflow[notebook]'``.

    Attributes:
        extra: the extra of policyflow that brings the package (``notebook``, ``postgres``).
        package: the missing package, as it is imported (``pandas``, ``psycopg``).
    """

    def __init__(self, feature: str, *, extra: str, package: str) -> None:
        super().__init__(
            f"{feature} needs {package}, which is not installed: pip install 'policyflow[{extra}]'"
        )
        self.extra = extra
        self.package = package
        self.name = package  # ImportError's attribute: the module that could not be imported

    @property
    def install(self) -> str:
        """The command that installs the missing extra."""
        return f"pip install 'policyflow[{self.extra}]'"


class UnknownProcess(InvalidInput, LookupError):
    """No built-in process has that id and no file is at that path."""


class UnknownCase(InvalidInput, LookupError):
    """No case has that id."""


class TransitionRefused(PolicyflowError):
    """The process's rules refuse an event; nothing was changed.

    Attributes:
        case_id: the case, where there is one.
        state: the state the case was in.
        event: the refused event.
        rule: the rule that refused it, in words.
        basis: the legal basis of that rule, as the source cites it.
    """

    exit_code: ClassVar[int] = 3

    def __init__(
        self,
        message: str,
        *,
        case_id: str | None = None,
        state: str | None = None,
        event: str | None = None,
        rule: str | None = None,
        basis: str | None = None,
    ) -> None:
        super().__init__(message)
        self.case_id = case_id
        self.state = state
        self.event = event
        self.rule = rule
        self.basis = basis


class EventNotAllowed(TransitionRefused):
    """No transition for this event leaves the case's current state."""


class UnknownEvent(EventNotAllowed):
    """The process has no event of that name, in any state: a wrong request, exit 2."""

    exit_code: ClassVar[int] = 2


class GuardFailed(TransitionRefused):
    """A guard of the only candidate transitions is false."""


class InvalidPayload(TransitionRefused):
    """The event's payload fails the event's declared fields: a wrong request, exit 2."""

    exit_code: ClassVar[int] = 2


class ConcurrentUpdate(PolicyflowError):
    """Another writer changed the case first; nothing was changed. Reload and retry."""

    exit_code: ClassVar[int] = 4


class JournalTampered(PolicyflowError):
    """A journal row does not match the hash chain."""

    exit_code: ClassVar[int] = 5

    def __init__(self, message: str, *, case_id: str, sequence: int) -> None:
        super().__init__(message)
        self.case_id = case_id
        self.sequence = sequence


class DatabaseUnavailable(PolicyflowError):
    """The database cannot be used as it is; nothing was created or changed in it.

    It is missing where a command only reads (``case show``, ``case list``, ``verify``,
    ``export`` never create one), a folder, a file that is not an SQLite database, a
    database whose tables are not policyflow's, of a schema newer than this version of
    policyflow, or a server that cannot be reached.
    """

    exit_code: ClassVar[int] = 6

    def __init__(self, message: str, *, database: str) -> None:
        super().__init__(message)
        self.database = database
