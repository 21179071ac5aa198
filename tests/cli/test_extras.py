"""A feature whose extra is missing: one line with the exact pip command, exit 2, no traceback.

The base install is imitated by hiding a package (``sys.modules[name] = None`` makes both
``import`` and ``importlib.util.find_spec`` see it as absent); CI also runs the real base
install from the wheel (``tasks.py wheel``).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from policyflow.errors import MissingExtra

# Runs the command line with some packages hidden.
PROBE = """
import json, sys
for name in json.loads(sys.argv[1]):
    sys.modules[name] = None
sys.argv = ["policyflow", *json.loads(sys.argv[2])]
from policyflow.cli import main
main()
"""


def without(hidden: list[str], *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(hidden), json.dumps(args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("hidden", "args", "line"),
    [
        (
            ["pandas"],
            ["simulate", "most-penalty", "-n", "5"],
            "error: the simulation summary needs pandas, which is not installed: "
            "pip install 'policyflow[pandas]'",
        ),
        (
            ["pyarrow"],
            ["simulate", "most-penalty", "-n", "5", "--out", "cases.parquet"],
            "pip install 'policyflow[notebook]'",
        ),
        (
            ["psycopg"],
            ["case", "list", "--db", "postgresql://user@localhost/cases"],
            "error: a PostgreSQL database needs psycopg, which is not installed: "
            "pip install 'policyflow[postgres]'",
        ),
    ],
)
def test_a_missing_extra_exits_2_with_the_pip_line(hidden, args, line, tmp_path):
    """Nothing runs and nothing is written: one line naming the extra, exit 2."""
    done = without(hidden, *args, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    [printed] = done.stderr.strip().splitlines()
    assert line in printed
    assert not (tmp_path / "cases.parquet").exists()


def test_a_missing_extra_in_the_api_is_an_import_error_with_the_pip_line(monkeypatch):
    """The simulator's tables without pandas: MissingExtra (an ImportError), not a bare one."""
    from policyflow.sim.results import _pandas

    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(MissingExtra, match=r"pip install 'policyflow\[pandas\]'") as missing:
        _pandas()
    assert isinstance(missing.value, ImportError) and missing.value.extra == "pandas"


def test_a_missing_matplotlib_names_the_notebook_extra(monkeypatch):
    """Plots need matplotlib: the notebook extra."""
    from policyflow.sim.results import _axes

    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(MissingExtra, match=r"pip install 'policyflow\[notebook\]'"):
        _axes(None)


def test_missing_graphviz_is_one_line_and_exit_2(tmp_path):
    """SVG without Graphviz's `dot` on the PATH: exit 2, naming how to install it."""
    done = subprocess.run(
        [sys.executable, "-m", "policyflow", "diagram", "most-penalty", "-f", "svg"],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": str(tmp_path)},
        check=False,
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "graphviz" in done.stderr.lower() and len(done.stderr.strip().splitlines()) == 1
