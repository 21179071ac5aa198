"""A case as another case's expressions see it: case_item (runtime/items.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from policyflow.definition.expressions import compile_expression
from policyflow.definition.loader import load_text
from policyflow.runtime import compile_process, start
from policyflow.runtime.items import case_item, item_fields

ROUND_ENTRY = """\
title: {zh: 参评, en: Entry}
fields:
  - {id: score, zh: 得分, en: Score, type: int, required: false}
  - {id: unit, zh: 单位, en: Unit, type: str}
  - {id: fee, zh: 费用, en: Fee, type: money, required: false}
  - {id: filed_on, zh: 提交日, en: Filed on, type: date}
  - {id: tags, zh: 标签, en: Tags, type: list, items: str, required: false}
  - id: experts
    zh: 专家
    en: Experts
    type: list
    items: record
    required: false
    fields:
      - {id: person_id, zh: 人员, en: Person, type: str}
      - {id: since, zh: 起, en: Since, type: date}
events:
  - {id: closed, zh: 结束, en: Closed}
states:
  - {id: open, zh: 开放, en: Open, initial: true, basis: 国家科学技术奖励条例 第十二条}
  - {id: done, zh: 完成, en: Done, final: true, basis: 国家科学技术奖励条例 第十二条}
transitions:
  - {id: closed, zh: 结束, en: Close, event: closed, from: open, to: done,
     basis: 国家科学技术奖励条例 第十二条}
"""


@pytest.fixture(scope="module")
def entry():
    return compile_process(load_text(ROUND_ENTRY, process_id="entry"))


def started(entry, **data):
    base = {"unit": "U1", "filed_on": "2024-03-05", "fee": "12.50"}
    base.update(data)
    return start(entry, "E-1", base, at=datetime(2024, 3, 5, 9)).snapshot


def test_item_holds_id_state_and_every_field_but_money(entry):
    item = case_item(entry, started(entry, score=7))
    assert item["id"] == "E-1"
    assert item["state"] == "open"
    assert item["score"] == 7
    assert item["unit"] == "U1"
    assert "fee" not in item
    assert item_fields(entry) == ("score", "unit", "filed_on", "tags", "experts")


def test_dates_are_timestamps_and_absent_fields_null(entry):
    item = case_item(entry, started(entry, experts=[{"person_id": "P", "since": "2020-01-02"}]))
    assert item["filed_on"] == datetime(2024, 3, 5, tzinfo=UTC)
    assert item["experts"] == [{"person_id": "P", "since": datetime(2020, 1, 2, tzinfo=UTC)}]
    assert item["score"] is None
    assert item["tags"] is None


def test_item_reads_in_cel_as_the_case_reads_its_own_fields(entry):
    """A date in the item compares with a timestamp, a list with a list: CEL form."""
    process = entry.process
    check = compile_expression(
        "c.filed_on < timestamp('2024-03-06T00:00:00Z') && c.state == 'open' && c.score == 7",
        {f.id: f for f in process.fields},
        extra=frozenset({"c"}),
    )
    assert check.evaluate({"c": case_item(entry, started(entry, score=7))}) is True
