"""A record list through the SQLite engine: fired as a payload, stored, read back typed."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import text

from policyflow.engine import Engine

MEETING = Path(__file__).parents[1] / "fixtures" / "ethics_meeting.yaml"
CATEGORIES = ("science_peer", "ethics", "law", "other", "science_peer", "science_peer")


def test_records_round_trip_through_a_real_sqlite_file(engine, tmp_path):
    path = tmp_path / "ethics-meeting.yaml"
    path.write_text(MEETING.read_text(encoding="utf-8"), encoding="utf-8")
    members = [
        {"member_id": f"M{i}", "category": c, "term_start": "2023-12-01", "term_end": None}
        for i, c in enumerate(CATEGORIES)
    ]
    present = [
        {"member_id": f"M{i}", "category": c, "gender": "female", "external": i == 0,
         **({"recused": True} if i == 5 else {})}
        for i, c in enumerate(CATEGORIES)
    ]  # fmt: skip
    case = engine.start(path, {"members": members}, at=datetime(2024, 3, 1, 10))
    engine.fire(case.id, "meeting_opened", {"present": present}, at=datetime(2024, 3, 4, 9))
    engine.fire(case.id, "decided", {"votes_for": 4}, at=datetime(2024, 3, 4, 11))

    fresh = Engine(engine.database.url.database)  # no cache: the stored JSON read back
    stored = fresh.get(case.id)
    assert stored.state == "approved"
    assert stored.data["members"][0]["term_start"] == date(2023, 12, 1)
    assert [m["recused"] for m in stored.data["present"]] == [False] * 5 + [True]
    assert stored.data["present"][0]["external"] is True
    with fresh.database.read() as connection:
        raw = connection.execute(text("SELECT data FROM cases")).scalar_one()
    row = json.loads(raw) if isinstance(raw, str) else raw
    assert row["present"][5] == {**present[5], "recused": True}
    assert row["members"][1]["term_start"] == "2023-12-01"
    journal = [r.entry for r in fresh.history(case.id)]
    assert journal[1].payload["present"][0]["member_id"] == "M0"
    assert fresh.verify(case.id) == 3
    fresh.close()
