"""A payload or case data too large to store is refused, and nothing changes."""

from __future__ import annotations

from datetime import datetime

import pytest

from policyflow.engine import Engine
from policyflow.errors import InvalidInput
from policyflow.store.convert import STORED_JSON_MAX

NOTES = """\
id: notes
title: {zh: 备注, en: Notes}
fields:
  - {id: notes, zh: 备注, en: Notes, type: list, items: str, default: []}
events:
  - id: noted
    zh: 备注
    en: Noted
    payload: [{id: notes, zh: 备注, en: Notes, type: list, items: str}]
states:
  - {id: open, zh: 办理中, en: Open, initial: true, basis: 行政许可法 第三十二条}
transitions:
  - {id: note, zh: 备注, en: Note, event: noted, from: open, assign: {notes: payload.notes},
     basis: 行政许可法 第三十二条}
"""


def test_each_text_within_its_bound_but_the_whole_too_large_is_refused(tmp_path):
    """Nine texts of 99,990 characters fit; eleven (over 1,000,000 as JSON) do not."""
    process = tmp_path / "notes.yaml"
    process.write_text(NOTES, encoding="utf-8")
    with Engine(tmp_path / "c.db", processes=[process]) as engine:
        case = engine.start("notes", {}, at=datetime(2024, 3, 1, 9), case_id="n1")
        fits = ["x" * 99_990] * 9
        engine.fire("n1", "noted", {"notes": fits}, at=datetime(2024, 3, 1, 10))
        too_much = ["x" * 99_990] * (STORED_JSON_MAX // 99_990 + 1)
        with pytest.raises(InvalidInput, match="more than the 1,000,000 allowed"):
            engine.fire("n1", "noted", {"notes": too_much}, at=datetime(2024, 3, 1, 11))
        after = engine.get("n1")
        assert after.version == case.version + 1
        assert list(after.data["notes"]) == fits
        assert [r.entry.event for r in engine.history("n1")] == ["start", "noted"]
