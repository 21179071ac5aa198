"""Imports point down only: cli → engine → store · sim · render → runtime → definition → time."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "policyflow"

# Each layer and the layers it may import (errors is a leaf every layer may import).
ALLOWED: dict[str, set[str]] = {
    "legaltime": set(),
    "definition": {"legaltime"},
    "runtime": {"definition", "legaltime"},
    "render": {"runtime", "definition", "legaltime"},
    "store": {"runtime", "definition", "legaltime"},
    "sim": {"render", "runtime", "definition", "legaltime"},
    "engine": {"store", "render", "runtime", "definition", "legaltime"},
    "cli": {"engine", "store", "sim", "render", "runtime", "definition", "legaltime"},
}
LEAVES = {"errors"}


def _imported_layers(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
            if node.module == "policyflow":
                names += [f"policyflow.{alias.name}" for alias in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "policyflow" and len(parts) > 1:
                found.add(parts[1])
    return found


def test_layers_import_only_downwards():
    """No module imports a layer above its own, not even inside a function."""
    offenders = []
    for layer, allowed in ALLOWED.items():
        folder = SRC / layer
        if not folder.exists():
            continue
        for path in folder.rglob("*.py"):
            for imported in _imported_layers(path) - LEAVES - {layer}:
                if imported not in allowed:
                    offenders.append(f"{path.relative_to(SRC)} imports policyflow.{imported}")
    assert offenders == []


def test_errors_module_imports_nothing_of_ours():
    """errors.py is a leaf."""
    assert _imported_layers(SRC / "errors.py") == set()


def test_layer_check_catches_an_upward_import(tmp_path):
    """The checker itself sees an upward import (so the test above can fail)."""
    bad = tmp_path / "bad.py"
    bad.write_text("from policyflow.engine import Engine\n", encoding="utf-8")
    assert _imported_layers(bad) == {"engine"}
