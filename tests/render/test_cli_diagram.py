"""`policyflow diagram`: one process to stdout or a file; --all writes; --check finds stale."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

BIN = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "policyflow"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "processes"

needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None, reason="Graphviz's dot is not installed"
)


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN), "diagram", *map(str, args)], capture_output=True, text=True, timeout=120
    )


@pytest.fixture(scope="module")
def processes_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A processes/ folder holding the permit and its child (the fixture folder has bad files)."""
    root = tmp_path_factory.mktemp("processes")
    shutil.copy(FIXTURES / "permit.yaml", root / "permit.yaml")
    (root / "permit").mkdir()
    shutil.copy(FIXTURES / "permit" / "inspection.yaml", root / "permit" / "inspection.yaml")
    return root


@needs_dot
def test_all_then_check_then_stale_then_missing(tmp_path, processes_root):
    """--all writes 5 files per process and an index; --check names a changed or missing file."""
    out = tmp_path / "diagrams"
    done = run("--all", "--dir", out, "--processes", processes_root)
    assert done.returncode == 0, done.stderr
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(
        [
            "README.md",
            *(
                f"{pid}{ext}"
                for pid in ("permit", "permit.inspection")
                for ext in (".md", ".svg", ".dot", ".bpmn", ".scxml")
            ),
        ]
    )
    first = {p.name: p.read_bytes() for p in out.iterdir()}
    assert run("--all", "--dir", out, "--processes", processes_root).returncode == 0
    assert {p.name: p.read_bytes() for p in out.iterdir()} == first  # byte-identical

    assert run("--check", "--dir", out, "--processes", processes_root).returncode == 0
    (out / "permit.scxml").write_text("<scxml/>", encoding="utf-8")
    (out / "permit.inspection.md").unlink()
    done = run("--check", "--dir", out, "--processes", processes_root)
    assert done.returncode == 1
    assert f"{out / 'permit.scxml'}: stale" in done.stderr
    assert f"{out / 'permit.inspection.md'}: missing" in done.stderr
    assert "permit.bpmn" not in done.stderr


@needs_dot
def test_check_sees_a_changed_process_through_the_svg_stamp(tmp_path, processes_root):
    """An SVG drawn from an older DOT source is stale even though Graphviz is not rerun."""
    out = tmp_path / "diagrams"
    assert run("--all", "--dir", out, "--processes", processes_root).returncode == 0
    svg = out / "permit.svg"
    svg.write_text(
        svg.read_text(encoding="utf-8").replace("sha256:", "sha256:0", 1), encoding="utf-8"
    )
    done = run("--check", "--dir", out, "--processes", processes_root)
    assert done.returncode == 1
    assert done.stderr.splitlines()[0] == f"{svg}: stale"


def test_one_process_to_stdout_and_to_a_file(tmp_path, processes_root):
    """ID --format bpmn prints BPMN; -o writes the same text to a file."""
    done = run("permit", "--format", "bpmn", "--processes", processes_root)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<bpmn:definitions')
    target = tmp_path / "p.scxml"
    assert run("permit", "-f", "scxml", "-o", target, "--processes", processes_root).returncode == 0
    assert "<scxml" in target.read_text(encoding="utf-8")


def test_user_mistakes_exit_2_in_one_line(processes_root):
    """An unknown process, an unknown format, or nothing to draw: exit 2, no traceback."""
    done = run("permitt", "--processes", processes_root)
    assert done.returncode == 2
    assert "unknown process 'permitt'" in done.stderr and "did you mean" in done.stderr
    assert "Traceback" not in done.stderr
    assert run("permit", "--format", "png").returncode == 2
    done = run()
    assert done.returncode == 2 and "give a process ID" in done.stderr
