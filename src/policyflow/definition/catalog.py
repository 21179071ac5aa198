"""The built-in processes: where they are, their ids, ``load(id | path)`` and ``catalog()``.

Built-in processes live in the ``processes/`` folder, shipped in the wheel as
``policyflow/processes``; in a source checkout, ``<repo>/processes`` is used.

The id rule: a process's id is its path under ``processes/`` without ``.yaml``, folders
joined by dots, every part kebab-case; a file named ``main.yaml`` takes its folder's id.

===========================================  ========================
processes/most-penalty.yaml                  most-penalty
processes/most-penalty/main.yaml             most-penalty
processes/most-penalty/recusal.yaml          most-penalty.recusal
processes/hgr/permit/renewal.yaml            hgr.permit.renewal
===========================================  ========================

Files ending ``.scenario.yaml`` (simulation scenarios) and files or folders starting with
``_`` are not processes. A built-in file may omit ``id``; if it gives one, it must match.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from policyflow.definition.expressions import closest
from policyflow.definition.loader import load_file
from policyflow.definition.model import Process
from policyflow.errors import DefinitionError, UnknownProcess

__all__ = [
    "CatalogEntry",
    "Finder",
    "ProcessSources",
    "builtin_root",
    "catalog",
    "discover",
    "load",
    "process_id_for",
]

_PART = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_SUFFIXES = (".yaml", ".yml")
_CACHE: dict[tuple[str, str | None, int, int], Process] = {}


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    """One built-in process.

    Attributes:
        id: the process id.
        title_zh: the Chinese title.
        title_en: the English title.
        path: the file.
        version: the content hash.
        sources: the source documents' 文号.
        states: how many states.
        transitions: how many transitions.
        deadlines: how many deadlines.
    """

    id: str
    title_zh: str
    title_en: str
    path: Path
    version: str
    sources: tuple[str, ...]
    states: int
    transitions: int
    deadlines: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "id": self.id,
            "title": {"zh": self.title_zh, "en": self.title_en},
            "path": str(self.path),
            "version": self.version,
            "sources": list(self.sources),
            "states": self.states,
            "transitions": self.transitions,
            "deadlines": self.deadlines,
        }


def builtin_root() -> Path | None:
    """The folder of the built-in processes: in the wheel, else the source checkout's."""
    here = Path(__file__).resolve()
    packaged = here.parents[1] / "processes"
    if packaged.is_dir():
        return packaged
    checkout = here.parents[3] / "processes"
    return checkout if checkout.is_dir() else None


def process_id_for(path: Path, root: Path) -> str | None:
    """The id of process file `path` under `root` by the id rule, or None if it breaks it."""
    try:
        relative = path.resolve().relative_to(root.resolve())
    except ValueError:
        return None
    parts = list(relative.parts)
    if not parts or not parts[-1].endswith(_SUFFIXES):
        return None
    parts[-1] = parts[-1].rsplit(".", 1)[0]
    if parts[-1] == "main" and len(parts) > 1:
        parts.pop()
    if not all(_PART.match(part) for part in parts):
        return None
    return ".".join(parts)


def _is_process_file(path: Path, root: Path) -> bool:
    relative = path.relative_to(root)
    if any(part.startswith(("_", ".")) for part in relative.parts):
        return False
    name = path.name
    return name.endswith(_SUFFIXES) and ".scenario." not in name


def discover(root: Path | None = None) -> dict[str, Path]:
    """Every process file under `root` (default: the built-ins) by id, sorted by id.

    A file whose path breaks the id rule is not a process here (``policyflow lint``
    reports it). The answer is kept while no folder under `root` changes: adding,
    removing or renaming a file changes its folder's modification time, and the folders
    are checked (one stat each) on every call.

    Raises:
        DefinitionError: two files give the same id.
    """
    root = root if root is not None else builtin_root()
    if root is None or not root.is_dir():
        return {}
    kept = _DISCOVERED.get(root)
    if kept is not None and all(_mtime(folder) == mtime for folder, mtime in kept[0]):
        return dict(kept[1])
    folders: list[tuple[str, int | None]] = []
    found = _walk(root, folders)
    _DISCOVERED[root] = (tuple(folders), found)
    return dict(found)


_DISCOVERED: dict[Path, tuple[tuple[tuple[str, int | None], ...], dict[str, Path]]] = {}


def _mtime(folder: str) -> int | None:
    try:
        return os.stat(folder).st_mtime_ns
    except OSError:
        return None


def _walk(root: Path, folders: list[tuple[str, int | None]]) -> dict[str, Path]:
    """Find the process files; note each folder's modification time before listing it."""
    found: dict[str, Path] = {}
    pending = [str(root)]
    while pending:
        folder = pending.pop(0)
        folders.append((folder, _mtime(folder)))  # before the listing: a later change shows
        try:
            entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
        except OSError:
            continue
        subfolders = []
        for entry in entries:
            if entry.is_dir():  # as os.walk: a linked folder is not entered
                if not entry.name.startswith(("_", ".")) and not entry.is_symlink():
                    subfolders.append(entry.path)
                continue
            path = Path(entry.path)
            if not _is_process_file(path, root):
                continue
            process_id = process_id_for(path, root)
            if process_id is None:
                continue  # not a process id: the linter reports it
            if process_id in found:
                raise DefinitionError(
                    f"{path}:1:1: process id {process_id!r} is also given by {found[process_id]}",
                    path=path,
                    line=1,
                    column=1,
                )
            found[process_id] = path
        pending[:0] = subfolders  # depth first, in name order, as os.walk went
    return dict(sorted(found.items()))


def _load_cached(path: Path, process_id: str | None) -> Process:
    try:
        stat = path.stat()
    except OSError:
        return load_file(path, process_id=process_id)
    key = (str(path.resolve()), process_id, stat.st_mtime_ns, stat.st_size)
    process = _CACHE.get(key)
    if process is None:
        process = load_file(path, process_id=process_id)
        _CACHE[key] = process
    return process


def load(ref: str | os.PathLike[str], *, root: Path | None = None) -> Process:
    """Load a built-in process by id, or a process file by path.

    Args:
        ref: a process id (``most-penalty``, ``most-penalty.recusal``) or a path to a YAML
            file. A file under the built-in folder (or `root`) gets its id from the id rule.
        root: a folder laid out like processes/ to look ids up in (default: the built-ins).

    Raises:
        UnknownProcess: no built-in process has that id and no file is at that path
            (with the closest id).
        DefinitionError: the file is not a valid process (file:line:column).
    """
    text = os.fspath(ref)
    looks_like_path = _looks_like_path(text)
    base = root if root is not None else builtin_root()
    if looks_like_path or not isinstance(ref, str):
        path = Path(text)
        if not path.is_file():
            raise UnknownProcess(f"no process file at {text}")
        process_id = process_id_for(path, base) if base is not None else None
        return _load_cached(path, process_id)
    processes = discover(base)
    path_for = processes.get(text)
    if path_for is None:
        where = f" in {base}" if root is not None else ""
        known = ", ".join(processes) or "none yet"
        raise UnknownProcess(
            f"unknown process {text!r}{where}{closest(text, processes)}; "
            f"built-in processes: {known}"
        )
    return _load_cached(path_for, text)


# Where process ids are looked up: a folder laid out like processes/, a list of process
# files (each under the id it declares), or None for the built-in processes.
ProcessSources = str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None


class Finder:
    """Loads processes by id from one kind of source (see :data:`ProcessSources`).

    A folder is looked up by the id rule, as :func:`load` does with `root`; a list of
    files is indexed by the id each file declares (loaded once); None is the built-ins.
    A path is always loaded as the file it names.
    """

    def __init__(self, sources: ProcessSources = None) -> None:
        self.root: Path | None = None
        self.files: tuple[Path, ...] | None = None
        if isinstance(sources, str | os.PathLike):
            self.root = Path(sources)
        elif sources is not None:
            self.files = tuple(Path(item) for item in sources)
        self._index: dict[str, Path] | None = None

    def __repr__(self) -> str:
        given = self.files if self.files is not None else self.root
        return f"Finder({given!r})"

    def load(self, ref: str | os.PathLike[str]) -> Process:
        """The process `ref` names: an id in these sources, or a file's path.

        Raises:
            UnknownProcess: no process with that id here (with the closest id).
            DefinitionError: a file is not a valid process (file:line:column).
        """
        if self.files is None or not isinstance(ref, str) or _looks_like_path(ref):
            return load(ref, root=self.root)
        index = self._indexed()
        path = index.get(ref)
        if path is None:
            given = ", ".join(index) or "none"
            raise UnknownProcess(
                f"unknown process {ref!r} in the files given{closest(ref, index)}; "
                f"their processes: {given}"
            )
        return load(path)

    def _indexed(self) -> dict[str, Path]:
        if self._index is None:
            assert self.files is not None
            self._index = {load(path).id: path for path in self.files}
        return self._index


def _looks_like_path(text: str) -> bool:
    return text.endswith(_SUFFIXES) or os.sep in text or "/" in text


def catalog(root: Path | None = None) -> list[CatalogEntry]:
    """The built-in processes (or those under `root`), sorted by id.

    Raises:
        DefinitionError: a built-in process file is not valid.
    """
    entries: list[CatalogEntry] = []
    for process_id, path in discover(root).items():
        process = _load_cached(path, process_id)
        entries.append(
            CatalogEntry(
                id=process.id,
                title_zh=process.title.zh,
                title_en=process.title.en,
                path=path,
                version=process.version,
                sources=tuple(s.doc for s in process.sources),
                states=len(process.states),
                transitions=len(process.transitions),
                deadlines=len(process.deadlines),
            )
        )
    return entries
