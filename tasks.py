#!/usr/bin/env python3
"""Set up policyflow in ./.venv and run its main job or its whole test suite.

Usage:
    python3 tasks.py main     set up, then run a real case end to end (the main job)
    python3 tasks.py test     set up, then run the linters, the type checker and every test
    python3 tasks.py wheel    build the wheel, install it alone into a fresh virtual
                              environment, and run it there as a user would
    python3 tasks.py docs     set up, build the documentation site into site/ (mkdocs
                              build --strict), then open it in headless Chromium to check it

Needs only python3: the virtual environments and every Python package are installed here.
System packages (Graphviz, the PostgreSQL server, Chromium for the site's browser check) are
installed by .ci/run in CI; without them the tests that need them are skipped with a reason,
except under CI=true (and the site's browser check always needs Chromium).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / "python"


def run(*args: str | Path, cwd: Path = ROOT) -> None:
    """Run a command (from the repository root), stopping here with its exit code on failure."""
    print("+", " ".join(str(a) for a in args), flush=True)
    code = subprocess.call([str(a) for a in args], cwd=cwd)
    if code:
        sys.exit(code)


def expect_missing_extra(command: list[str | Path], extra: str, cwd: Path) -> None:
    """Run `command`; it must exit 2 with the line that installs `extra`, and no traceback."""
    print("+", " ".join(str(a) for a in command), f"(expects exit 2 and policyflow[{extra}])")
    done = subprocess.run(
        [str(a) for a in command], cwd=cwd, capture_output=True, text=True, check=False
    )
    wanted = f"pip install 'policyflow[{extra}]'"
    if done.returncode != 2 or wanted not in done.stderr or "Traceback" in done.stderr:
        print(done.stdout, done.stderr, sep="\n", file=sys.stderr)
        sys.exit(f"expected exit 2 and {wanted!r} on stderr, got exit {done.returncode}")


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
    """Every check CI runs, the documentation site built among them.

    ruff (lint, format), mypy --strict, the process linter, the diagrams, the site built
    with --strict, then pytest: the site's browser check is among the tests (skipped, saying
    why, where Chromium is not installed, unless POLICYFLOW_REQUIRE_SITE=1 as in CI).
    """
    setup("test")
    run(BIN / "ruff", "check", "src", "tests", "benchmarks", "scripts", "tasks.py")
    run(BIN / "ruff", "format", "--check", "src", "tests", "benchmarks", "scripts", "tasks.py")
    run(BIN / "mypy")
    run(BIN / "policyflow", "lint")
    run(BIN / "policyflow", "diagram", "--all", "--check")
    build_site()
    run(PY, "-m", "pytest", *sys.argv[2:])


def wheel() -> None:
    """Build the wheel and use it as a user would: a fresh venv, the wheel alone, no repo.

    The installed command runs the main job and finds the built-in processes inside the
    wheel; a feature whose extra is not installed says which one, exit 2.
    """
    if not PY.exists():  # only .venv's pip builds the wheel; what .venv holds does not matter
        venv.EnvBuilder(with_pip=True).create(VENV)
    with tempfile.TemporaryDirectory(prefix="policyflow-wheel-") as folder:
        work = Path(folder)
        dist, home, env = work / "dist", work / "home", work / "venv"
        home.mkdir()
        run(PY, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", dist, ".")
        [built] = dist.glob("policyflow-*.whl")
        venv.EnvBuilder(with_pip=True).create(env)
        bin_ = env / ("Scripts" if os.name == "nt" else "bin")
        run(bin_ / "python", "-m", "pip", "install", "--quiet", built)
        command = bin_ / "policyflow"
        # from an empty folder, so nothing of the repository can be found by accident
        run(command, "--help", cwd=home)
        run(command, "processes", cwd=home)
        run(command, "demo", cwd=home)
        run(command, "due", "2023-09-25", "五个工作日", cwd=home)
        run(
            bin_ / "python",
            "-c",
            "import policyflow, pathlib; "
            "root = pathlib.Path(policyflow.__file__).parent; "
            "assert (root / 'py.typed').is_file(), 'py.typed is missing'; "
            "assert policyflow.catalog(), 'no built-in processes in the wheel'; "
            "print('policyflow', policyflow.__version__, 'from', root)",
            cwd=home,
        )
        expect_missing_extra([command, "simulate", "most-penalty", "-n", "5"], "pandas", home)
        postgres = "postgresql://user@localhost/cases"
        expect_missing_extra([command, "case", "list", "--db", postgres], "postgres", home)


def build_site() -> None:
    """Build the documentation site into site/ with --strict (any warning fails it)."""
    setup("docs")
    os.environ["NO_MKDOCS_2_WARNING"] = "1"  # the theme's banner about its successor
    run(BIN / "mkdocs", "build", "--strict", "--quiet", "--site-dir", ROOT / "site")


def docs() -> None:
    """The documentation site: build site/ with --strict, then check it in headless Chromium.

    The process catalogue is made from processes/ while the site is built
    (scripts/docs_hooks.py). The check (tests/website) serves site/ on loopback and opens
    its pages in the system's Chromium; there it fails, not skips, when anything is missing.
    """
    started = time.monotonic()
    build_site()
    os.environ["POLICYFLOW_REQUIRE_SITE"] = "1"
    run(PY, "-m", "pytest", "-p", "no:cacheprovider", "-q", "tests/website")
    print(f"site built and checked in {time.monotonic() - started:.0f} s: {ROOT / 'site'}")


if __name__ == "__main__":
    jobs = {"main": main_job, "test": test, "wheel": wheel, "docs": docs}
    if len(sys.argv) < 2 or sys.argv[1] not in jobs:
        sys.exit(__doc__)
    jobs[sys.argv[1]]()
