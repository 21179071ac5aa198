"""henan-hr: appointments by a public institution and its post structure (豫人社〔2023〕2号).

(十二): a move to a management post needs the professional post held two or five full years
("聘满", the anniversary included: spec A1); lower conditions only after consulting the
superior personnel department. (六): rural teachers 满20年 / 满25年. (七): a 5 % floating ratio;
(九): innovation posts, as a rule (一般) within 5 % (以内 includes 5 %); (八): 正高不高于副高.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from policyflow import Engine, GuardFailed

from .engine_steps import at, open_engine


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """A real engine on a fresh SQLite file."""
    with open_engine(tmp_path, "hr") as eng:
        yield eng


def _transfer(engine: Engine, level: int, post: str, since: str, **data: Any) -> str:
    fields = {
        "person_name": "张三",
        "route": "to_management",
        "target_level": level,
        "current_post": post,
        "post_since": since,
    }
    return engine.start("henan-hr", fields | data, at=at("2023-02-01")).id


@pytest.mark.parametrize(
    ("day", "allowed"), [("2023-05-31", False), ("2023-06-01", True), ("2023-06-02", True)]
)
def test_level_5_needs_a_senior_post_held_two_full_years(
    engine: Engine, day: str, allowed: bool
) -> None:
    """(十二)1: 副高 since 2021-06-01; two full years on the anniversary, 2023-06-01."""
    case_id = _transfer(engine, 5, "senior_associate", "2021-06-01")
    if allowed:
        assert engine.fire(case_id, "appointed", at=at(day)).state == "appointed"
    else:
        with pytest.raises(GuardFailed, match="level5_tenure"):
            engine.fire(case_id, "appointed", at=at(day))


@pytest.mark.parametrize(
    ("day", "allowed"), [("2023-02-28", False), ("2023-03-01", True), ("2023-03-02", True)]
)
def test_level_6_from_an_intermediate_post_needs_five_full_years(
    engine: Engine, day: str, allowed: bool
) -> None:
    """(十二)2: 中级 since 2018-03-01; five full years on 2023-03-01."""
    case_id = _transfer(engine, 6, "intermediate", "2018-03-01")
    if allowed:
        assert engine.fire(case_id, "appointed", at=at(day)).state == "appointed"
    else:
        with pytest.raises(GuardFailed, match="level6_tenure"):
            engine.fire(case_id, "appointed", at=at(day))


@pytest.mark.parametrize(
    ("level", "post", "since", "allowed"),
    [
        (7, "intermediate", "2021-05-11", False),  # one day short of two years on 05-10
        (7, "intermediate", "2021-05-10", True),
        (7, "senior_associate", "2023-01-01", True),  # 副高以上: no tenure
        (8, "junior", "2018-05-11", False),
        (8, "junior", "2018-05-10", True),
        (8, "intermediate", "2023-01-01", True),  # 中级以上: no tenure
    ],
)
def test_levels_7_and_8(engine: Engine, level: int, post: str, since: str, allowed: bool) -> None:
    """(十二)3, 4: appointed on 2023-05-10."""
    case_id = _transfer(engine, level, post, since)
    if allowed:
        assert engine.fire(case_id, "appointed", at=at("2023-05-10")).state == "appointed"
    else:
        with pytest.raises(GuardFailed, match=f"level{level}_tenure"):
            engine.fire(case_id, "appointed", at=at("2023-05-10"))


def test_sc1_an_intermediate_holder_of_5_years_2_months(engine: Engine) -> None:
    """SC1: 中级 since 2018-03-01, on 2023-05-10: level 6 yes; level 5 only after consultation."""
    to_six = _transfer(engine, 6, "intermediate", "2018-03-01")
    assert engine.fire(to_six, "appointed", at=at("2023-05-10")).state == "appointed"
    assert engine.fire(to_six, "filed", at=at("2023-05-15")).state == "filed"
    to_five = _transfer(engine, 5, "intermediate", "2018-03-01")
    with pytest.raises(GuardFailed, match="level5_tenure"):
        engine.fire(to_five, "appointed", at=at("2023-05-10"))
    engine.fire(to_five, "consultation_requested", at=at("2023-05-10"))
    with pytest.raises(GuardFailed, match="opinion_obtained"):
        engine.fire(to_five, "appointed", at=at("2023-05-11"))
    # A2: the opinion is sought, not an approval: a doubtful opinion still lets the unit decide
    engine.fire(to_five, "opinion_given", {"opinion": "建议从严把握"}, at=at("2023-05-20"))
    case = engine.fire(to_five, "appointed", at=at("2023-05-22"))
    assert case.state == "appointed" and case.data["opinion"] == "建议从严把握"


@pytest.mark.parametrize(
    ("title", "years", "allowed"),
    [
        ("intermediate", 19, False),
        ("intermediate", 20, True),
        ("intermediate", 21, True),
        ("senior", 24, False),
        ("senior", 25, True),
        ("senior", 26, True),
    ],
)
def test_sc2_rural_teachers_20_and_25_years(
    engine: Engine, title: str, years: int, allowed: bool
) -> None:
    """SC2 and (六): 满20年 for 中级, 满25年 for 高级; 21 years is enough for 中级 only."""
    data = {
        "person_name": "李老师",
        "route": "rural_teacher",
        "rural_years": years,
        "rural_title": title,
    }
    case_id = engine.start("henan-hr", data, at=at("2023-09-01")).id
    if allowed:
        assert engine.fire(case_id, "appointed", at=at("2023-09-04")).state == "appointed"
    else:
        with pytest.raises(GuardFailed, match="rural_teaching_years"):
            engine.fire(case_id, "appointed", at=at("2023-09-04"))


def test_a_grade_2_talent_from_outside_is_appointed_after_publicity(engine: Engine) -> None:
    """(四): held grade 2 outside Henan; (三): a high-level talent is publicised first."""
    data = {
        "person_name": "王教授",
        "route": "external_grade2",
        "grade2_outside": True,
        "high_level_talent": True,
    }
    case_id = engine.start("henan-hr", data, at=at("2023-06-01")).id
    with pytest.raises(GuardFailed, match="talent_publicised_first"):
        engine.fire(case_id, "appointed", at=at("2023-06-02"))
    engine.fire(case_id, "talent_publicised", at=at("2023-06-05"))
    assert engine.fire(case_id, "appointed", at=at("2023-06-20")).state == "appointed"
    not_grade2 = engine.start("henan-hr", data | {"grade2_outside": False}, at=at("2023-06-01"))
    with pytest.raises(GuardFailed, match="grade2_held_outside"):
        engine.fire(not_grade2.id, "appointed", at=at("2023-06-02"))


def _structure(**overrides: Any) -> dict[str, Any]:
    payload = {
        "prof_tech_posts": 200,
        "full_senior_posts": 30,
        "associate_senior_posts": 60,
        "floating_posts": 0,
        "key_field": False,
        "innovation_posts": 0,
        "major_project": False,
    }
    return payload | overrides


def _posts(engine: Engine, provincial: bool = True) -> str:
    data = {"unit_name": "某省属科研院所", "provincial_university_or_institute": provincial}
    return engine.start("henan-hr.posts", data, at=at("2023-05-04")).id


@pytest.mark.parametrize(
    ("innovation", "allowed"), [(9, True), (10, True), (11, False), (12, False)]
)
def test_sc3_innovation_posts_within_5_percent(
    engine: Engine, innovation: int, allowed: bool
) -> None:
    """SC3 and (九): of 200 posts, 10 is 5 % (以内 includes it); 11 and 12 (6 %) are over."""
    unit = _posts(engine)
    payload = _structure(innovation_posts=innovation)
    if allowed:
        assert engine.fire(unit, "structure_filed", payload, at=at("2023-05-10")).state == "filed"
    else:
        with pytest.raises(GuardFailed, match="soft rule"):
            engine.fire(unit, "structure_filed", payload, at=at("2023-05-10"))


def test_more_innovation_posts_for_a_major_project_or_with_a_reason(engine: Engine) -> None:
    """(九): sized by the project for a major one; 一般: otherwise passed with a recorded reason."""
    unit = _posts(engine)
    payload = _structure(innovation_posts=12, major_project=True)
    assert engine.fire(unit, "structure_filed", payload, at=at("2023-05-10")).state == "filed"
    other = _posts(engine)
    reason = {"innovation_posts_within_5_percent": "承担省重大专项，按项目需求"}
    case = engine.fire(
        other,
        "structure_filed",
        _structure(innovation_posts=12),
        at=at("2023-05-10"),
        overrides=reason,
    )
    assert case.state == "filed" and case.data["innovation_posts"] == 12
    assert engine.history(other)[-1].entry.overrides == tuple(reason.items())


@pytest.mark.parametrize(("floating", "allowed"), [(9, True), (10, True), (11, False)])
def test_the_floating_ratio_is_5_percent(engine: Engine, floating: int, allowed: bool) -> None:
    """(七): 5 % of 200 posts is 10, for key fields only."""
    unit = _posts(engine)
    payload = _structure(floating_posts=floating, key_field=True)
    if allowed:
        engine.fire(unit, "structure_filed", payload, at=at("2023-05-10"))
    else:
        with pytest.raises(GuardFailed, match="floating_at_most_5_percent"):
            engine.fire(unit, "structure_filed", payload, at=at("2023-05-10"))
    with pytest.raises(GuardFailed, match="floating_for_key_fields"):
        engine.fire(
            _posts(engine), "structure_filed", _structure(floating_posts=5), at=at("2023-05-10")
        )


@pytest.mark.parametrize(("full", "allowed"), [(59, True), (60, True), (61, False)])
def test_full_senior_posts_no_more_than_associate(engine: Engine, full: int, allowed: bool) -> None:
    """(八): 正高不高于副高 — 60 and 60 is allowed, 61 and 60 is not (provincial units only)."""
    unit = _posts(engine)
    payload = _structure(full_senior_posts=full)
    if allowed:
        engine.fire(unit, "structure_filed", payload, at=at("2023-05-10"))
    else:
        with pytest.raises(GuardFailed, match="full_not_above_associate"):
            engine.fire(unit, "structure_filed", payload, at=at("2023-05-10"))
        city_unit = _posts(engine, provincial=False)
        engine.fire(city_unit, "structure_filed", payload, at=at("2023-05-10"))
