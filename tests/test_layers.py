"""Imports point down only: cli → engine → store · sim · render → runtime → definition → time.

And no module of policyflow reaches itself through its imports, not even through an import
made only for type checking.
"""

from __future__ import annotations

import ast
from collections import deque
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


def _module_names(root: Path) -> dict[str, Path]:
    """Every module under the package folder `root`, by dotted name (a package by its own)."""
    names: dict[str, Path] = {}
    for path in root.rglob("*.py"):
        parts = [root.name, *path.relative_to(root).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


def _import_graph(root: Path) -> dict[str, set[str]]:
    """Each module under `root` and the modules under `root` it imports.

    Every import statement counts, wherever it is: inside a function or under
    ``if TYPE_CHECKING:`` too, as tools drawing the import graph see it. ``from a import b``
    is an edge to the module ``a.b`` when there is one, else to the package ``a``.
    """
    modules = _module_names(root)
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        imported: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names if alias.name in modules)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parents = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*parents, base] if base else parents)
                for alias in node.names:
                    if f"{base}.{alias.name}" in modules:
                        imported.add(f"{base}.{alias.name}")
                    elif base in modules:
                        imported.add(base)
        graph[name] = imported - {name}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[str]:
    """The shortest cycle through each module that has one, as ``a → b → a``, sorted."""
    found: set[tuple[str, ...]] = set()
    for start in graph:
        came_from: dict[str, str] = {}
        queue = deque([start])
        while queue:
            module = queue.popleft()
            if start in graph[module]:
                path = [module]
                while path[-1] != start:
                    path.append(came_from[path[-1]])
                cycle = path[::-1]
                first = cycle.index(min(cycle))
                found.add(tuple(cycle[first:] + cycle[:first]))
                break
            for nxt in sorted(graph[module]):
                if nxt not in came_from and nxt != start:
                    came_from[nxt] = module
                    queue.append(nxt)
    return sorted(" → ".join((*cycle, cycle[0])) for cycle in found)


def test_no_import_cycle():
    """No module of policyflow imports itself through others, type-only imports included."""
    assert _cycles(_import_graph(SRC)) == []


def test_cycle_check_names_a_cycle_through_a_type_checking_import(tmp_path):
    """The checker sees a cycle closed by a TYPE_CHECKING or relative import, and names it."""
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("from pkg.sub import table\n", encoding="utf-8")
    (package / "sub" / "__init__.py").write_text("", encoding="utf-8")
    (package / "sub" / "table.py").write_text("from . import count\n", encoding="utf-8")
    (package / "sub" / "count.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from pkg.sub.table import Table\n",
        encoding="utf-8",
    )
    graph = _import_graph(package)
    assert graph == {
        "pkg": {"pkg.sub.table"},
        "pkg.sub": set(),
        "pkg.sub.table": {"pkg.sub.count"},
        "pkg.sub.count": {"pkg.sub.table"},
    }
    assert _cycles(graph) == ["pkg.sub.count → pkg.sub.table → pkg.sub.count"]
