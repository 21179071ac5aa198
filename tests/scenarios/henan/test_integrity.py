"""henan-integrity: 论文学术不端自查和挂名现象清理 (豫科〔2023〕80号), SC1–SC4.

A real campaign on the engine: the provincial department, its three competent departments,
their units and the papers found, with the fixed dates of 二(四).
"""

from __future__ import annotations

from typing import Any

import pytest

from policyflow import Engine
from policyflow.errors import GuardFailed, TransitionRefused

from .steps_ha import at, due, run

#: A unit's statistics table (附件) with nothing found.
CLEAN: dict[str, Any] = {
    "papers_in_scope": 120,
    "problem_papers": 0,
    "type1": 0,
    "type2": 0,
    "type3": 0,
    "type4": 0,
    "type5": 0,
    "type6": 0,
    "work_report": True,
}


def _campaign(engine: Engine) -> tuple[str, dict[str, str]]:
    """The campaign launched on 2023-06-25; its departments by kind."""
    campaign = engine.start("henan-integrity", {}, at=at("2023-06-25", 9))
    run(engine, campaign.id, ("campaign_launched", "2023-06-25"))
    departments = {c.data["kind"]: c.id for c in engine.children(campaign.id)}
    return campaign.id, departments


def _unit(engine: Engine, department_id: str, kind: str, name: str = "郑州大学") -> str:
    unit = engine.start(
        "henan-integrity.unit",
        {"department_id": department_id, "unit_name": name, "kind": kind},
        at=at("2023-06-26", 9),
    )
    run(engine, unit.id, ("self_check_started", "2023-06-26"))
    return unit.id


def _paper(published_on: str, *types: str) -> dict[str, Any]:
    return {
        "paper_id": f"DOI-{published_on}",
        "published_on": published_on,
        "problem_types": list(types) or ["plagiarism"],
    }


def test_three_departments_by_unit_kind(engine: Engine) -> None:
    """二(三)2: 省科技厅、省教育厅、省卫生健康委 each coordinate one kind of unit."""
    _, departments = _campaign(engine)
    assert sorted(departments) == ["institute", "medical", "university"]


@pytest.mark.parametrize(
    ("published_on", "in_scope"),
    [
        ("2017-12-31", False),  # SC1: the day before the window
        ("2018-01-01", True),  # SC1: its first day
        ("2018-01-02", True),
        ("2023-04-29", True),
        ("2023-04-30", True),  # its last day
        ("2023-05-01", False),  # SC1: the day after
    ],
)
def test_sc1_paper_scope_window(engine: Engine, published_on: str, in_scope: bool) -> None:
    """SC1, 二(一): papers published 2018-01-01 to 2023-04-30, both days included."""
    _, departments = _campaign(engine)
    unit = _unit(engine, departments["university"], "university")
    if in_scope:
        run(engine, unit, ("problem_found", "2023-07-03", _paper(published_on)))
        assert len(engine.children(unit)) == 1
        return
    with pytest.raises(GuardFailed, match="published_in_scope"):
        run(engine, unit, ("problem_found", "2023-07-03", _paper(published_on)))
    assert engine.children(unit) == []


def test_sc2_self_reported_retracted_lenient(engine: Engine) -> None:
    """SC2, 三(三): a duplicated image, reported to the unit and retracted ⇒ lenient handling."""
    _, departments = _campaign(engine)
    unit = _unit(engine, departments["medical"], "medical", "省人民医院")
    run(engine, unit, ("problem_found", "2023-07-03", _paper("2021-05-10", "fabrication")))
    (finding,) = engine.children(unit)
    state = run(
        engine,
        finding.id,
        ("self_reported", "2023-07-05", {"remedy": "retraction"}),
        ("lenient_handling", "2023-07-20", {"mitigating": True}),
    )
    assert state == "lenient_handling"
    assert engine.get(finding.id).data["publicly_notified"] is False


def test_lenient_only_with_mitigating_circumstances(engine: Engine) -> None:
    """三(三): 可依规从轻处理 only for the circumstances of 第三十四条; else under the rules."""
    _, departments = _campaign(engine)
    unit = _unit(engine, departments["medical"], "medical")
    run(engine, unit, ("problem_found", "2023-07-03", _paper("2021-05-10")))
    (finding,) = engine.children(unit)
    run(engine, finding.id, ("self_reported", "2023-07-05", {"remedy": "corrigendum"}))
    with pytest.raises(GuardFailed, match="mitigating_circumstances"):
        run(engine, finding.id, ("lenient_handling", "2023-07-20", {"mitigating": False}))
    assert run(engine, finding.id, ("ordinary_handling", "2023-07-20")) == "ordinary_handling"


def test_sc3_concealed_honorary_author_found_by_spot_check(engine: Engine) -> None:
    """SC3, 三(一)(三): hidden honorary authorship found by a September spot check ⇒ notified."""
    campaign, _ = _campaign(engine)
    run(
        engine,
        campaign,
        (
            "spot_check_found",
            "2023-09-12",
            {"unit_name": "省农业科学院"} | _paper("2020-03-02", "honorary_authorship"),
        ),
    )
    (finding,) = engine.children(campaign)[-1:]
    assert finding.data["found_by"] == "spot_check"
    state = run(engine, finding.id, ("severe_handling", "2023-09-20", {"ground": "concealed"}))
    assert state == "severe_handling"
    assert engine.get(finding.id).data["publicly_notified"] is True


@pytest.mark.parametrize(
    ("published_on", "in_scope"),
    [("2017-12-31", False), ("2018-01-01", True), ("2023-04-30", True), ("2023-05-01", False)],
)
def test_spot_checks_keep_to_the_window(engine: Engine, published_on: str, in_scope: bool) -> None:
    """二(一), 三(一): a spot check of this campaign concerns papers of the same window."""
    campaign, _ = _campaign(engine)
    payload = {"unit_name": "郑州大学"} | _paper(published_on)
    if in_scope:
        run(engine, campaign, ("spot_check_found", "2023-07-20", payload))
        assert engine.get(campaign).data["spot_checks"] == 1
        return
    with pytest.raises(GuardFailed, match="published_in_scope"):
        run(engine, campaign, ("spot_check_found", "2023-07-20", payload))
    assert engine.get(campaign).data["spot_checks"] == 0


def test_a_self_reported_paper_is_not_concealed(engine: Engine) -> None:
    """三(三): 隐瞒不报 is a paper never reported; one reported can only be a false report."""
    _, departments = _campaign(engine)
    unit = _unit(engine, departments["institute"], "institute", "省科学院")
    run(engine, unit, ("problem_found", "2023-07-03", _paper("2022-01-04")))
    (finding,) = engine.children(unit)
    run(engine, finding.id, ("self_reported", "2023-07-05", {"remedy": "corrigendum"}))
    with pytest.raises(GuardFailed, match="concealed_or_false"):
        run(engine, finding.id, ("severe_handling", "2023-08-20", {"ground": "concealed"}))
    state = run(engine, finding.id, ("severe_handling", "2023-08-20", {"ground": "false_report"}))
    assert state == "severe_handling"


@pytest.mark.parametrize(
    ("day", "late"), [("2023-07-31", False), ("2023-08-01", False), ("2023-08-02", True)]
)
def test_sc4_unit_report_by_1_august(engine: Engine, day: str, late: bool) -> None:
    """SC4, 二(四): 8月1日前 includes 1 August; a report on 2 August breaches it (met late)."""
    _, departments = _campaign(engine)
    unit = _unit(engine, departments["university"], "university")
    assert str(due(engine, unit, "unit_report")) == "2023-08-01"
    run(engine, unit, ("unit_reported", day, CLEAN))
    history = [e.entry for e in engine.history(unit)]
    overdue = [c for e in history for c in e.timer_changes if c.action.value == "overdue"]
    assert bool(overdue) is late
    assert engine.get(unit).state == "reported"


def test_fixed_dates_of_the_three_levels(engine: Engine) -> None:
    """二(四): units by 1 August, departments by 8 August, the province by 15 August."""
    campaign, departments = _campaign(engine)
    assert str(due(engine, campaign, "report_to_most")) == "2023-08-15"
    for department in departments.values():
        assert str(due(engine, department, "department_report")) == "2023-08-08"


def test_reports_aggregate_up_the_hierarchy(engine: Engine) -> None:
    """二(四): units → their department → the provincial department → the Ministry."""
    campaign, departments = _campaign(engine)
    units = {
        "institute": [_unit(engine, departments["institute"], "institute", "省科学院")],
        "university": [
            _unit(engine, departments["university"], "university", "郑州大学"),
            _unit(engine, departments["university"], "university", "河南大学"),
        ],
        "medical": [_unit(engine, departments["medical"], "medical", "省人民医院")],
    }
    table = CLEAN | {"problem_papers": 2, "type1": 1, "type6": 2}
    for ids in units.values():
        for unit in ids:
            run(engine, unit, ("unit_reported", "2023-07-28", table))
    for department in departments.values():
        run(engine, department, ("department_reported", "2023-08-07"))
    university = engine.get(departments["university"]).data
    assert (university["units_reported"], university["problem_papers"]) == (2, 4)
    assert run(engine, campaign, ("reported_to_most", "2023-08-14")) == "reported_to_most"
    totals = engine.get(campaign).data
    assert (totals["units_reported"], totals["papers_in_scope"], totals["type6"]) == (4, 480, 8)
    assert not engine.get(campaign).snapshot.overdue


def test_a_department_cannot_report_before_its_units(engine: Engine) -> None:
    """二(四) 审核汇总后报送: not while one of its units has not reported."""
    _, departments = _campaign(engine)
    first = _unit(engine, departments["university"], "university", "郑州大学")
    _unit(engine, departments["university"], "university", "河南大学")
    run(engine, first, ("unit_reported", "2023-07-28", CLEAN))
    with pytest.raises(GuardFailed, match="every_unit_reported"):
        run(engine, departments["university"], ("department_reported", "2023-08-07"))
    assert engine.get(departments["university"]).state == "coordinating"


def test_a_department_without_units_cannot_report(engine: Engine) -> None:
    """二(四): an aggregate of nothing is no report."""
    _, departments = _campaign(engine)
    with pytest.raises(GuardFailed, match="every_unit_reported"):
        run(engine, departments["medical"], ("department_reported", "2023-08-07"))


def test_the_province_cannot_report_before_its_departments(engine: Engine) -> None:
    """二(四): the Ministry gets the aggregate of all three departments."""
    campaign, departments = _campaign(engine)
    unit = _unit(engine, departments["institute"], "institute", "省科学院")
    run(engine, unit, ("unit_reported", "2023-07-28", CLEAN))
    run(engine, departments["institute"], ("department_reported", "2023-08-07"))
    with pytest.raises(GuardFailed, match="every_department_reported"):
        run(engine, campaign, ("reported_to_most", "2023-08-14"))


def test_late_department_and_province_are_overdue(engine: Engine) -> None:
    """二(四): 8月8日前 / 8月15日前 — past them, the level is overdue until it reports."""
    campaign, departments = _campaign(engine)
    engine.tick(at("2023-08-08", 23))
    assert not engine.get(departments["institute"]).snapshot.overdue
    engine.tick(at("2023-08-09", 0))
    assert engine.get(departments["institute"]).snapshot.overdue
    assert not engine.get(campaign).snapshot.overdue
    engine.tick(at("2023-08-16", 0))
    assert engine.get(campaign).snapshot.overdue


def test_a_unit_joins_its_own_department(engine: Engine) -> None:
    """二(三)2, 四: a university is in the education department's charge, not another's."""
    _, departments = _campaign(engine)
    unit = engine.start(
        "henan-integrity.unit",
        {"department_id": departments["medical"], "unit_name": "郑州大学", "kind": "university"},
        at=at("2023-06-26", 9),
    )
    with pytest.raises(GuardFailed, match="its_department_if_named"):
        run(engine, unit.id, ("self_check_started", "2023-06-26"))
    assert engine.get(departments["medical"]).data["units_joined"] == 0


def test_a_unit_without_a_department_cannot_report(engine: Engine) -> None:
    """二(四): the table goes to the competent department; a unit naming none reports nowhere."""
    unit = engine.start(
        "henan-integrity.unit",
        {"unit_name": "郑州大学", "kind": "university"},
        at=at("2023-06-26", 9),
    )
    run(engine, unit.id, ("self_check_started", "2023-06-26"))
    with pytest.raises(GuardFailed, match="its_department"):
        run(engine, unit.id, ("unit_reported", "2023-07-28", CLEAN))
    assert engine.get(unit.id).state == "self_checking"


@pytest.mark.parametrize(
    ("table", "guard"),
    [
        ({"problem_papers": 121}, "problems_within_papers"),
        ({"problem_papers": 2, "type1": 3, "type6": 2}, "types_within_problems"),
        ({"problem_papers": 2, "type1": 1}, "types_within_problems"),
        ({"work_report": False}, "work_report"),
    ],
)
def test_statistics_table_is_consistent(engine: Engine, table: dict[str, Any], guard: str) -> None:
    """附件: a paper counts once among the problems; each type at most all problem papers."""
    _, departments = _campaign(engine)
    unit = _unit(engine, departments["university"], "university")
    with pytest.raises(GuardFailed, match=guard):
        run(engine, unit, ("unit_reported", "2023-07-28", CLEAN | table))
    assert engine.get(unit).state == "self_checking"


@pytest.mark.parametrize(("reported", "ok"), [(0, False), (1, True), (2, True)])
def test_table_counts_the_recorded_findings(engine: Engine, reported: int, ok: bool) -> None:
    """二(四), 三(三): a unit that recorded a problem paper cannot report none."""
    _, departments = _campaign(engine)
    unit = _unit(engine, departments["university"], "university")
    run(engine, unit, ("problem_found", "2023-07-03", _paper("2020-06-01")))
    table = CLEAN | {"problem_papers": reported, "type1": reported}
    if ok:
        assert run(engine, unit, ("unit_reported", "2023-07-28", table)) == "reported"
    else:
        with pytest.raises(GuardFailed, match="findings_counted"):
            run(engine, unit, ("unit_reported", "2023-07-28", table))


def test_a_unit_joining_after_its_department_reported_is_refused(engine: Engine) -> None:
    """二(四): once the department has sent its aggregate, no unit joins it any more."""
    _, departments = _campaign(engine)
    first = _unit(engine, departments["institute"], "institute", "省科学院")
    run(engine, first, ("unit_reported", "2023-07-28", CLEAN))
    run(engine, departments["institute"], ("department_reported", "2023-08-07"))
    late = engine.start(
        "henan-integrity.unit",
        {"department_id": departments["institute"], "unit_name": "省农科院", "kind": "institute"},
        at=at("2023-08-09", 9),
    )
    with pytest.raises(TransitionRefused, match="is final"):
        run(engine, late.id, ("self_check_started", "2023-08-10"))
    assert engine.get(late.id).state == "launched"


def test_a_unit_joining_sends_the_department_back_to_collecting(engine: Engine) -> None:
    """二(四) 审核汇总: materials complete until another unit in its charge starts."""
    _, departments = _campaign(engine)
    first = _unit(engine, departments["university"], "university", "郑州大学")
    run(engine, first, ("unit_reported", "2023-07-20", CLEAN))
    assert engine.get(departments["university"]).state == "aggregating"
    second = _unit(engine, departments["university"], "university", "河南大学")
    assert engine.get(departments["university"]).state == "coordinating"
    run(engine, second, ("unit_reported", "2023-07-28", CLEAN))
    assert engine.get(departments["university"]).state == "aggregating"
