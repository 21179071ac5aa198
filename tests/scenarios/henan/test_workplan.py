"""henan-workplan: the 2023 work-point ledger, units by the 2nd, the department by the 5th.

豫科〔2023〕47号 通知正文: "于每月2日前填写工作台账并加盖公章反馈省科技厅 … 省科技厅每月5日前
汇总报送"; 附件 工作台账: tasks due "12月底前" or "持续推进". "X日前" includes day X and the
day stands as written (no rollover: the notice names calendar days and counts no periods).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from policyflow import Engine, GuardFailed

from .engine_steps import at, child, children_of, occurrence, open_engine, timer_actions

UNITS = [{"unit_id": "410300", "name": "洛阳市人民政府"}, {"unit_id": "PEDU", "name": "省教育厅"}]
HTE_TASK = {
    "task_no": "9",
    "text": "新认定高新技术企业2000家",
    "target": 2000,
    "deadline": "2023-12-31",
}
ONGOING_TASK = {"task_no": "1", "text": "推进省实验室体系建设", "target": None, "deadline": None}


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """A real engine on a fresh SQLite file."""
    with open_engine(tmp_path, "workplan") as eng:
        yield eng


def _distributed(engine: Engine) -> str:
    """The ledger issued on 2023-05-06 and distributed the same day; its case id."""
    case = engine.start(
        "henan-workplan",
        {"units": UNITS, "tasks": [HTE_TASK, ONGOING_TASK]},
        at=at("2023-05-06", 9),
    )
    engine.fire(case.id, "ledger_distributed", at=at("2023-05-06"))
    return case.id


def test_distribution_starts_one_case_per_unit_and_per_task(engine: Engine) -> None:
    """通知正文 and 工作台账: every responsible unit reports; every task is tracked."""
    ledger = _distributed(engine)
    units = children_of(engine, ledger, "henan-workplan.unit")
    tasks = children_of(engine, ledger, "henan-workplan.task")
    assert sorted(u.data["name"] for u in units) == sorted(["洛阳市人民政府", "省教育厅"])
    deadlines = {t.data["task_no"]: t.data["deadline"] for t in tasks}
    assert deadlines == {"9": date(2023, 12, 31), "1": None}


def test_sc1_may_ledger_on_june_2_and_summary_on_june_5_are_in_time(engine: Engine) -> None:
    """SC1: a department submits the May ledger on Fri 2023-06-02; forwarded Mon 2023-06-05."""
    ledger = _distributed(engine)
    unit = child(engine, ledger, "henan-workplan.unit", unit_id="PEDU")
    first = occurrence(unit, "monthly_ledger", "2023年5月")
    assert first.due == date(2023, 6, 2)
    engine.tick(at("2023-06-02", 23))
    unit = engine.fire(unit.id, "ledger_submitted", {"sealed": True}, at=at("2023-06-02", 23))
    assert not unit.overdue
    assert timer_actions(engine, unit.id, "monthly_ledger")[:2] == [
        ("started", "2023年5月"),
        ("met", "2023年5月"),
    ]
    assert occurrence(unit, "monthly_ledger", "2023年6月").due == date(2023, 7, 2)
    case = engine.fire(ledger, "summary_forwarded", {"month": "2023年5月"}, at=at("2023-06-05"))
    assert not case.overdue and case.data["summaries_forwarded"] == 1
    assert occurrence(case, "monthly_summary", "2023年5月").due == date(2023, 6, 5)


@pytest.mark.parametrize(
    ("day", "late"), [("2023-07-01", False), ("2023-07-02", False), ("2023-07-03", True)]
)
def test_the_second_is_the_units_last_day(engine: Engine, day: str, late: bool) -> None:
    """每月2日前 includes the 2nd; Sun 2023-07-02 stands (no rollover); the 3rd is late."""
    ledger = _distributed(engine)
    unit = child(engine, ledger, "henan-workplan.unit", unit_id="410300")
    may = {"sealed": True, "month": "2023年5月"}
    engine.fire(unit.id, "ledger_submitted", may, at=at("2023-06-01"))
    engine.tick(at(day, 1))
    assert engine.get(unit.id).overdue is late


def test_sc2_a_city_submitting_on_the_3rd_is_overdue_then_met_late(engine: Engine) -> None:
    """SC2: the city's May ledger on Sat 2023-06-03: overdue at 06-03 00:00, met late."""
    ledger = _distributed(engine)
    city = child(engine, ledger, "henan-workplan.unit", unit_id="410300")
    city = engine.fire(city.id, "ledger_submitted", {"sealed": True}, at=at("2023-06-03"))
    assert timer_actions(engine, city.id, "monthly_ledger") == [
        ("started", "2023年5月"),
        ("overdue", "2023年5月"),
        ("started", "2023年6月"),
        ("met", "2023年5月"),
    ]
    assert not city.overdue and city.data["ledgers_submitted"] == 1


def test_an_unsealed_ledger_is_refused(engine: Engine) -> None:
    """通知正文: 加盖公章."""
    ledger = _distributed(engine)
    unit = child(engine, ledger, "henan-workplan.unit", unit_id="410300")
    with pytest.raises(GuardFailed, match="ledger_sealed"):
        engine.fire(unit.id, "ledger_submitted", {"sealed": False}, at=at("2023-06-01"))
    assert engine.get(unit.id).data["ledgers_submitted"] == 0


@pytest.mark.parametrize(
    ("day", "late"), [("2023-08-04", False), ("2023-08-05", False), ("2023-08-06", True)]
)
def test_the_fifth_is_the_departments_last_day(engine: Engine, day: str, late: bool) -> None:
    """每月5日前 includes the 5th (Sat 2023-08-05 stands); at 08-06 00:00 July's is overdue."""
    ledger = _distributed(engine)
    for month, forwarded in (("2023年5月", "2023-06-05"), ("2023年6月", "2023-07-05")):
        engine.fire(ledger, "summary_forwarded", {"month": month}, at=at(forwarded))
    engine.tick(at(day, 1))
    assert engine.get(ledger).overdue is late


@pytest.mark.parametrize(
    ("achieved", "state"), [(1999, "in_progress"), (2000, "done"), (2001, "done")]
)
def test_2000_new_htes_are_met_at_2000(engine: Engine, achieved: int, state: str) -> None:
    """工作台账: 新认定高新技术企业2000家 — 1,999 is not done; 2,000 and 2,001 are."""
    ledger = _distributed(engine)
    task = child(engine, ledger, "henan-workplan.task", task_no="9")
    if state == "done":
        engine.fire(task.id, "task_completed", {"achieved": achieved}, at=at("2023-12-29"))
    else:
        with pytest.raises(GuardFailed, match="target_reached"):
            engine.fire(task.id, "task_completed", {"achieved": achieved}, at=at("2023-12-29"))
    assert engine.get(task.id).state == state


def test_sc3_1850_new_htes_on_december_31_lapse_into_late(engine: Engine) -> None:
    """SC3: 1,850 on 2023-12-31 (12月底前 includes the 31st): late at 2024-01-01 00:00."""
    ledger = _distributed(engine)
    task = child(engine, ledger, "henan-workplan.task", task_no="9")
    engine.fire(task.id, "progress_reported", {"achieved": 1850}, at=at("2023-12-31"))
    engine.tick(at("2023-12-31", 23))
    assert engine.get(task.id).state == "in_progress"
    engine.tick(at("2024-01-01", 0))
    assert engine.get(task.id).state == "late"


def test_an_ongoing_task_never_lapses(engine: Engine) -> None:
    """持续推进: no deadline, so no lapse at the year's end (errata: 持续推进 tasks)."""
    ledger = _distributed(engine)
    task = child(engine, ledger, "henan-workplan.task", task_no="1")
    engine.tick(at("2024-03-01"))
    task = engine.get(task.id)
    assert task.state == "in_progress" and task.snapshot.timer("task_deadline") is None


def test_closing_the_year_closes_every_unit_and_its_ledger_duty(engine: Engine) -> None:
    """一年一考: the department closes the year; each unit's monthly duty ends with it."""
    ledger = _distributed(engine)
    engine.fire(ledger, "year_closed", at=at("2023-06-01"))
    for unit in children_of(engine, ledger, "henan-workplan.unit"):
        assert unit.state == "closed"
        assert not [t for t in unit.running_timers if t.deadline == "monthly_ledger"]
