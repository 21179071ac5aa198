"""ethics-review, the meeting: quorum, categories, two thirds (第七、十四、十六条)."""

from __future__ import annotations

from typing import Any

import pytest

from policyflow import Engine
from policyflow.errors import GuardFailed

from .steps import accepted, at, in_meeting, member, present


def _convene(engine: Engine, case_id: str, members: list[dict[str, Any]]) -> str:
    return engine.fire(
        case_id,
        "meeting_convened",
        {"presided_by_chair": True, "present": members},
        at=at("2024-03-25"),
    ).state


def test_five_members_present_make_a_quorum(engine: Engine) -> None:
    """第十四条: 到会委员应不少于5人; 不少于 includes five (第五十二条第二款)."""
    assert _convene(engine, accepted(engine), present(5)) == "meeting_review"


def test_four_members_present_do_not(engine: Engine) -> None:
    """Four present, even covering the categories, are one short."""
    case_id = accepted(engine)
    members = [member(i) for i in (0, 1, 2, 3)]
    with pytest.raises(GuardFailed, match="five_present"):
        _convene(engine, case_id, members)
    assert engine.get(case_id).state == "accepted"


def test_a_recused_member_is_present_but_not_counted(engine: Engine) -> None:
    """第八条第（四）项: a recused member does not review: six present, two recused, count four."""
    members = [*present(4), member(4, recused=True), member(5, recused=True)]
    with pytest.raises(GuardFailed, match="five_present"):
        _convene(engine, accepted(engine), members)


@pytest.mark.parametrize(
    ("change", "guard"),
    [
        ({"category": "science_peer"}, "categories_present"),  # the lawyer (M2) replaced
        ({"external": False}, "external_present"),
    ],
)
def test_the_members_present_include_each_category_of_article_7(
    engine: Engine, change: dict[str, Any], guard: str
) -> None:
    """第十四条: 应包括第七条所列的不同类别的委员 — peers, ethics, law, outside members."""
    members = present(6)
    members[2] = members[2] | change
    with pytest.raises(GuardFailed, match=guard):
        _convene(engine, accepted(engine), members)


def test_members_of_one_gender_only_are_no_quorum(engine: Engine) -> None:
    """第七条: 应当有不同性别的委员."""
    with pytest.raises(GuardFailed, match="both_genders_present"):
        _convene(engine, accepted(engine), present(6, gender="female"))


def test_an_ethnic_autonomous_area_needs_a_member_who_knows_it(engine: Engine) -> None:
    """第七条: 民族自治地方应有熟悉当地情况的委员."""
    case_id = accepted(engine, in_ethnic_autonomous_area=True)
    with pytest.raises(GuardFailed, match="local_member_present"):
        _convene(engine, case_id, present(6))
    members = present(6)
    members[5] = members[5] | {"local": True}
    assert _convene(engine, case_id, members) == "meeting_review"


@pytest.mark.parametrize(
    ("count", "votes", "passes"),
    [(6, 4, True), (6, 3, False), (5, 4, True), (5, 3, False), (7, 5, True), (7, 4, False)],
)
def test_a_decision_needs_two_thirds_of_those_present(
    engine: Engine, count: int, votes: int, passes: bool
) -> None:
    """第十六条第二款: 到会委员的三分之二以上 — votes × 3 ≥ present × 2, exactly 2/3 included."""
    case_id = in_meeting(engine, count=count)
    if passes:
        case = engine.fire(case_id, "review_approved", {"votes_for": votes}, at=at("2024-03-25"))
        assert case.state == "approved"
    else:
        with pytest.raises(GuardFailed, match="two_thirds_present"):
            engine.fire(case_id, "review_approved", {"votes_for": votes}, at=at("2024-03-25"))
        case = engine.fire(
            case_id, "no_qualified_majority", {"votes_for": votes}, at=at("2024-03-25")
        )
        assert case.state == "meeting_review"


def test_more_votes_than_members_present_are_refused(engine: Engine) -> None:
    """Only members present vote (顾问专家不参与会议表决, 第十四条第二款)."""
    case_id = in_meeting(engine, count=5)
    with pytest.raises(GuardFailed, match="votes_within_present"):
        engine.fire(case_id, "review_approved", {"votes_for": 6}, at=at("2024-03-25"))


def test_every_decision_states_what_article_16_asks(engine: Engine) -> None:
    """第十六条第一款: modifications state their requirements; a disapproval its reasons."""
    case_id = in_meeting(engine)
    with pytest.raises(GuardFailed, match="requirements_stated"):
        engine.fire(
            case_id,
            "review_approved_with_modifications",
            {"votes_for": 6, "requirements": ""},
            at=at("2024-03-25"),
        )
    with pytest.raises(GuardFailed, match="reasons_stated"):
        engine.fire(
            case_id, "review_disapproved", {"votes_for": 6, "reasons": ""}, at=at("2024-03-25")
        )
    case = engine.fire(
        case_id,
        "review_disapproved",
        {"votes_for": 6, "reasons": "风险受益不合理"},
        at=at("2024-03-25"),
    )
    assert case.state == "disapproved"


def test_an_approval_starts_the_activity_and_only_a_listed_one_its_registration(
    engine: Engine,
) -> None:
    """第十九条 (tracking) for every approval; 第四十四条 registration for a listed one only."""
    case_id = in_meeting(engine)
    engine.fire(case_id, "review_approved", {"votes_for": 6}, at=at("2024-03-25"))
    assert [c.process_id for c in engine.children(case_id)] == ["ethics-activity"]


def test_the_missing_materials_are_listed_once(engine: Engine) -> None:
    """第十条: 材料不齐全的应一次性完整告知需补充的材料."""
    case = engine.start("ethics-review", {}, at=at("2024-03-04", 9))
    engine.fire(case.id, "application_submitted", at=at("2024-03-04"))
    engine.fire(case.id, "supplement_requested", {"items": ["知情同意书"]}, at=at("2024-03-05"))
    engine.fire(case.id, "supplement_provided", at=at("2024-03-06"))
    with pytest.raises(GuardFailed, match="all_at_once"):
        engine.fire(case.id, "supplement_requested", {"items": ["承诺书"]}, at=at("2024-03-07"))
    case = engine.fire(
        case.id,
        "supplement_requested",
        {"items": ["新知情同意书的签字页"], "new_defects_only": True},
        at=at("2024-03-07"),
    )
    assert case.state == "awaiting_supplement"
