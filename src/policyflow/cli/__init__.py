"""The command line: a thin typer shell over the public API.

Each command lives in its own module and registers itself on ``app`` when imported.
``main`` turns every :class:`~policyflow.errors.PolicyflowError` into one line on
stderr and its exit code, so a user's mistake never shows a traceback.
"""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(
    name="policyflow",
    help="Chinese S&T procedures as deadline-aware state machines.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# One module per command; importing it registers the command on `app`.
COMMAND_MODULES = (
    "due",
    "demo",
    "case",
    "tick",
    "verify",
    "export",
    "simulate",
    "diagram",
    "processes",
    "show",
    "lint",
    "schema",
    "calendar",
    "worker",
)


def _register() -> None:
    for name in COMMAND_MODULES:
        importlib.import_module(f"policyflow.cli.{name}")


def main() -> None:
    """Run the command line; exit with a PolicyflowError's exit code, never a traceback."""
    from policyflow.cli.output import run_app

    _register()
    run_app(app)
