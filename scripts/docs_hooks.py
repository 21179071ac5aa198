"""MkDocs hooks (mkdocs.yml ``hooks:``): the process catalogue, made while the site is built.

``on_config`` puts every built-in process into the navigation under "Process catalogue",
by family; ``on_files`` hands MkDocs each process's page and BPMN file (see
catalogue_pages.py). Nothing is written into docs/: a process file added under
``processes/`` appears on the next build.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# the checkout's policyflow, not whatever else the environment has installed
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "scripts")]

from catalogue_pages import (  # noqa: E402
    FOLDER,
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


def on_config(config: Any) -> Any:
    """Fill the "Process catalogue" entry of the navigation: the index, then each family."""
    entries = catalog()
    section: list[Any] = [{"All processes · 程序目录": f"{FOLDER}/index.md"}]
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
