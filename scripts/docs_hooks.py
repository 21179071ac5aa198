"""MkDocs hooks (mkdocs.yml ``hooks:``): the process catalogue, made while the site is built.

``on_config`` puts every built-in process into the navigation under "Process catalogue",
by family, after the write-ups of docs/processes/; ``on_files`` hands MkDocs each process's
page, SVG and BPMN file (see catalogue_pages.py). Nothing is written into docs/: a process
file added under ``processes/``, or a write-up under ``docs/processes/``, appears on the next
build.

The pages of docs/ are written to be read on GitHub too, so they link to files of the
repository outside docs/ (``../../diagrams/ethics-review.svg``). ``on_page_markdown`` points
such a link at the site's own copy when it has one (a process's drawing or page in the
catalogue) and otherwise at the file in the repository, so that ``--strict`` still fails
on a link to nothing.
"""

from __future__ import annotations

import os
import posixpath
import re
import sys
from pathlib import Path, PurePosixPath
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# the checkout's policyflow, not whatever else the environment has installed
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "scripts")]

from catalogue_pages import (  # noqa: E402
    FOLDER,
    SOURCE_URL,
    bpmn_file,
    families,
    index_page,
    page_path,
    process_page,
    svg_document,
)
from mkdocs.structure.files import File, Files  # noqa: E402

from policyflow.definition.catalog import catalog, load  # noqa: E402

NAV_TITLE = "Process catalogue"
DOCS = ROOT / "docs"
WRITE_UPS = "processes"  # docs/processes/*.md: a family's procedures read against its articles
_LINK = re.compile(r"\]\((?P<target>[^)\s]+)\)")
_DRAWING = re.compile(r"^diagrams/(?P<id>[a-z0-9.-]+)\.(?P<ext>svg|md|bpmn)$")


def _write_ups() -> list[dict[str, str]]:
    """docs/processes/*.md in the navigation, each by the first heading of its page."""
    found = []
    for path in sorted((DOCS / WRITE_UPS).glob("*.md")):
        lines = path.read_text(encoding="utf-8").splitlines()
        heading = next((line[2:].strip() for line in lines if line.startswith("# ")), path.stem)
        found.append({heading: f"{WRITE_UPS}/{path.name}"})
    return found


def on_config(config: Any) -> Any:
    """Fill the "Process catalogue" entry of the navigation: the index, the write-ups of
    docs/processes/, then each family's processes.
    """
    entries = catalog()
    section: list[Any] = [{"All processes · 程序目录": f"{FOLDER}/index.md"}]
    section += _write_ups()
    for family in families(entries):
        pages = [{f"{e.id} · {e.title_zh}": page_path(e.id)} for e in family.entries]
        section.append({family.key: pages})
    for item in config["nav"] or []:
        if isinstance(item, dict) and NAV_TITLE in item:
            item[NAV_TITLE] = section
    return config


def on_files(files: Files, config: Any) -> Files:
    """Add the catalogue's pages and each process's .bpmn and .svg to the files MkDocs builds."""
    entries = catalog()
    files.append(File.generated(config, f"{FOLDER}/index.md", content=index_page(entries)))
    for entry in entries:
        files.append(File.generated(config, page_path(entry.id), content=process_page(entry.id)))
        bpmn = bpmn_file(load(entry.id))
        files.append(File.generated(config, f"{FOLDER}/{entry.id}.bpmn", content=bpmn))
        svg = svg_document(entry.id)
        files.append(File.generated(config, f"{FOLDER}/{entry.id}.svg", content=svg))
    return files


def on_page_markdown(markdown: str, page: Any, config: Any, files: Files) -> str:
    """Point each link that leaves docs/ at the site's copy of the file, or at the repository."""
    folder = PurePosixPath(page.file.src_uri).parent.as_posix()
    ids = {entry.id for entry in catalog()}

    def retarget(match: re.Match[str]) -> str:
        target = match["target"]
        if "://" in target or target.startswith(("#", "/", "mailto:")):
            return match[0]
        path, hash_, fragment = target.partition("#")
        resolved = Path(os.path.normpath(DOCS / folder / path))
        if not path or resolved.is_relative_to(DOCS):
            return match[0]
        if not resolved.is_relative_to(ROOT) or not resolved.exists():
            return match[0]  # a link to nothing: --strict reports it
        relative = resolved.relative_to(ROOT).as_posix()
        drawing = _DRAWING.match(relative)
        if drawing is not None and drawing["id"] in ids:
            own = f"{FOLDER}/{drawing['id']}.{drawing['ext']}"
            return f"]({posixpath.relpath(own, folder or '.')}{hash_}{fragment})"
        return f"]({SOURCE_URL}/{relative}{hash_}{fragment})"

    return _LINK.sub(retarget, markdown)
