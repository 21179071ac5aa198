"""What a built wheel says about policyflow: one version, a license, extras, classifiers, URLs."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import policyflow

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _names(requirements: list[str]) -> set[str]:
    return {re.split(r"[\[<>=!~; ]", r, maxsplit=1)[0].lower() for r in requirements}


def test_the_version_is_written_once_in_the_package():
    """pyproject.toml reads the version from policyflow/__init__.py; it writes none itself."""
    assert "version" not in PROJECT and "version" in PROJECT["dynamic"]
    tool = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]
    assert tool["hatch"]["version"]["path"] == "src/policyflow/__init__.py"
    assert re.fullmatch(r"\d+\.\d+\.\d+", policyflow.__version__)


def test_the_license_file_says_what_pyproject_says():
    """MIT in pyproject.toml, and the MIT text in LICENSE, which the wheel carries."""
    assert PROJECT["license"] == "MIT" and PROJECT["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License") and "Permission is hereby granted" in text


def test_classifiers_urls_and_typing_marker():
    """Classifiers (Typed among them), project URLs, and py.typed in the package."""
    assert "Typing :: Typed" in PROJECT["classifiers"]
    assert {"Homepage", "Documentation", "Source", "Issues"} <= set(PROJECT["urls"])
    assert (ROOT / "src" / "policyflow" / "py.typed").is_file()


def test_extras_notebook_postgres_all_and_test():
    """notebook and postgres bring what they say; all is both; test is all plus the tools."""
    extras = PROJECT["optional-dependencies"]
    assert _names(extras["notebook"]) == {"pandas", "matplotlib", "ipykernel", "pyarrow"}
    assert _names(extras["postgres"]) == {"psycopg"}
    assert extras["all"] == ["policyflow[notebook,postgres]"]
    assert "policyflow[all]" in extras["test"] and {"pytest", "mypy", "ruff"} <= _names(
        extras["test"]
    )
