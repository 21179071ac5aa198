"""henan-demo: 科技成果转移转化示范区 (豫科〔2023〕7号, 豫科〔2023〕22号), spec P-DEMO SC3–SC5.

SC1 and SC2 (the 50/50 score, the site sample, the 50 % cap) are the evaluation round's, which
grades many zones together (issue #20); here a zone takes the grade the round gives it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from policyflow import Engine
from policyflow.errors import GuardFailed

from .steps_ha import at, due, occurrence_status, run

ZONE: dict[str, Any] = {
    "zone_code": "Z-XX-01",
    "zone_kind": "comprehensive",
    "management_in_place": True,
    "service_capacity": True,
    "distinctive_model": True,
}


def _launched(engine: Engine, launched: str = "2023-06-15", **data: Any) -> str:
    case = engine.start("henan-demo", ZONE | data, at=at("2023-03-01", 9))
    state = run(
        engine,
        case.id,
        ("recommended", "2023-03-01"),
        ("argumentation_started", "2023-03-20"),
        ("argumentation_opinion_given", "2023-04-20"),
        ("plan_revised", "2023-05-15"),
        ("construction_launched", launched),
    )
    assert state == "under_construction"
    return case.id


def _in_evaluation(engine: Engine) -> str:
    case_id = _launched(engine)
    engine.tick(at("2026-06-16", 0))
    assert engine.get(case_id).state == "self_assessment"
    run(engine, case_id, ("summary_report_uploaded", "2026-07-10"))
    return case_id


@pytest.mark.parametrize(
    "missing", ["management_in_place", "service_capacity", "distinctive_model"]
)
def test_conditions_for_recommendation(engine: Engine, missing: str) -> None:
    """建设方案 二(二)1-3: the local department recommends a zone that meets the conditions."""
    case = engine.start("henan-demo", ZONE | {missing: False}, at=at("2023-03-01", 9))
    with pytest.raises(GuardFailed, match=missing):
        run(engine, case.id, ("recommended", "2023-03-01"))


def test_construction_lasts_three_years_then_self_evaluation(engine: Engine) -> None:
    """建设方案 四(四), 评价办法 第六条: launched 2023-06-15, the term runs through 2026-06-15."""
    case_id = _launched(engine)
    assert due(engine, case_id, "construction_period") == date(2026, 6, 15)
    engine.tick(at("2026-06-15", 23))
    assert engine.get(case_id).state == "under_construction"
    engine.tick(at("2026-06-16", 0))
    assert engine.get(case_id).state == "self_assessment"


def test_an_early_self_evaluation_needs_a_reason(engine: Engine) -> None:
    """建设方案 四(四): 建设期原则上为3年 — before it ends only with a recorded reason."""
    case_id = _launched(engine)
    with pytest.raises(GuardFailed, match="three_year_construction"):
        run(engine, case_id, ("summary_report_uploaded", "2026-06-15"))
    engine.fire(
        case_id,
        "summary_report_uploaded",
        at=at("2026-06-15"),
        overrides={"three_year_construction": "目标任务提前完成"},
    )
    assert engine.get(case_id).state == "evaluation"


@pytest.mark.parametrize(
    ("grade", "directed", "incentive"),
    [("excellent", True, True), ("good", True, False), ("pass", False, False)],
)
def test_grades_and_their_consequences(
    engine: Engine, grade: str, directed: bool, incentive: bool
) -> None:
    """评价办法 第十五条, 第十六条: 良好以上 directed projects; 优秀 incentives and quota."""
    case_id = _in_evaluation(engine)
    assert run(engine, case_id, ("evaluation_graded", "2026-10-15", {"grade": grade})) == (
        "graded_active"
    )
    data = engine.get(case_id).data
    assert (data["directed_projects"], data["incentive"]) == (directed, incentive)
    # 第六条: 每三年为一个评价周期 — the next self-evaluation after 2029-10-15
    assert due(engine, case_id, "evaluation_cycle") == date(2029, 10, 15)
    engine.tick(at("2029-10-16", 0))
    assert engine.get(case_id).state == "self_assessment"


def test_sc3_fail_cancels_without_rectification(engine: Engine) -> None:
    """SC3, 评价办法 第十五条: 不合格 → 取消示范区建设资格 (A1: no rectification)."""
    case_id = _in_evaluation(engine)
    assert run(engine, case_id, ("evaluation_graded", "2026-10-15", {"grade": "fail"})) == (
        "cancelled"
    )
    assert engine.get(case_id).data["cancellation_ground"] == "graded_fail"


def test_sc4_fraud_is_a_fail(engine: Engine) -> None:
    """SC4, 评价办法 第十九条: 弄虚作假者一律视为不合格 → cancelled."""
    case_id = _in_evaluation(engine)
    assert run(engine, case_id, ("fraud_found", "2026-08-03")) == "cancelled"
    data = engine.get(case_id).data
    assert (data["last_grade"], data["cancellation_ground"]) == ("fail", "fraud")


@pytest.mark.parametrize(
    ("day", "late"), [("2024-01-30", False), ("2024-01-31", False), ("2024-02-01", True)]
)
def test_sc5_annual_report_by_the_end_of_january(engine: Engine, day: str, late: bool) -> None:
    """SC5, 建设方案 四(四): 每年1月底前 — the 2023 report of a zone launched 2023-06."""
    case_id = _launched(engine)
    engine.tick(at(day, 0))
    status = "overdue" if late else "armed"
    assert occurrence_status(engine, case_id, "annual_report", "2023年度") == status
    engine.fire(case_id, "annual_report_submitted", {"year": 2023}, at=at(day))
    assert occurrence_status(engine, case_id, "annual_report", "2023年度") == "met"
    assert engine.get(case_id).state == "under_construction"  # A4: no sanction, a flag


def test_targets_need_the_city_departments_agreement(engine: Engine) -> None:
    """评价办法 第六条: 建设期目标任务经所在省辖市科技主管部门同意后报省科技厅."""
    case_id = _launched(engine)
    with pytest.raises(GuardFailed, match="city_agreed"):
        run(engine, case_id, ("targets_filed", "2023-07-03", {"city_agreed": False}))
    run(engine, case_id, ("targets_filed", "2023-07-03", {"city_agreed": True}))
    assert engine.get(case_id).data["targets_filed_on"] == date(2023, 7, 3)
