"""The linter: every problem in process files, each at file:line:column.

``lint_paths`` reads files and folders (default: every built-in process), parses each
(schema errors with their positions), runs every check of checks.py, and returns the
findings: schema errors, unreachable states, non-final dead ends, unknown states, events,
fields and roles (with the closest name), CEL that does not compile or type-check, expiry
and extension events that do not exist, elements without a legal basis, duplicate ids.
Printing and exit codes are the command line's (cli/lint.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from policyflow.definition.catalog import builtin_root, discover, process_id_for
from policyflow.definition.checks import Problem
from policyflow.definition.loader import parse

__all__ = ["LintReport", "lint_paths", "lint_text"]

_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True, slots=True)
class LintReport:
    """What the linter found.

    Attributes:
        files: the files checked, in order.
        problems: every finding, file by file.
    """

    files: tuple[Path, ...]
    problems: tuple[Problem, ...]

    @property
    def errors(self) -> tuple[Problem, ...]:
        """The findings that fail the lint (everything but warnings)."""
        return tuple(p for p in self.problems if not p.warning)

    @property
    def ok(self) -> bool:
        """True when no finding is an error."""
        return not self.errors


def lint_text(
    text: str, path: str | Path = "<string>", *, process_id: str | None = None
) -> list[Problem]:
    """Every finding in one process file's text."""
    return list(parse(text, path, process_id=process_id).problems)


def _files(paths: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                p
                for p in sorted(path.rglob("*"))
                if p.suffix in _SUFFIXES
                and ".scenario." not in p.name
                and not any(part.startswith(("_", ".")) for part in p.relative_to(path).parts)
            )
        else:
            files.append(path)
    return files


def _is_under(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def lint_paths(paths: Iterable[str | Path] = ()) -> LintReport:
    """Lint process files and folders; with no paths, every built-in process.

    A missing path is itself a finding. Files under the built-in folder are held to the
    id rule (their id must be their path).
    """
    given = [Path(p) for p in paths]
    root = builtin_root()
    if not given:
        files = _files([root]) if root is not None else []
        discover(root)  # two files giving one id is an error (DefinitionError)
    else:
        files = _files(given)
    problems: list[Problem] = []
    for missing in (p for p in given if not p.exists()):
        problems.append(Problem(str(missing), 1, 1, "file", "no such file or folder"))
    checked: list[Path] = []
    for file in files:
        if not file.exists():
            continue
        checked.append(file)
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            problems.append(Problem(str(file), 1, 1, "file", f"cannot read the file: {error}"))
            continue
        process_id = process_id_for(file, root) if root is not None else None
        if process_id is None and root is not None and _is_under(file, root):
            problems.append(
                Problem(
                    str(file),
                    1,
                    1,
                    "id",
                    "file name breaks the id rule: each part of its path under processes/ must be "
                    "kebab-case (lower-case letters, digits, hyphens)",
                )
            )
        problems.extend(lint_text(text, file, process_id=process_id))
    return LintReport(tuple(checked), tuple(problems))
