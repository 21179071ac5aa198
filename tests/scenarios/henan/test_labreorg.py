"""henan-labreorg: 省级重点实验室优化重组实施方案 (豫科〔2023〕23号), spec P-LABREORG SC1–SC4."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from policyflow import Engine
from policyflow.errors import GuardFailed

from .steps_ha import at, run

#: A university's plan (附件1 三(二)): two labs with close directions merged into one (SC2),
#: one adjusted, one abolished, one new.
LABS: list[dict[str, Any]] = [
    {"lab_name": "河南省材料物理重点实验室", "mode": "merge_keep"},
    {"lab_name": "河南省高温功能材料重点实验室", "mode": "merged_away",
     "merged_into": "河南省材料物理重点实验室"},
    {"lab_name": "河南省过程传热与节能重点实验室", "mode": "adjust"},
    {"lab_name": "河南省某老化方向重点实验室", "mode": "abolish"},
    {"lab_name": "河南省未来材料重点实验室", "mode": "new"},
]  # fmt: skip


def _submitted(engine: Engine, day: str = "2023-04-28", labs: list[dict[str, Any]] = LABS) -> str:
    case = engine.start(
        "henan-labreorg", {"host_name": "郑州大学", "is_university": True}, at=at("2023-03-13", 9)
    )
    payload = {"collectively_decided": True, "copied_to_education_dept": True, "labs": labs}
    run(engine, case.id, ("plan_submitted", day, payload))
    return case.id


def _approved(engine: Engine, approved: str = "2023-06-20") -> str:
    case_id = _submitted(engine)
    state = run(engine, case_id, ("review_started", "2023-05-15"), ("plan_approved", approved))
    assert state == "plan_approved"
    return case_id


def _lab(engine: Engine, plan_id: str, name: str) -> str:
    found = [c for c in engine.children(plan_id) if c.data["lab_name"] == name]
    assert len(found) == 1, found
    return found[0].id


def _timer_status(engine: Engine, case_id: str, deadline: str) -> str:
    timer = engine.get(case_id).snapshot.timer(deadline)
    assert timer is not None
    return str(timer.status)


def test_sc1_plan_on_time(engine: Engine) -> None:
    """SC1, 三(一)1-3: submitted 04-28, approved 06-20, construction plans filed 09-25."""
    case_id = _approved(engine)
    assert run(engine, case_id, ("construction_plans_filed", "2023-09-25")) == "completed"
    for deadline in ("plan_planned", "approval_planned", "filing_planned"):
        assert _timer_status(engine, case_id, deadline) == "met"


@pytest.mark.parametrize(("day", "late"), [("2023-04-30", False), ("2023-05-01", True)])
def test_plan_planned_by_the_end_of_april(engine: Engine, day: str, late: bool) -> None:
    """三(一)1 计划于2023年4月底前完成: a planned date — late is a flag, the plan still goes in."""
    case = engine.start("henan-labreorg", {"host_name": "河南大学"}, at=at("2023-03-13", 9))
    engine.tick(at(day, 0))
    assert _timer_status(engine, case.id, "plan_planned") == ("overdue" if late else "armed")
    payload = {"collectively_decided": True, "labs": LABS}
    assert run(engine, case.id, ("plan_submitted", day, payload)) == "plan_submitted"


@pytest.mark.parametrize(("day", "late"), [("2023-06-30", False), ("2023-07-01", True)])
def test_approval_planned_by_the_end_of_june(engine: Engine, day: str, late: bool) -> None:
    """三(一)2 计划于2023年6月底前完成 (the department's own date)."""
    case_id = _submitted(engine)
    run(engine, case_id, ("review_started", "2023-05-15"))
    engine.tick(at(day, 12))
    assert _timer_status(engine, case_id, "approval_planned") == ("overdue" if late else "armed")


@pytest.mark.parametrize(("day", "late"), [("2023-09-30", False), ("2023-10-01", True)])
def test_filing_planned_by_the_end_of_september(engine: Engine, day: str, late: bool) -> None:
    """三(一)3, 四(二): 2023年9月底前 (a Saturday: the planned date stands)."""
    case_id = _approved(engine)
    engine.tick(at(day, 12))
    assert _timer_status(engine, case_id, "filing_planned") == ("overdue" if late else "armed")


def test_plan_needs_collective_decision_and_the_education_department(engine: Engine) -> None:
    """三(一)1: 经单位集体研究审定后函报省科技厅（9家高校的方案同时报省教育厅）."""
    case = engine.start(
        "henan-labreorg", {"host_name": "郑州大学", "is_university": True}, at=at("2023-03-13", 9)
    )
    with pytest.raises(GuardFailed, match="collectively_decided"):
        run(engine, case.id, ("plan_submitted", "2023-04-20", {"collectively_decided": False,
                                                               "copied_to_education_dept": True,
                                                               "labs": LABS}))  # fmt: skip
    with pytest.raises(GuardFailed, match="copied_to_education_dept"):
        run(engine, case.id, ("plan_submitted", "2023-04-20",
                              {"collectively_decided": True, "labs": LABS}))  # fmt: skip


def test_a_lab_merged_away_names_the_kept_lab(engine: Engine) -> None:
    """二(三) 整合: 原则上一个方向领域只保留一家实验室 — the lab merged into must be kept."""
    labs = [dict(lab) for lab in LABS]
    labs[1]["merged_into"] = "河南省不存在的重点实验室"
    with pytest.raises(GuardFailed, match="merged_into_a_kept_lab"):
        _submitted(engine, labs=labs)


def test_sc2_approval_applies_each_labs_mode(engine: Engine) -> None:
    """SC2, 二(三), 三(一)4: kept and adjusted labs operate at once; merged, abolished end."""
    plan_id = _approved(engine)
    states = {c.data["lab_name"]: c.state for c in engine.children(plan_id)}
    assert states == {
        "河南省材料物理重点实验室": "operating",
        "河南省高温功能材料重点实验室": "merged_away",
        "河南省过程传热与节能重点实验室": "operating",
        "河南省某老化方向重点实验室": "abolished",
        "河南省未来材料重点实验室": "under_construction",
    }


@pytest.mark.parametrize(("day", "ok"), [("2025-07-01", False), ("2025-07-02", True)])
def test_sc3_new_lab_two_years_then_acceptance(engine: Engine, day: str, ok: bool) -> None:
    """SC3, 三(一)4: started 2023-07-01, the two years run through 2025-07-01."""
    plan_id = _submitted(engine)
    run(engine, plan_id, ("review_started", "2023-05-15"), ("plan_approved", "2023-07-01"))
    lab_id = _lab(engine, plan_id, "河南省未来材料重点实验室")
    timer = engine.get(lab_id).snapshot.timer("construction_period")
    assert timer is not None and timer.due == date(2025, 7, 1)
    if not ok:
        with pytest.raises(GuardFailed, match="two_years_built"):
            run(engine, lab_id, ("acceptance_requested", day))
        return
    assert run(
        engine, lab_id, ("acceptance_requested", day), ("acceptance_passed", "2025-09-15")
    ) == ("operating")


def test_acceptance_failed_or_poor_result_disqualifies(engine: Engine) -> None:
    """四(三): 对于优化重组结果较差的取消省级重点实验室资格 (A2: a failed acceptance too)."""
    plan_id = _approved(engine)
    new_lab = _lab(engine, plan_id, "河南省未来材料重点实验室")
    state = run(
        engine, new_lab, ("acceptance_requested", "2025-06-23"), ("acceptance_failed", "2025-09-15")
    )
    assert state == "disqualified"
    kept = _lab(engine, plan_id, "河南省材料物理重点实验室")
    assert run(engine, kept, ("qualification_cancelled", "2024-12-16")) == "disqualified"


@pytest.mark.parametrize(("months", "short"), [(7, True), (8, False), (9, False)])
def test_sc4_director_eight_months_a_year(engine: Engine, months: int, short: bool) -> None:
    """SC4, 二(四): 主任每年在实验室工作时间不少于8个月 (8 included)."""
    plan_id = _approved(engine)
    lab_id = _lab(engine, plan_id, "河南省材料物理重点实验室")
    run(
        engine,
        lab_id,
        ("director_presence_reported", "2025-01-10", {"year": 2024, "months": months}),
    )
    assert list(engine.get(lab_id).data["director_short_years"]) == ([2024] if short else [])
