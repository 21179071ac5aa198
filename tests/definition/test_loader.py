"""The loader: safe YAML, errors at file:line:column, ids, files."""

from __future__ import annotations

import pytest

from policyflow.definition.loader import default_id, load_file, load_text, parse
from policyflow.errors import DefinitionError

from .conftest import MINIMAL

TEXT = MINIMAL.read_text(encoding="utf-8")


def test_schema_error_points_at_line_and_column():
    """A bad field type is reported at the line and column of the value."""
    bad = TEXT.replace("type: money}", "type: monee}")
    with pytest.raises(DefinitionError) as caught:
        load_text(bad, "p.yaml")
    error = caught.value
    assert str(error).startswith("p.yaml:6:40: fields[0].type: ")
    assert (error.path, error.line, error.column) == ("p.yaml", 6, 40)
    line = bad.splitlines()[5]
    assert line[39:].startswith("monee")


def test_unknown_key_suggests_the_closest():
    """A misspelt key: 'unknown key' with did you mean."""
    bad = TEXT.replace(
        "actor: officer,\n     basis: 科学技术部令第20号 第二十一条}",
        "actor: officer, gaurd: x,\n     basis: 科学技术部令第20号 第二十一条}",
        1,
    )
    with pytest.raises(
        DefinitionError,
        match=r"transitions\[0\]\.gaurd: unknown key 'gaurd' \(did you mean 'guard'\?\)",
    ):
        load_text(bad, "p.yaml")


def test_missing_key_is_reported_at_its_mapping():
    """A missing required key names the key, at its parent's position."""
    bad = TEXT.replace("title: {zh: 最小流程, en: Minimal process}\n", "")
    with pytest.raises(DefinitionError, match=r"^p\.yaml:2:1: title: missing required key 'title'"):
        load_text(bad, "p.yaml")


def test_duplicate_yaml_keys_are_refused():
    """yaml.safe_load keeps the last of two equal keys silently; the loader refuses them."""
    bad = TEXT.replace(
        "title: {zh: 最小流程, en: Minimal process}", "title: {zh: 最小流程, en: A, en: B}"
    )
    with pytest.raises(DefinitionError, match=r"p\.yaml:2:\d+: duplicate key 'en'"):
        load_text(bad, "p.yaml")


def test_yaml_tags_cannot_build_objects():
    """Safe loading: a python/object tag is refused, never executed."""
    bad = "!!python/object/apply:os.system ['echo hacked']\n"
    with pytest.raises(DefinitionError, match="invalid YAML"):
        load_text(bad, "evil.yaml")


def test_syntax_error_and_empty_file():
    """Broken YAML and an empty file: one clear line each."""
    with pytest.raises(DefinitionError, match=r"^p\.yaml:2:\d+: invalid YAML"):
        load_text("id: x\n  bad: [\n", "p.yaml")
    with pytest.raises(DefinitionError, match="got an empty file"):
        load_text("", "p.yaml")


def test_all_errors_are_found_first_is_raised():
    """parse() returns every problem; load_text raises the first and says how many more."""
    bad = TEXT.replace("to: done, actor", "to: dnoe, actor").replace(
        "to: investigating,", "to: investigatin,"
    )
    parsed = parse(bad, "p.yaml")
    messages = [p.message for p in parsed.errors]
    assert any("unknown state 'dnoe' (did you mean 'done'?)" in m for m in messages)
    assert any("unknown state 'investigatin'" in m for m in messages)
    with pytest.raises(DefinitionError, match=r"and 1 more; run 'policyflow lint p\.yaml'"):
        load_text(bad, "p.yaml")


def test_id_from_file_and_id_rule():
    """No id: the file's stem in kebab case (main.yaml: its folder); a required id must match."""
    assert load_text(TEXT, "some/ok_minimal.yaml").id == "ok-minimal"
    assert default_id(__import__("pathlib").Path("most-penalty/main.yaml")) == "most-penalty"
    with pytest.raises(DefinitionError, match="id 'x' does not match the file's place: 'y'"):
        load_text("id: x\n" + TEXT, "p.yaml", process_id="y")


def test_missing_file():
    """A file that cannot be read: DefinitionError naming it."""
    with pytest.raises(DefinitionError, match=r"nope\.yaml:1:1: cannot read the process file"):
        load_file("nope.yaml")
