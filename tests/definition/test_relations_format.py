"""keys, cohort, lookups and the relation reads in CEL: compiled, costed, linted."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from policyflow.definition.expressions import compile_expression
from policyflow.definition.lint import lint_paths, lint_text
from policyflow.definition.model import _ADDED_KEYS, Field, FieldType
from policyflow.definition.relations import hidden_name, read_key_of, rewrite_relations
from policyflow.errors import InvalidInput

BASIS = "国家科学技术奖励条例 第十二条"


def _process(extra: str = "", fields: str = "", guard: str = "true") -> str:
    return f"""\
title: {{zh: 提名, en: Nomination}}
fields:
  - {{id: candidate_id, zh: 候选人, en: Candidate, type: str}}
  - {{id: round_id, zh: 轮次, en: Round, type: str, required: false}}
  - {{id: score, zh: 分数, en: Score, type: int, required: false}}
{fields}{extra}
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
    guard: {{id: ok, zh: 可, en: It may be submitted, when: "{guard}", basis: {BASIS}}}
    basis: {BASIS}
"""


LOOKUP = f"""\
lookups:
  - id: banned
    zh: 禁止提名期内
    en: A ban on nomination in force
    process: nomination-discipline
    match: {{person: candidate_id}}
    states: closed
    since: "before(today, '5y')"
    read: [banned_until]
    basis: {BASIS}
"""

DISCIPLINE = f"""\
title: {{zh: 纪律, en: Discipline}}
fields:
  - {{id: person_id, zh: 人员, en: Person, type: str}}
  - {{id: banned_until, zh: 禁止至, en: Banned until, type: date, required: false}}
  - {{id: fine, zh: 罚款, en: Fine, type: money, required: false}}
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


def _messages(text: str) -> list[str]:
    return [p.message for p in lint_text(text, process_id="nomination") if not p.warning]


def test_the_reads_become_hidden_variables_and_name_their_keys():
    source, keys = rewrite_relations(
        "children('most-penalty.recusal').size() > 0 && parent.quota > 1 "
        "&& lookup('banned').size() == 0 && cohort != null && members('x').all(m, m.ok)"
    )
    assert keys == {
        "children:most-penalty.recusal",
        "parent",
        "lookup:banned",
        "cohort",
        "members:x",
    }
    assert re.search(r"(?<!\w)(children|members|lookup)\(|(?<!\w)(parent|cohort)\b", source) is None
    for key in keys:
        assert read_key_of(hidden_name(key)) == key
        assert hidden_name(key) in source


def test_a_field_of_an_item_and_a_bound_name_are_not_reads():
    assert rewrite_relations("c.parent == 'x'") == ("c.parent == 'x'", frozenset())
    assert rewrite_relations("[1].map(parent, parent + 1).size() > 0")[1] == frozenset()


def test_a_relation_call_without_an_id_in_quotes_is_refused():
    with pytest.raises(InvalidInput, match=r"children\(\) takes one process id in quotes"):
        compile_expression("children(score).size() > 0", {}, None)


def test_an_expression_knows_its_reads():
    fields = {"score": Field(id="score", zh="分", en="Score", type=FieldType.INT)}
    expression = compile_expression("parent.quota >= score", fields, None, expect="bool")
    assert expression.relations == {"parent"}
    assert compile_expression("score > 1", fields, None).relations == frozenset()


def test_a_relation_list_counts_as_ten_thousand_items():
    # one comprehension over children: 10,000 steps, allowed
    compile_expression("children('x').exists(c, c.state == 'a')", {}, None)
    # one inside another: 10,000 × 10,000, refused before it can run
    with pytest.raises(InvalidInput, match="may take"):
        compile_expression("children('x').all(c, members('y').exists(m, m.id == c.id))", {}, None)


def test_new_keys_leave_every_existing_version_alone():
    assert {"keys", "cohort", "lookups"} <= _ADDED_KEYS
    plain = _process()
    from policyflow.definition.loader import load_text

    before = load_text(plain, process_id="nomination").version
    with_keys = load_text(_process("keys:\n  person: candidate_id\n"), process_id="nomination")
    assert with_keys.version != before  # a key set is part of the definition


def test_a_declared_lookup_and_cohort_lint_clean():
    text = _process(
        LOOKUP + "cohort: {process: nomination-round, field: round_id}\n",
        guard="lookup('banned').size() == 0 && cohort != null",
    )
    assert _messages(text) == []


def test_an_unknown_lookup_id_names_the_closest():
    text = _process(LOOKUP, guard="lookup('baned').size() == 0")
    [message] = _messages(text)
    assert "lookup('baned') names no lookup of this process (did you mean 'banned'?)" in message


def test_reading_cohort_without_one_is_an_error():
    [message] = _messages(_process(guard="cohort == null"))
    assert "reads cohort, and the process declares no cohort" in message


@pytest.mark.parametrize("name", ["parent", "cohort"])
def test_parent_and_cohort_are_reserved_field_ids(name):
    field = f"  - {{id: {name}, zh: 字段, en: Field, type: str, required: false}}\n"
    messages = _messages(_process(fields=field))
    assert any(f"field id {name!r} is reserved" in m for m in messages), messages


def test_the_cohort_field_must_be_a_str_field():
    [message] = _messages(_process("cohort: {process: nomination-round, field: score}\n"))
    assert "cohort field 'score': a int field" in message
    [message] = _messages(_process("cohort: {process: nomination-round, field: round}\n"))
    assert "no such field" in message and "did you mean 'round_id'?" in message


def test_a_key_that_reads_another_case_is_refused():
    messages = _messages(_process('keys:\n  person: "parent.candidate_id"\n'))
    assert any("the expressions that find other cases read only" in m for m in messages)


def _lint_pair(tmp_path: Path, lookup: str, discipline: str = DISCIPLINE) -> list[str]:
    (tmp_path / "nomination.yaml").write_text(_process(lookup), encoding="utf-8")
    (tmp_path / "nomination-discipline.yaml").write_text(discipline, encoding="utf-8")
    report = lint_paths([tmp_path])
    return [str(p) for p in report.errors]


def test_across_files_a_declared_key_and_field_pass(tmp_path):
    assert _lint_pair(tmp_path, LOOKUP) == []


def test_across_files_a_match_key_the_target_does_not_declare(tmp_path):
    errors = _lint_pair(tmp_path, LOOKUP.replace("{person: candidate_id}", "{persn: candidate_id}"))
    assert any("matches on key 'persn'" in e and "did you mean 'person'?" in e for e in errors)


def test_across_files_an_unknown_field_read(tmp_path):
    errors = _lint_pair(tmp_path, LOOKUP.replace("[banned_until]", "[banned_untl]"))
    assert any("reads unknown field 'banned_untl'" in e for e in errors), errors


def test_across_files_money_read_is_refused(tmp_path):
    errors = _lint_pair(tmp_path, LOOKUP.replace("[banned_until]", "[fine]"))
    assert any("reads 'fine', which is money" in e for e in errors), errors


def test_across_files_an_unknown_state(tmp_path):
    errors = _lint_pair(tmp_path, LOOKUP.replace("states: closed", "states: closd"))
    assert any("unknown state 'closd'" in e for e in errors), errors


@pytest.mark.parametrize(
    "source",
    [
        "fine >= fine * (1.0 / 3.0)",
        "children('most-penalty.recusal').size() > 0 && fine >= fine * (1.0 / 3.0)",
        "parent != null && cohort != null && fine >= fine * (1.0 / 3.0)",
    ],
)
def test_a_money_fault_after_a_read_points_at_its_operand_as_written(source):
    from policyflow.definition.expressions import expression_problems

    fine = {"fine": Field(id="fine", zh="罚款", en="Fine", type=FieldType.MONEY)}
    (problem,) = expression_problems(compile_expression(source, fine, None, expect="bool"))
    assert problem.offset == source.index("(1.0")
