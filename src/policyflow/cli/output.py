"""What every command prints: JSON with --json, rich otherwise; errors as one line.

Output that is not a terminal (a pipe, a file) is never wrapped or cut: tables take their
natural width, so ``policyflow case list | cat`` shows every id whole and ``grep`` finds
what it looks for. Panels and rules, which would otherwise span that width, are drawn at
:data:`FRAME_WIDTH` columns.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import typer
from rich.console import Console, ConsoleDimensions, RenderableType
from rich.rule import Rule

from policyflow.errors import DatabaseUnavailable, InvalidInput, PolicyflowError

#: the width of output that is not a terminal: wide enough that no table wraps or is cut
PIPE_WIDTH = 10_000
#: the width of panels and rules when the output is not a terminal
FRAME_WIDTH = 100


class PipeConsole(Console):
    """A rich console that neither wraps nor cuts when it does not write to a terminal.

    Off a terminal, ``$COLUMNS`` is ignored too: readline exports it into the environment
    of every program started from an interactive Python (pytest included), where it
    says nothing about the pipe or file being written.
    """

    def __init__(self, *, width: int | None = None, **options: Any) -> None:
        super().__init__(width=width, **options)
        self._asked_width = width

    @property
    def size(self) -> ConsoleDimensions:
        """The terminal's size; when not a terminal, :data:`PIPE_WIDTH` columns."""
        size = super().size
        if self._asked_width is None and not self.is_terminal:
            return ConsoleDimensions(PIPE_WIDTH, size.height)
        return size

    @size.setter
    def size(self, new_size: tuple[int, int]) -> None:
        self._width, self._height = new_size
        self._asked_width = self._width

    @property
    def frame_width(self) -> int:
        """The width of a panel or a rule: the terminal's, else :data:`FRAME_WIDTH`."""
        return self.width if self.is_terminal else min(self.width, FRAME_WIDTH)


console = PipeConsole()
error_console = PipeConsole(stderr=True, highlight=False, soft_wrap=True)


def rule(title: str) -> None:
    """Print a horizontal rule with `title`, as wide as the terminal (or a page)."""
    console.print(Rule(title), width=console.frame_width)


def framed(renderable: RenderableType) -> None:
    """Print a panel or another framed renderable, at most a page wide off a terminal."""
    console.print(renderable, width=console.frame_width)


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot encode {type(value).__name__} as JSON")


def print_json(data: Any) -> None:
    """Print `data` as one JSON document on stdout (dates ISO, Decimals as strings)."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, default=_default, indent=2) + "\n")


def emit(data: Any, *, as_json: bool, render: Callable[[], None]) -> None:
    """Print `data` as JSON, or call `render` to draw it with rich."""
    if as_json:
        print_json(data)
    else:
        render()


def fail(error: PolicyflowError, *, as_json: bool = False) -> None:
    """Print `error` on stderr and exit with its exit code.

    One line, ``error: …``; with `as_json`, one line of JSON instead: the error's facts
    (``error``, ``message`` and its attributes) and ``exit_code``.
    """
    if as_json:
        facts = {**error.facts(), "exit_code": error.exit_code}
        sys.stderr.write(json.dumps(facts, ensure_ascii=False, default=str) + "\n")
    else:
        error_console.print(f"error: {error}", markup=False)
    raise SystemExit(error.exit_code)


def writable(path: Path | None, *, what: str) -> Path | None:
    """`path`, once it is known to name a file that can be written; None stays None.

    Checked before any work starts, so a long simulation or an export does not end in an
    OSError after it has run.

    Raises:
        InvalidInput: `path` is a folder, or its folder does not exist.
    """
    if path is None:
        return None
    if path.is_dir():
        raise InvalidInput(f"cannot write {what} to {path}: it is a folder; give a file name")
    if not path.parent.is_dir():
        raise InvalidInput(f"cannot write {what} to {path}: folder {path.parent} does not exist")
    return path


def run_app(app: typer.Typer) -> None:
    """Run `app`, turning a PolicyflowError into one line and its exit code.

    Usage errors (a missing argument, an unknown option) are typer's own: exit 2.
    """
    try:
        app()
    except PolicyflowError as error:
        fail(error, as_json="--json" in sys.argv[1:])
    except Exception as error:
        if not _from_the_database(error):
            raise
        # A database edited or damaged behind the engine's back (a dropped table, a full
        # disk): its transaction was rolled back, so say so in one line, not a traceback.
        from policyflow.store.database import driver_reason  # loaded with the database

        found = DatabaseUnavailable(
            f"database error, nothing was changed: {driver_reason(error)}", database=""
        )
        fail(found, as_json="--json" in sys.argv[1:])


def _from_the_database(error: BaseException) -> bool:
    """Whether `error` was raised by the database driver or SQLAlchemy."""
    return type(error).__module__.partition(".")[0] in ("sqlalchemy", "sqlite3", "psycopg")
