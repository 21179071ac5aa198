"""Built-in processes: the id rule, load(id | path), catalog()."""

from __future__ import annotations

from pathlib import Path

import pytest

from policyflow.definition.catalog import builtin_root, catalog, discover, load, process_id_for
from policyflow.errors import DefinitionError, UnknownProcess

from .conftest import MINIMAL, PERMIT

TEXT = MINIMAL.read_text(encoding="utf-8")


@pytest.fixture
def root(tmp_path):
    (tmp_path / "most-penalty").mkdir()
    (tmp_path / "most-penalty" / "main.yaml").write_text(TEXT, encoding="utf-8")
    (tmp_path / "most-penalty" / "recusal.yaml").write_text(TEXT, encoding="utf-8")
    (tmp_path / "most-penalty" / "main.scenario.yaml").write_text(
        "process: most-penalty\n", encoding="utf-8"
    )
    (tmp_path / "hgr.yaml").write_text(TEXT, encoding="utf-8")
    (tmp_path / "_drafts").mkdir()
    (tmp_path / "_drafts" / "x.yaml").write_text("broken: [", encoding="utf-8")
    return tmp_path


def test_id_rule(root):
    """Kebab path under processes/, folders joined by dots; main.yaml takes its folder's id."""
    assert process_id_for(root / "most-penalty" / "main.yaml", root) == "most-penalty"
    assert process_id_for(root / "most-penalty" / "recusal.yaml", root) == "most-penalty.recusal"
    assert process_id_for(root / "hgr.yaml", root) == "hgr"
    assert process_id_for(root / "bad_name.yaml", root) is None
    assert list(discover(root)) == ["hgr", "most-penalty", "most-penalty.recusal"]


def test_load_by_id_fills_the_id(root):
    """A built-in file without an id gets its path's id."""
    assert load("most-penalty.recusal", root=root).id == "most-penalty.recusal"
    assert load(root / "most-penalty" / "main.yaml", root=root).id == "most-penalty"


def test_unknown_id_suggests_the_closest(root):
    """An unknown id: UnknownProcess with did you mean and the known ids."""
    with pytest.raises(
        UnknownProcess, match=r"unknown process 'most-penalti'.*did you mean 'most-penalty'"
    ):
        load("most-penalti", root=root)
    with pytest.raises(UnknownProcess, match="no process file at"):
        load("nowhere/x.yaml")


def test_discovery_is_kept_until_a_folder_changes(root):
    """The ids are remembered between calls, and every added, removed or moved file shows."""
    assert list(discover(root)) == ["hgr", "most-penalty", "most-penalty.recusal"]
    (root / "most-penalty" / "seizure.yaml").write_text(TEXT, encoding="utf-8")
    assert "most-penalty.seizure" in discover(root)
    (root / "awards" / "nomination").mkdir(parents=True)
    (root / "awards" / "nomination" / "main.yaml").write_text(TEXT, encoding="utf-8")
    assert "awards.nomination" in discover(root)
    (root / "hgr.yaml").unlink()
    (root / "most-penalty" / "recusal.yaml").rename(root / "most-penalty" / "hearing.yaml")
    assert list(discover(root)) == [
        "awards.nomination",
        "most-penalty",
        "most-penalty.hearing",
        "most-penalty.seizure",
    ]
    assert load("most-penalty.hearing", root=root).id == "most-penalty.hearing"


def test_two_files_one_id(root):
    """processes/x.yaml and processes/x/main.yaml both give 'x': refused."""
    (root / "most-penalty.yaml").write_text(TEXT, encoding="utf-8")
    with pytest.raises(DefinitionError, match="process id 'most-penalty' is also given by"):
        discover(root)


def test_catalog_entries(root):
    """catalog(): id, title, counts, version for each built-in."""
    entries = {e.id: e for e in catalog(root)}
    assert set(entries) == {"hgr", "most-penalty", "most-penalty.recusal"}
    entry = entries["hgr"]
    assert (entry.title_zh, entry.states, entry.transitions, entry.deadlines) == (
        "最小流程",
        3,
        2,
        1,
    )
    assert entry.to_dict()["id"] == "hgr" and len(entry.version) == 16


def test_builtins_load_and_public_facade():
    """policyflow.load and policyflow.catalog: the built-ins (maybe none yet) and a path."""
    import policyflow

    assert builtin_root() is not None
    for entry in policyflow.catalog():
        assert policyflow.load(entry.id).version == entry.version
    assert policyflow.load(str(PERMIT)).id == "permit"


def test_a_finder_over_files_loads_each_by_the_id_it_declares(tmp_path):
    """A list of files: ids from the files themselves, the closest named when one is missing."""
    from policyflow.definition.catalog import Finder
    from policyflow.errors import UnknownProcess

    audit = Path(__file__).parents[1] / "engine" / "processes" / "tiny-audit"
    finder = Finder([audit / "main.yaml", audit / "expert.yaml"])
    assert finder.load("tiny-audit.expert").id == "tiny-audit.expert"
    assert finder.load("tiny-audit").id == "tiny-audit"
    assert finder.load(str(audit / "expert.yaml")).id == "tiny-audit.expert"  # a path is a path
    with pytest.raises(
        UnknownProcess, match=r"'tiny-audit\.expret'.*did you mean 'tiny-audit\.expert'"
    ):
        finder.load("tiny-audit.expret")
    with pytest.raises(UnknownProcess):
        finder.load("most-penalty")  # only the files given, as a folder holds only its own
