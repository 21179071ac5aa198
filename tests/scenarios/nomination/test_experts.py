"""nomination: who may nominate and how an expert group is made (第八、十条、第十七条)."""

from __future__ import annotations

from typing import Any

import pytest

from policyflow import Engine
from policyflow.errors import GuardFailed

from .steps import at, candidate, expert, expert_nomination, open_round, unit_nomination, vetted


def _complete(engine: Engine, case_id: str) -> None:
    engine.fire(case_id, "vetting_completed", vetted(), at=at("2024-12-10"))


def _judge(engine: Engine, experts: list[dict[str, Any]], guard: str | None, **kw: Any) -> None:
    """Vetting completes (guard None) or is refused by `guard`, naming its article."""
    case_id = expert_nomination(engine, open_round(engine), experts, **kw)
    if guard is None:
        _complete(engine, case_id)
        assert engine.get(case_id).state == "publicity"
    else:
        with pytest.raises(GuardFailed, match=guard) as refused:
            _complete(engine, case_id)
        assert "国科发奖〔2023〕225号" in str(refused.value)
        assert engine.get(case_id).state == "vetting"


@pytest.mark.parametrize(("age", "ok"), [(74, True), (75, True), (76, False)])
def test_three_academicians_one_of_them_aged(engine: Engine, age: int, ok: bool) -> None:
    """第八条第二款: 院士年龄不超过75岁 — 75 included; at 76 the group is invalid."""
    group = [expert(0), expert(1), expert(2, age=age)]
    _judge(engine, group, None if ok else "academicians_at_most_75")


@pytest.mark.parametrize(("age", "ok"), [(69, True), (70, True), (71, False)])
def test_a_first_completer_aged(engine: Engine, age: int, ok: bool) -> None:
    """第八条第二款: 第一完成人年龄不超过70岁 — 70 included, 71 refused."""
    group = [expert(i, "first_completer") for i in range(4)]
    group.append(expert(4, "first_completer", age=age))
    _judge(engine, group, None if ok else "first_completers_at_most_70")


@pytest.mark.parametrize(("count", "ok"), [(4, False), (5, True), (6, True)])
def test_five_qualified_experts(engine: Engine, count: int, ok: bool) -> None:
    """第十七条: 5名专家（第一完成人或院士） — 4 first completers are too few."""
    group = [expert(i, "first_completer") for i in range(count)]
    _judge(engine, group, None if ok else "joint_group")


@pytest.mark.parametrize(("count", "ok"), [(2, False), (3, True)])
def test_three_academicians(engine: Engine, count: int, ok: bool) -> None:
    """第十七条: 3名院士 — two academicians alone are not a group."""
    _judge(engine, [expert(i) for i in range(count)], None if ok else "joint_group")


@pytest.mark.parametrize(("same", "ok"), [(0, True), (1, True), (2, False)])
def test_experts_from_the_candidates_entity(engine: Engine, same: int, ok: bool) -> None:
    """第十七条: 与候选人同一法人单位的提名专家不得超过1人 — 2 from CU are refused."""
    group = [expert(i, legal_entity="CU" if i < same else f"U{i}") for i in range(3)]
    _judge(engine, group, None if ok else "one_from_the_candidates_entity")


def test_an_expert_from_any_candidates_entity_counts(engine: Engine) -> None:
    """Spec A-47: one from CU and one from CV, with candidates at CU and CV, is two."""
    group = [expert(0, legal_entity="CU"), expert(1, legal_entity="CV"), expert(2)]
    people = [candidate(0), candidate(1, legal_entity="CV")]
    _judge(engine, group, "one_from_the_candidates_entity", candidates=people)


@pytest.mark.parametrize(
    ("kind", "award_type", "candidates", "ok"),
    [
        ("academician", "natural_science", 1, True),
        ("academician", "invention", 1, True),
        ("academician", "natural_science", 2, False),
        ("academician", "progress", 1, False),
        ("supreme_laureate", "progress", 3, True),
        ("first_completer", "natural_science", 1, False),
    ],
)
def test_who_may_nominate_alone(
    engine: Engine, kind: str, award_type: str, candidates: int, ok: bool
) -> None:
    """第十七条: 最高奖获奖者可以独立提名; 1名院士 only for a one-person NSA or TIA project."""
    people = [candidate(i) for i in range(candidates)]
    _judge(
        engine,
        [expert(0, kind)],
        None if ok else "joint_group",
        candidates=people,
        award_type=award_type,
    )


@pytest.mark.parametrize(
    ("change", "ok"),
    [
        ({"award_year": 1999}, False),
        ({"award_year": 2000}, True),
        ({"award_type": "invention", "award_grade": "second"}, False),
        ({"award_type": "progress", "award_grade": "first"}, True),
    ],
)
def test_first_completer_qualification(engine: Engine, change: dict[str, Any], ok: bool) -> None:
    """第八条第一款第（三）项: 2000年（含）以后; NSA 二等奖及以上, TIA/STPA 一等奖及以上."""
    group = [expert(i, "first_completer") for i in range(4)]
    group.append(expert(4, "first_completer", **change))
    _judge(engine, group, None if ok else "qualified_experts")


def test_a_foreign_academician_is_not_a_nominating_expert(engine: Engine) -> None:
    """第八条第一款第（二）项: 院士，不含外籍院士."""
    group = [expert(0), expert(1), expert(2, foreign_academician=True)]
    _judge(engine, group, "qualified_experts")


def test_an_embassy_nominates_for_the_cooperation_award_only(engine: Engine) -> None:
    """第十条第二款: 驻外使领馆可以提名国际科学技术合作奖."""
    round_id = open_round(engine)
    with pytest.raises(GuardFailed, match="embassy_international_only"):
        unit_nomination(engine, round_id, unit="EMB1", kind="embassy")
    case_id = unit_nomination(
        engine, round_id, unit="EMB1", kind="embassy", award_type="international"
    )
    assert engine.get(case_id).state == "vetting"


def test_a_classified_project_is_nominated_by_a_government_only(engine: Engine) -> None:
    """第十一条: 保密项目仅由中央和国家机关有关部门、军委科技部门或地方政府提名."""
    round_id = open_round(engine)
    with pytest.raises(GuardFailed, match="classified_by_government_only"):
        unit_nomination(engine, round_id, classified=True)
    case_id = unit_nomination(
        engine,
        round_id,
        unit="HENAN",
        kind="government",
        classified=True,
        government_kind="provincial",
    )
    assert engine.get(case_id).state == "vetting"


@pytest.mark.parametrize(("consulted", "ok"), [(4, False), (5, True)])
def test_a_unit_consults_five_experts(engine: Engine, consulted: int, ok: bool) -> None:
    """第十三条: 征求不少于5名相关专业领域专家的意见."""
    case_id = unit_nomination(engine, open_round(engine))
    payload = vetted(consulted=consulted)
    if ok:
        engine.fire(case_id, "vetting_completed", payload, at=at("2024-12-10"))
        assert engine.get(case_id).state == "publicity"
    else:
        with pytest.raises(GuardFailed, match="five_experts_consulted"):
            engine.fire(case_id, "vetting_completed", payload, at=at("2024-12-10"))
