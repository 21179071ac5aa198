"""README.md runs as written: every Python and shell block, in order, in an empty folder.

- ```` ```pycon ````: a doctest (``...`` elides), in one namespace that all Python blocks share;
- ```` ```python ````: run in that namespace;
- ```` ```console ````: each ``$ command`` runs under bash in the folder; the lines after it,
  up to the next ``$``, are its output (stdout and stderr together, trailing spaces
  ignored); ``...`` alone on a line stands for any lines, inside a line for any text.
  Every command must succeed (a README shows an expected failure with ``|| echo "exit $?"``);
- ```` ```bash ```` and ```` ```sh ````: run; they must succeed.

A block may be left out only when the line before it says why:
``<!-- readme-test: not run (…) -->``; only setup and install blocks may be.

The ``policyflow`` the shell finds is this interpreter's (``python -m policyflow``), so the
README is checked against the code under test, not whatever else is on the PATH.
"""

from __future__ import annotations

import doctest
import io
import os
import re
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
PYTHON = ("python", "pycon")
SHELL = ("console", "bash", "sh", "shell")
SKIP = re.compile(r"<!--\s*readme-test:\s*not run\s*\((?P<why>[^)]+)\)\s*-->")
FENCE = re.compile(r"^(?P<fence>`{3,})(?P<lang>[\w-]*)\s*$")


@dataclass(frozen=True)
class Block:
    """One fenced block of README.md."""

    lang: str
    text: str
    line: int  # the line of its opening fence, 1-based
    skip: str | None  # why it is not run, or None


def blocks(text: str) -> list[Block]:
    """Every fenced block, with the reason to skip it given on the line before, if any."""
    lines = text.splitlines()
    found: list[Block] = []
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        fence, lang = opening["fence"], opening["lang"]
        end = index + 1
        while end < len(lines) and not re.fullmatch(f"{fence}`*\\s*", lines[end]):
            end += 1
        assert end < len(lines), f"README.md:{index + 1}: a block that is never closed"
        marker = SKIP.search(lines[index - 1]) if index else None
        body = "\n".join(lines[index + 1 : end]) + "\n"
        found.append(Block(lang, body, index + 1, marker["why"] if marker else None))
        index = end + 1
    return found


def commands(block: Block) -> list[tuple[int, str, list[str]]]:
    """The ``$ command`` lines of a console block, each with the output lines shown after it."""
    result: list[tuple[int, str, list[str]]] = []
    for offset, line in enumerate(block.text.splitlines(), start=1):
        if line.startswith("$ "):
            result.append((block.line + offset, line[2:], []))
        else:
            assert result, f"README.md:{block.line + offset}: output before any command"
            result[-1][2].append(line)
    return result


def pattern(expected: list[str]) -> re.Pattern[str]:
    """The output `expected` shows, as a regex: ``...`` for any lines or any text in a line."""
    parts = []
    for line in expected:
        stripped = line.rstrip()
        if stripped == "...":
            parts.append(r"(?:[^\n]*\n)*?")
        else:
            parts.append(".*?".join(re.escape(p) for p in stripped.split("...")) + r"\n")
    return re.compile("".join(parts))


def matches(expected: list[str], actual: str) -> bool:
    """Whether `actual` output is what `expected` shows (trailing spaces ignored)."""
    lines = [line.rstrip() for line in actual.splitlines()]
    text = "".join(f"{line}\n" for line in lines)
    return pattern(expected).fullmatch(text) is not None


@pytest.fixture
def shell_env(tmp_path: Path) -> dict[str, str]:
    """The environment of the README's shell: this interpreter's `policyflow` first on PATH."""
    shims = tmp_path / "bin"
    shims.mkdir()
    script = shims / "policyflow"
    script.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m policyflow "$@"\n', encoding="utf-8")
    script.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYFLOW_")}
    env["PATH"] = f"{shims}{os.pathsep}{env.get('PATH', '')}"
    return env


def test_matcher_elides_lines_and_text_but_nothing_else():
    """``...`` stands for lines or text; anything else must be shown as it is."""
    assert matches(["a", "...", "d"], "a\nb\nc\nd\n")
    assert matches(["a", "...", "b"], "a\nb\n")
    assert matches(["case 1 · x@... · version 2"], "case 1 · x@3f2a · version 2  \n")
    assert not matches(["a", "d"], "a\nb\nd\n")
    assert not matches(["case ... version 2"], "case 1\nversion 2\n")
    assert not matches(["a"], "a\nb\n")


def test_only_setup_and_install_blocks_are_left_out():
    """Every Python and shell block runs, except setup or install blocks that say why not."""
    found = [b for b in blocks(README.read_text(encoding="utf-8")) if b.lang in PYTHON + SHELL]
    skipped = [b for b in found if b.skip is not None]
    for block in skipped:
        setup = "tasks.py" in block.text or "pip install" in block.text
        assert setup, f"README.md:{block.line}: only setup or install blocks may be left out"
    assert len(found) - len(skipped) >= 8, "the README's walkthrough is run"


def test_every_extra_is_in_the_readme_and_every_named_extra_exists():
    """The table of extras names each extra of pyproject.toml, and names no other."""
    extras = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    )
    text = README.read_text(encoding="utf-8")
    named = set(re.findall(r"policyflow\[(\w+)\]", text)) | set(re.findall(r"\.\[(\w+)\]", text))
    assert named <= extras, f"README names extras pyproject does not have: {named - extras}"
    assert extras <= named, f"README does not say what these extras are for: {extras - named}"


def test_the_readme_runs_as_written(tmp_path, shell_env, monkeypatch):
    """README.md followed literally in an empty folder: every block, its output as shown."""
    folder = tmp_path / "reader"
    folder.mkdir()
    monkeypatch.chdir(folder)
    for name in [k for k in os.environ if k.startswith("POLICYFLOW_")]:
        monkeypatch.delenv(name)
    namespace: dict[str, object] = {"__name__": "__readme__"}
    ran = 0
    for block in blocks(README.read_text(encoding="utf-8")):
        if block.skip is not None or block.lang not in PYTHON + SHELL:
            continue
        ran += 1
        if block.lang == "pycon":
            _run_doctest(block, namespace)
        elif block.lang == "python":
            exec(compile(block.text, f"README.md:{block.line}", "exec"), namespace)
        elif block.lang == "console":
            for line, command, expected in commands(block):
                done = _bash(command, folder, shell_env)
                assert done.returncode == 0, f"README.md:{line}: `{command}` failed:\n{done.stdout}"
                assert matches(expected, done.stdout), (
                    f"README.md:{line}: `{command}` printed\n{done.stdout}\n"
                    "which is not what README.md shows:\n" + "\n".join(expected)
                )
        else:
            done = _bash(block.text, folder, shell_env)
            assert done.returncode == 0, f"README.md:{block.line}: failed:\n{done.stdout}"
    assert ran >= 8


def _bash(script: str, folder: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-o", "pipefail", "-c", script],
        cwd=folder,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=600,
    )


def _run_doctest(block: Block, namespace: dict[str, object]) -> None:
    parser = doctest.DocTestParser()
    test = parser.get_doctest(block.text, namespace, "README.md", str(README), block.line)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS, verbose=False)
    report = io.StringIO()
    runner.run(test, out=report.write, clear_globs=False)
    assert runner.failures == 0, report.getvalue()
