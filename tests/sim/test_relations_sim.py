"""The simulator answers lookups from its population, every case on one clock."""

from __future__ import annotations

from collections import Counter

import pytest

from policyflow.definition.loader import load_text
from policyflow.sim import simulate

BASIS = "国家科学技术奖励条例 第十二条"

# At most three filings per unit: a filing looks up the unit's earlier ones.
REPORT = f"""\
title: {{zh: 报告, en: Report}}
fields:
  - {{id: unit, zh: 单位, en: Unit, type: enum, values: [north, south]}}
keys:
  unit: unit
lookups:
  - id: earlier
    zh: 本单位已报
    en: The unit's filed reports
    process: report
    match: {{unit: unit}}
    states: filed
    basis: {BASIS}
events:
  - {{id: file, zh: 报送, en: File}}
states:
  - {{id: draft, zh: 草稿, en: Draft, initial: true, basis: {BASIS}}}
  - {{id: filed, zh: 已报, en: Filed, final: true, basis: {BASIS}}}
transitions:
  - id: file
    zh: 报送
    en: File
    event: file
    from: draft
    to: filed
    guard:
      id: below_cap
      zh: 未满三份
      en: Fewer than three filed by the unit
      when: "lookup('earlier').size() < 3"
      basis: {BASIS}
    basis: {BASIS}
"""


@pytest.fixture(scope="module")
def report():
    return load_text(REPORT, process_id="report")


def test_a_cap_through_lookups_holds_across_the_population(report):
    result = simulate(report, cases=30, seed=3, workers=1)
    filed = Counter(r.data["unit"] for r in result.records if r.state == "filed")
    assert filed == {"north": 3, "south": 3}
    # each filing recorded the hits it saw: the unit's filed reports before it, in order
    for record in result.records:
        for entry in record.journal:
            if entry.event == "file" and entry.to_state == "filed":
                hits = entry.reads["lookup:earlier"]
                assert len(hits) < 3
                assert all(hit["state"] == "filed" for hit in hits)
                entered = [hit["entered"]["$t"] for hit in hits]
                assert entered == sorted(entered)


def test_a_run_with_lookups_is_the_same_on_more_workers(report):
    one = simulate(report, cases=30, seed=3, workers=1)
    two = simulate(report, cases=30, seed=3, workers=2)
    assert [r.journal for r in one.records] == [r.journal for r in two.records]
