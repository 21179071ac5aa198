"""docs/tutorial.md runs as written, by the rules of tests/test_readme.py: every shell and
Python block in order, in an empty folder, its output as shown (``...`` elides).
"""

from __future__ import annotations

import os
from pathlib import Path

from test_readme import (  # the same rules and the same shell as README.md
    PYTHON,
    SHELL,
    _bash,
    _run_doctest,
    blocks,
    commands,
    matches,
    shell_env,  # noqa: F401 (a fixture, used by name)
)

TUTORIAL = Path(__file__).resolve().parents[1] / "docs" / "tutorial.md"


def test_the_tutorial_runs_as_written(tmp_path, shell_env, monkeypatch):  # noqa: F811 (the fixture)
    folder = tmp_path / "reader"
    folder.mkdir()
    monkeypatch.chdir(folder)
    for name in [k for k in os.environ if k.startswith("POLICYFLOW_")]:
        monkeypatch.delenv(name)
    namespace: dict[str, object] = {"__name__": "__tutorial__"}
    ran = 0
    for block in blocks(TUTORIAL.read_text(encoding="utf-8")):
        if block.lang not in PYTHON + SHELL:
            continue
        if block.skip is not None:
            assert "pip install" in block.text, f"tutorial.md:{block.line}: only installs skip"
            continue
        ran += 1
        if block.lang == "pycon":
            _run_doctest(block, namespace)
        elif block.lang == "console":
            for line, command, expected in commands(block):
                done = _bash(command, folder, shell_env)
                failed = f"tutorial.md:{line}: `{command}` failed:\n{done.stdout}"
                assert done.returncode == 0, failed
                assert matches(expected, done.stdout), (
                    f"tutorial.md:{line}: `{command}` printed\n{done.stdout}\n"
                    "which is not what docs/tutorial.md shows:\n" + "\n".join(expected)
                )
        else:
            raise AssertionError(f"tutorial.md:{block.line}: a {block.lang} block is not run here")
    assert ran >= 6, "the tutorial's steps are run"
