#!/usr/bin/env python3
"""Set up policyflow in ./.venv and run its main job or its whole test suite.

Usage:
    python3 tasks.py main     set up, then run a real case end to end (the main job)
    python3 tasks.py test     set up, then run the linters, the type checker and every test

Needs only python3: the virtual environment and every Python package are installed here.
System packages (Graphviz, the PostgreSQL server) are installed by .ci/run in CI; without
them the tests that need them are skipped with a reason, except under CI=true.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / "python"


def run(*args: str | Path) -> None:
    """Run a command from the repository root, stopping here with its exit code on failure."""
    print("+", " ".join(str(a) for a in args), flush=True)
    code = subprocess.call([str(a) for a in args], cwd=ROOT)
    if code:
        sys.exit(code)


def setup(extra: str) -> None:
    """Create .venv and install policyflow (editable) with `extra`, once per pyproject change."""
    if not PY.exists():
        venv.EnvBuilder(with_pip=True).create(VENV)
    stamp = VENV / f".installed-{extra or 'base'}"
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    run(PY, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(PY, "-m", "pip", "install", "--quiet", "-e", f".[{extra}]" if extra else ".")
    stamp.write_text(digest)


def main_job() -> None:
    """The main job: a real case run end to end on the embedded database."""
    setup("")
    run(BIN / "policyflow", "demo")


def test() -> None:
    """Every check CI runs: ruff (lint, format), mypy --strict, the process linter, pytest."""
    setup("test")
    run(BIN / "ruff", "check", "src", "tests", "benchmarks", "scripts", "tasks.py")
    run(BIN / "ruff", "format", "--check", "src", "tests", "benchmarks", "scripts", "tasks.py")
    run(BIN / "mypy")
    run(BIN / "policyflow", "lint")
    run(BIN / "policyflow", "diagram", "--all", "--check")
    run(PY, "-m", "pytest", *sys.argv[2:])


if __name__ == "__main__":
    jobs = {"main": main_job, "test": test}
    if len(sys.argv) < 2 or sys.argv[1] not in jobs:
        sys.exit(__doc__)
    jobs[sys.argv[1]]()
