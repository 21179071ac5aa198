"""A fast start: `policyflow --help` and `policyflow due` load no database or simulation code.

Checked by the modules each leaves in ``sys.modules``, in a fresh interpreter.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = (
    "sqlalchemy",
    "sqlmodel",
    "alembic",
    "pandas",
    "policyflow.engine",
    "policyflow.store",
    "policyflow.sim",
)

# Runs the command line in-process, then prints the modules it imported, as JSON on stderr.
PROBE = """
import json, sys
sys.argv = ["policyflow", *json.loads(sys.argv[1])]
try:
    from policyflow.cli import main
    main()
except SystemExit as done:
    code = done.code
else:
    code = 0
sys.stderr.write("\\nMODULES " + json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def loaded(*args: str) -> tuple[int, set[str]]:
    """The exit code of `policyflow ARGS` and the modules it imported."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(args)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    report = json.loads(done.stderr.rsplit("MODULES ", 1)[1])
    return report["code"], set(report["modules"])


def heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in HEAVY or m.startswith(HEAVY))


@pytest.mark.parametrize(
    "args",
    [
        ("--help",),
        ("case", "--help"),
        ("due", "2023-09-25", "五个工作日"),
        ("due", "2023-09-25", "五个工作日", "--explain", "--json"),
    ],
)
def test_help_and_due_import_no_database_or_simulation_code(args):
    """--help lists every command and `due` counts a date without SQLAlchemy or pandas."""
    code, modules = loaded(*args)
    assert code in (0, None)
    assert heavy(modules) == []


def test_the_probe_sees_a_command_that_does_load_the_engine(tmp_path):
    """The check can fail: `case list` does import SQLAlchemy."""
    from policyflow.store.database import Database

    Database(tmp_path / "cases.db").dispose()  # `case list` only reads: it needs one
    code, modules = loaded("case", "list", "--db", str(tmp_path / "cases.db"))
    assert code in (0, None) and "sqlalchemy" in modules


def test_importing_policyflow_imports_neither_definitions_nor_the_render_layer():
    """`import policyflow` stays light: the notebook display hook imports nothing until shown."""
    code = "import sys, policyflow; print(sorted(sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    modules = done.stdout
    assert "'policyflow.render" not in modules and "'policyflow.definition" not in modules
