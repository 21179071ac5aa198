"""ethics-committee: composition (第七条), registration (第四十三条), annual report (第四十五条)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from policyflow import Engine
from policyflow.errors import GuardFailed

from .steps import at, committee_member, due, timer_actions


def _establish(
    engine: Engine, members: list[dict[str, Any]], established_on: str = "2024-03-04", **data: Any
) -> str:
    case = engine.start("ethics-committee", data, at=at(established_on, 9))
    engine.fire(
        case.id,
        "committee_established",
        {"established_on": established_on, "charter_adopted": True, "members": members},
        at=at(established_on),
    )
    return case.id


def _seven(**change: Any) -> list[dict[str, Any]]:
    return [committee_member(i) for i in range(7)]


def test_seven_members_make_a_committee_six_do_not(engine: Engine) -> None:
    """第七条: 人数应不少于7人 (inclusive, 第五十二条)."""
    with pytest.raises(GuardFailed, match="seven_members"):
        _establish(engine, [committee_member(i) for i in range(6)])
    case_id = _establish(engine, _seven())
    assert engine.get(case_id).state == "established"


@pytest.mark.parametrize(
    ("index", "change", "guard"),
    [
        (1, {"role": "chair"}, "one_chair"),
        (1, {"role": "member"}, "vice_chairs"),
        (2, {"category": "other"}, "peers_ethics_law"),
        (2, {"external": False}, "external_member"),
    ],
)
def test_the_composition_follows_article_7(
    engine: Engine, index: int, change: dict[str, Any], guard: str
) -> None:
    """第七条: one chair, vice-chairs, peers, ethics and law, an outside member."""
    members = _seven()
    members[index] = members[index] | change
    with pytest.raises(GuardFailed, match=guard):
        _establish(engine, members)


@pytest.mark.parametrize(("term_end", "ok"), [("2029-01-01", True), ("2029-01-02", False)])
def test_a_term_is_five_years_at_most(engine: Engine, term_end: str, ok: bool) -> None:
    """第七条: 委员任期不超过5年 — from 2024-01-01 (not counted) five years end on 2029-01-01."""
    members = _seven()
    members[6] = members[6] | {"term_start": "2024-01-01", "term_end": term_end}
    if ok:
        assert engine.get(_establish(engine, members)).state == "established"
    else:
        with pytest.raises(GuardFailed, match="term_at_most_five_years"):
            _establish(engine, members)


@pytest.mark.parametrize(("day", "late"), [("2024-04-03", False), ("2024-04-04", True)])
def test_registration_within_thirty_days_of_establishment(
    engine: Engine, day: str, late: bool
) -> None:
    """第四十三条: Mon 2024-03-04 + 30 days = Wed 2024-04-03; 04-04 (清明) is day 31."""
    case_id = _establish(engine, _seven())
    assert due(engine.get(case_id), "registration") == date(2024, 4, 3)
    engine.tick(at(day, 0))
    assert engine.get(case_id).overdue is late
    engine.fire(case_id, "committee_registered", at=at(day))
    expected = ["started", "overdue", "met"] if late else ["started", "met"]
    assert timer_actions(engine, case_id, "registration") == expected


def test_a_committee_older_than_the_measure_counts_from_1_december_2023(engine: Engine) -> None:
    """第五十六条: from 2023-12-01; day 30 is Sun 12-31, 元旦 01-01 → Tue 2024-01-02."""
    case = engine.start("ethics-committee", {}, at=at("2023-12-05", 9))
    engine.fire(
        case.id,
        "committee_established",
        {"established_on": "2023-06-01", "charter_adopted": True, "members": _seven()},
        at=at("2023-12-05"),
    )
    assert due(engine.get(case.id), "registration") == date(2024, 1, 2)


def _registered(engine: Engine, day: str = "2024-01-15") -> str:
    case_id = _establish(engine, _seven(), established_on="2024-01-08")
    engine.fire(case_id, "committee_registered", at=at(day))
    return case_id


def _labels(engine: Engine, case_id: str) -> dict[str, str]:
    """Each annual-report occurrence's label and how it stands."""
    return {
        t.label: str(t.status) for t in engine.get(case_id).timers if t.deadline == "annual_report"
    }


@pytest.mark.parametrize(("day", "late"), [("2024-03-31", False), ("2024-04-01", True)])
def test_the_report_on_31_march_is_in_time_even_a_sunday(
    engine: Engine, day: str, late: bool
) -> None:
    """第四十五条: 每年3月31日前; 2024-03-31 is a Sunday and stands (no rollover, see ethics.md)."""
    case_id = _registered(engine)
    engine.tick(at(day, 0))
    assert engine.get(case_id).overdue is late
    engine.fire(case_id, "annual_report_submitted", {"year_label": "2023年度"}, at=at(day))
    labels = _labels(engine, case_id)
    assert labels["2023年度"] == "met"
    assert labels["2024年度"] == "armed"


def test_a_missed_2024_report_is_overdue_for_2024_and_2025_still_falls_due(engine: Engine) -> None:
    """2024年度, due Mon 2025-03-31: journaled overdue at 2025-04-01 00:00, never fired."""
    case_id = _registered(engine)
    engine.fire(case_id, "annual_report_submitted", {"year_label": "2023年度"}, at=at("2024-03-20"))
    engine.tick(at("2025-03-31", 23))
    assert not engine.get(case_id).overdue
    engine.tick(at("2025-04-01", 0))
    case = engine.get(case_id)
    assert case.overdue
    expired = [
        row.entry
        for row in engine.history(case_id)
        if any(
            c.deadline == "annual_report" and str(c.action) == "overdue"
            for c in row.entry.timer_changes
        )
    ]
    assert len(expired) == 1 and expired[0].at.date() == date(2025, 4, 1)
    assert "fired" not in timer_actions(engine, case_id, "annual_report")
    assert _labels(engine, case_id)["2024年度"] == "overdue"
    # the late report names its year and meets that occurrence; 2025年度 is due 2026-03-31
    engine.fire(case_id, "annual_report_submitted", {"year_label": "2024年度"}, at=at("2025-05-06"))
    labels = _labels(engine, case_id)
    assert labels["2024年度"] == "met" and labels["2025年度"] == "armed"
    assert not engine.get(case_id).overdue


def test_dissolution_ends_the_reports(engine: Engine) -> None:
    """No committee, no report: the open occurrence is cancelled, no further one falls due."""
    case_id = _registered(engine)
    engine.fire(case_id, "committee_dissolved", at=at("2024-02-01"))
    assert _labels(engine, case_id)["2023年度"] == "cancelled"
    engine.tick(at("2025-04-01", 0))
    assert not engine.get(case_id).overdue
