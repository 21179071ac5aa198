"""Relation reads through the engine: a lookup guard judged on the keys index, journaled,
and verified on the reads it recorded after the case it read has moved on.

Two processes in a temporary folder: a discipline case keyed by person, and a nomination
that looks it up (a ban counts once its case is closed). Dates are business instants on
China's 2023 schedule.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

import pytest

from policyflow.engine import Engine
from policyflow.errors import GuardFailed

OPENED = datetime(2023, 9, 28, 10)
SUBMITTED = datetime(2023, 10, 9, 10)
CLOSED = datetime(2023, 10, 10, 11)
LATER = datetime(2023, 10, 11, 9)

BASIS = "国家科学技术奖励条例 第十二条"

DISCIPLINE = f"""\
id: ban-discipline
title: {{zh: 提名纪律处理, en: Nomination discipline}}
fields:
  - {{id: person_id, zh: 人员, en: Person, type: str}}
keys:
  person: person_id
events:
  - {{id: close, zh: 结案, en: Close}}
states:
  - {{id: open, zh: 立案, en: Open, initial: true, basis: {BASIS}}}
  - {{id: closed, zh: 结案, en: Closed, final: true, basis: {BASIS}}}
transitions:
  - {{id: close, zh: 结案, en: Close, event: close, from: open, to: closed, basis: {BASIS}}}
"""

NOMINATION = f"""\
id: ban-nomination
title: {{zh: 提名, en: Nomination}}
fields:
  - {{id: candidate_id, zh: 候选人, en: Candidate, type: str}}
lookups:
  - id: banned
    zh: 禁止提名期内
    en: A ban on nomination in force
    process: ban-discipline
    match: {{person: candidate_id}}
    states: closed
    since: "before(today, '5y')"
    basis: {BASIS}
events:
  - {{id: submit, zh: 提交, en: Submit}}
states:
  - {{id: draft, zh: 草稿, en: Draft, initial: true, basis: {BASIS}}}
  - {{id: submitted, zh: 已提交, en: Submitted, final: true, basis: {BASIS}}}
transitions:
  - id: submit
    zh: 提交
    en: Submit
    event: submit
    from: draft
    to: submitted
    guard:
      id: not_banned
      zh: 不在禁止期
      en: No ban in force
      when: "lookup('banned').size() == 0"
      basis: {BASIS}
    basis: {BASIS}
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    processes = tmp_path / "processes"
    processes.mkdir()
    (processes / "ban-discipline.yaml").write_text(DISCIPLINE, encoding="utf-8")
    (processes / "ban-nomination.yaml").write_text(NOMINATION, encoding="utf-8")
    return processes


def _stored_reads(path: Path, case_id: str) -> list[str | None]:
    with sqlite3.connect(path) as connection:
        found = connection.execute(
            "SELECT reads FROM journal WHERE case_id = ? ORDER BY sequence", (case_id,)
        ).fetchall()
    connection.close()
    return [row[0] for row in found]


def test_a_closed_ban_refuses_the_nomination(sqlite_path, folder):
    with Engine(sqlite_path, processes=folder) as engine:
        ban = engine.start("ban-discipline", {"person_id": "P-7"}, at=OPENED)
        engine.fire(ban.id, "close", at=CLOSED)
        nomination = engine.start("ban-nomination", {"candidate_id": "P-7"}, at=CLOSED)
        with pytest.raises(GuardFailed, match="No ban in force") as refused:
            engine.fire(nomination.id, "submit", at=LATER)
        # the refusal shows what it judged as the file writes it, with the case it found
        assert f"(judged lookup('banned') = [{{id: {ban.id}, state: closed" in str(refused.value)
        assert "_rel_" not in str(refused.value)
        other = engine.start("ban-nomination", {"candidate_id": "P-8"}, at=CLOSED)
        assert engine.fire(other.id, "submit", at=LATER).state == "submitted"


def test_verify_replays_the_recorded_reads_after_the_ban_closed(sqlite_path, folder):
    with Engine(sqlite_path, processes=folder) as engine:
        ban = engine.start("ban-discipline", {"person_id": "P-7"}, at=OPENED)
        nomination = engine.start("ban-nomination", {"candidate_id": "P-7"}, at=OPENED)
        # the ban is still open: it is no hit, and the nomination goes through
        assert engine.fire(nomination.id, "submit", at=SUBMITTED).state == "submitted"
        engine.fire(ban.id, "close", at=CLOSED)  # now it would be a hit
        assert engine.verify(nomination.id) > 0  # judged on what the step read then
        assert engine.verify() > 0
    reads = _stored_reads(sqlite_path, nomination.id)
    assert reads[0] is None  # the start read nothing
    assert reads[1] == '{"lookup:banned":[]}'
