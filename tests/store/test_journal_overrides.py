"""The journal's overrides column: canonical JSON when set, NULL otherwise, hashed only when set."""

from __future__ import annotations

import hashlib
import json

import pytest
from store_builders import RECORDED, entry

from policyflow.store import convert, journal

_AWKWARD = '引号"、反斜杠\\、换行\n、控制\x01、😀 </script>'


def _defined_text(values, *, with_overrides: bool) -> str:
    """The hashed text by definition: json.dumps of the hashed columns (overrides if set)."""
    keys = (*journal._HASHED, "overrides") if with_overrides else journal._HASHED
    body = {key: values[key] for key in keys}
    for key in ("at", "recorded_at"):
        body[key] = body[key].isoformat(timespec="microseconds")
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def test_an_entry_without_overrides_writes_null_and_hashes_the_old_columns():
    values = journal.journal_values("c1", entry(2), recorded_at=RECORDED, prev_hash="a" * 64)
    assert values["overrides"] is None
    text = _defined_text(values, with_overrides=False)
    assert journal.hashed_text(values) == text
    assert values["hash"] == hashlib.sha256(text.encode()).hexdigest()


@pytest.mark.parametrize("reason", ["rare expertise", _AWKWARD, "x" * 2000])
def test_an_entry_with_overrides_writes_and_hashes_them(reason):
    passed = entry(2)._replace(overrides=(("within_age_limit", reason),))
    values = journal.journal_values("c1", passed, recorded_at=RECORDED, prev_hash="a" * 64)
    assert json.loads(values["overrides"]) == [["within_age_limit", reason]]
    text = _defined_text(values, with_overrides=True)
    assert journal.hashed_text(values) == text
    assert values["hash"] == hashlib.sha256(text.encode()).hexdigest()
    plain = journal.journal_values("c1", entry(2), recorded_at=RECORDED, prev_hash="a" * 64)
    assert values["hash"] != plain["hash"]


def test_overrides_read_back_as_written():
    overrides = (("a_rule", "one"), ("b_rule", _AWKWARD))
    assert convert.overrides_from_json(convert.overrides_json(overrides)) == overrides
    assert convert.overrides_json(()) is None and convert.overrides_from_json(None) == ()
