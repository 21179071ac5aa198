"""What every command prints: JSON with --json, rich otherwise; errors as one line."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import typer
from rich.console import Console

from policyflow.errors import PolicyflowError

console = Console()
error_console = Console(stderr=True, highlight=False, soft_wrap=True)


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


def fail(error: PolicyflowError) -> None:
    """Print `error` as one line on stderr and exit with its exit code."""
    error_console.print(f"error: {error}", markup=False)
    raise SystemExit(error.exit_code)


def run_app(app: typer.Typer) -> None:
    """Run `app`, turning a PolicyflowError into one line and its exit code.

    Usage errors (a missing argument, an unknown option) are typer's own: exit 2.
    """
    try:
        app()
    except PolicyflowError as error:
        fail(error)
