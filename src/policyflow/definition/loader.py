"""Process files → Process: safe YAML, every error at file:line:column, content-hash version.

The YAML is composed with PyYAML's SafeLoader (plain data only: no tags that build
objects, nothing that executes Python), keeping the position of every node, so that an
error pydantic reports at ``states[3].id`` is shown at the line and column of that value.
Duplicate keys, which ``yaml.safe_load`` silently overwrites, are refused.

After the schema, the checks that would make a process unrunnable (see checks.py: unknown
states, events, fields and roles, CEL that does not compile or type-check, duplicate ids)
are run; the linter runs the same checks plus the advisory ones and reports them all.
Which file holds which built-in process is catalog.py's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from policyflow.definition import bounded_yaml
from policyflow.definition.checks import Problem, check
from policyflow.definition.expressions import closest
from policyflow.definition.model import Process
from policyflow.errors import DefinitionError

__all__ = ["Parsed", "Positions", "load_file", "load_text", "parse"]

#: Path of a node (keys and list indexes) → (line, column), both from 1.
Positions = Mapping[tuple[str | int, ...], tuple[int, int]]


@dataclass(frozen=True, slots=True)
class Parsed:
    """A parsed process file: the process (None if the schema failed) and every problem.

    Attributes:
        path: the file's path as given (or "<string>").
        process: the validated process, or None.
        problems: schema errors, then the checks' findings (errors and advisories).
        positions: where each node is in the file.
    """

    path: str
    process: Process | None
    problems: tuple[Problem, ...]
    positions: Positions

    @property
    def errors(self) -> tuple[Problem, ...]:
        """The problems that are errors (not advisories)."""
        return tuple(p for p in self.problems if p.fatal)


_PLAIN_TAGS = frozenset({"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"})


class _Composer:
    """Builds plain data from a composed YAML node tree, remembering each node's position."""

    def __init__(self, loader: yaml.SafeLoader) -> None:
        self.loader = loader
        self.positions: dict[tuple[str | int, ...], tuple[int, int]] = {}
        self.problems: list[tuple[tuple[str | int, ...], str]] = []

    def build(self, node: yaml.Node, path: tuple[str | int, ...]) -> Any:
        mark = node.start_mark
        self.positions.setdefault(path, (mark.line + 1, mark.column + 1))
        if not isinstance(node, yaml.ScalarNode) and node.tag not in _PLAIN_TAGS:
            # Scalars go through SafeLoader's constructors, which refuse unknown tags; a
            # tagged list or mapping must be refused here (nothing is ever constructed).
            raise yaml.constructor.ConstructorError(
                None, None, f"unsupported YAML tag {node.tag!r}", node.start_mark
            )
        if isinstance(node, yaml.MappingNode):
            self.loader.flatten_mapping(node)
            result: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key = self.loader.construct_object(key_node, deep=True)
                if not isinstance(key, str | int | bool | float) or key is None:
                    key = str(key)
                if key in result:
                    kmark = key_node.start_mark
                    self.positions[(*path, "\0dup", str(key))] = (kmark.line + 1, kmark.column + 1)
                    self.problems.append(((*path, "\0dup", str(key)), f"duplicate key {key!r}"))
                    continue
                kmark = key_node.start_mark
                self.positions[(*path, str(key))] = (kmark.line + 1, kmark.column + 1)
                result[key] = self.build(value_node, (*path, str(key)))
                # a value's own position is where it starts (lists and mappings: first item)
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, index)) for index, item in enumerate(node.value)]
        self.positions[path] = (mark.line + 1, mark.column + 1)  # a scalar: at its value
        return self.loader.construct_object(node, deep=True)


def _compose(text: str) -> tuple[Any, dict[tuple[str | int, ...], tuple[int, int]], list[Any]]:
    reason = bounded_yaml.too_large(text)
    if reason is not None:
        raise yaml.YAMLError(reason)
    loader = bounded_yaml.BoundedLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}, []
        composer = _Composer(loader)
        data = composer.build(node, ())
        return data, composer.positions, composer.problems
    finally:
        loader.dispose()


def locate(positions: Positions, path: tuple[str | int, ...]) -> tuple[int, int]:
    """The position of the deepest node on `path` that exists in the file.

    A list the file gives as its one item (``signal: {…}`` for ``signal: [{…}]``) has no
    index 0 in the file: the path is also tried without it.
    """
    for end in range(len(path), -1, -1):
        head = tuple(path[:end])
        found = positions.get(head)
        for index, part in enumerate(head):
            if found is None and part == 0 and index:
                found = positions.get(head[:index] + head[index + 1 :])
        if found is not None:
            return found
    return (1, 1)


def _model_path(loc: tuple[int | str, ...]) -> tuple[str | int, ...]:
    """A pydantic error location without its union and validator tags."""
    path: list[str | int] = []
    for part in loc:
        if isinstance(part, str) and (
            part.startswith(("function-", "literal[", "union[", "tagged-union["))
            or part in ("Expiry", "str", "int", "list[", "dict[")
            or not part.replace("_", "").isalnum()
        ):
            continue
        path.append("from" if part == "from_" else part)
    return tuple(path)


def _dotted(path: tuple[str | int, ...]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top)"


def _fields_of(model: type[BaseModel] | None) -> list[str]:
    if model is None:
        return []
    return [f.alias or name for name, f in model.model_fields.items()]


def _schema_problems(error: ValidationError, positions: Positions, path: str) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[tuple[str | int, ...]] = set()
    for item in error.errors():
        where = _model_path(item["loc"])
        kind = item["type"]
        message = item["msg"].removeprefix("Value error, ")
        if kind == "extra_forbidden":
            name = str(where[-1]) if where else "?"
            known = _known_keys(where[:-1])
            message = f"unknown key {name!r}{closest(name, known)}"
        elif kind == "missing":
            message = f"missing required key {str(where[-1]) if where else '?'!r}"
            line, column = locate(positions, where[:-1])
            problems.append(
                Problem(path, line, column, "schema", f"{_dotted(where)}: {message}", True)
            )
            continue
        elif kind == "string_pattern_mismatch":
            got = item.get("input")
            if "a-z0-9]+(-" in item.get("ctx", {}).get("pattern", ""):
                message = f"{got!r} is not a process id (kebab-case, folders joined by dots)"
            else:
                message = f"{got!r} is not a snake_case English id"
        elif kind == "literal_error" and where and where[-1] == "on_expiry":
            message = "expected 'overdue' or {fire: event}"
        if where in seen and kind != "extra_forbidden":
            continue
        seen.add(where)
        line, column = locate(positions, where)
        problems.append(Problem(path, line, column, "schema", f"{_dotted(where)}: {message}", True))
    return problems


def _known_keys(where: tuple[str | int, ...]) -> list[str]:
    """The keys accepted at `where` (for 'did you mean'), found by walking the models."""
    current: Any = Process
    for part in where:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return []
        field = next((f for n, f in current.model_fields.items() if (f.alias or n) == part), None)
        if field is None:
            return []
        current = _inner_model(field.annotation)
    return (
        _fields_of(current) if isinstance(current, type) and issubclass(current, BaseModel) else []
    )


def _inner_model(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def parse(text: str, path: str | Path | None = None, *, process_id: str | None = None) -> Parsed:
    """Parse a process file and check it; never raises for a bad definition.

    Args:
        text: the YAML text.
        path: the file's path, for messages.
        process_id: the id the process must have (the catalog's path rule); filled in
            when the file has none.
    """
    name = "<string>" if path is None else str(path)
    try:
        data, positions, duplicates = _compose(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = " ".join(str(error.problem or error).split())
        return Parsed(
            name, None, (Problem(name, line, column, "yaml", f"invalid YAML: {problem}", True),), {}
        )
    except yaml.YAMLError as error:
        return Parsed(
            name,
            None,
            (Problem(name, 1, 1, "yaml", f"invalid YAML: {' '.join(str(error).split())}", True),),
            {},
        )
    problems = [
        Problem(name, *locate(positions, where), "schema", message, True)
        for where, message in duplicates
    ]
    if not isinstance(data, dict):
        got = "an empty file" if data is None else type(data).__name__
        problems.append(
            Problem(name, 1, 1, "schema", f"expected a process (a mapping), got {got}", True)
        )
        return Parsed(name, None, tuple(problems), positions)
    if process_id is not None:
        given = data.get("id")
        if given is None:
            data["id"] = process_id
        elif given != process_id:
            line, column = locate(positions, ("id",))
            problems.append(
                Problem(
                    name,
                    line,
                    column,
                    "id",
                    f"id {given!r} does not match the file's place: {process_id!r} "
                    "(a built-in process's id is its kebab-case path under processes/)",
                    True,
                )
            )
    elif "id" not in data and path is not None:
        data["id"] = default_id(Path(path))
    try:
        process = Process.model_validate(data)
    except ValidationError as error:
        problems.extend(_schema_problems(error, positions, name))
        return Parsed(name, None, tuple(problems), positions)
    problems.extend(check(process, positions, name, text))
    return Parsed(name, process, tuple(problems), positions)


def default_id(path: Path) -> str:
    """The id of a process file loaded by path that names none: its stem in kebab case.

    ``main.yaml`` takes its folder's name.
    """
    stem = path.parent.name if path.stem == "main" else path.stem
    return stem.replace("_", "-").lower()


def load_text(
    text: str, path: str | Path | None = None, *, process_id: str | None = None
) -> Process:
    """Load a process from YAML text.

    Raises:
        DefinitionError: the first error as ``path:line:col: message`` (with how many more
            there are); ``policyflow lint`` lists them all.
    """
    parsed = parse(text, path, process_id=process_id)
    errors = parsed.errors
    if errors or parsed.process is None:
        first = errors[0]
        more = (
            f" (and {len(errors) - 1} more; run 'policyflow lint {parsed.path}')"
            if len(errors) > 1
            else ""
        )
        raise DefinitionError(
            f"{first}{more}", path=first.path, line=first.line, column=first.column
        )
    return parsed.process


def load_file(path: str | Path, *, process_id: str | None = None) -> Process:
    """Load a process file.

    Raises:
        DefinitionError: the file cannot be read, or is not a valid process.
    """
    file = Path(path)
    try:
        if file.is_file() and file.stat().st_size > 4 * bounded_yaml.MAX_TEXT:
            raise DefinitionError(
                f"{file}:1:1: cannot read the process file: it holds "
                f"{file.stat().st_size:,} bytes, more than {4 * bounded_yaml.MAX_TEXT:,}",
                path=file,
                line=1,
                column=1,
            )
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        raise DefinitionError(
            f"{file}:1:1: cannot read the process file: {reason}", path=file, line=1, column=1
        ) from None
    return load_text(text, file, process_id=process_id)
