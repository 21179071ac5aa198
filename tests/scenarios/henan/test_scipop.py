"""henan-scipop: 河南省科普基地管理办法（试行） (豫科〔2023〕10号), spec P-SCIPOP SC1–SC5."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from policyflow import Engine
from policyflow.errors import GuardFailed

from .steps_ha import at, due, occurrence_status, run

#: SC1's science museum (第七条(一)): 800 m², 400 m² hall, 6 guides, 250 days, 25 youth days,
#: 15,000 visitors.
MUSEUM: dict[str, Any] = {
    "host_code": "12410000MB0001",
    "base_type": "venue",
    "building_m2": 800,
    "hall_m2": 400,
    "guide_staff": 6,
    "open_days": 250,
    "youth_days": 25,
    "visitors": 15000,
}

#: SC3's field station (第七条(二)): 220 m², 3 staff, open 40 days, not open all year.
STATION: dict[str, Any] = {
    "host_code": "12410000MB0002",
    "base_type": "non_venue",
    "exhibit_area_m2": 220,
    "guide_staff": 3,
    "year_round_capable": False,
    "open_days": 40,
    "youth_days": 0,
}


def _applied(engine: Engine, data: dict[str, Any], day: str = "2023-09-20") -> str:
    case = engine.start("henan-scipop", data, at=at(day, 9))
    engine.fire(case.id, "application_submitted", at=at(day))
    return case.id


def _approved(engine: Engine, data: dict[str, Any], **overrides: str) -> str:
    """Applied on 2023-09-20, judged against 第七条 by the competent department on 10-16."""
    case_id = _applied(engine, data)
    engine.fire(case_id, "competent_approved", at=at("2023-10-16"), overrides=overrides or None)
    return case_id


def _refused_by(engine: Engine, data: dict[str, Any], guard: str) -> None:
    case_id = _applied(engine, data)
    with pytest.raises(GuardFailed, match=guard):
        engine.fire(case_id, "competent_approved", at=at("2023-10-16"))
    assert run(engine, case_id, ("competent_refused", "2023-10-16")) == "rejected"


def _filed(engine: Engine, data: dict[str, Any] | None = None, filed: str = "2023-12-11") -> str:
    case_id = _applied(engine, data or MUSEUM)
    state = run(
        engine,
        case_id,
        ("competent_approved", "2023-10-16"),
        ("review_passed", "2023-11-20"),
        ("publicity_cleared", filed),
    )
    assert state == "filed"
    return case_id


def test_sc1_museum_is_filed_with_a_four_year_term(engine: Engine) -> None:
    """SC1, 第八条, 第十条: filed 2023-12-11, the term of four years ends 2027-12-11."""
    case_id = _filed(engine)
    assert engine.get(case_id).data["filed_on"] == date(2023, 12, 11)
    assert due(engine, case_id, "filing_term") == date(2027, 12, 11)
    # A2: the filing year is the first construction year: acceptance by 2025-12-31.
    assert due(engine, case_id, "comprehensive_acceptance") == date(2025, 12, 31)


@pytest.mark.parametrize(
    ("day", "in_window"),
    [("2023-08-31", False), ("2023-09-01", True), ("2023-10-31", True), ("2023-11-01", False)],
)
def test_sc2_september_october_window_as_a_rule(engine: Engine, day: str, in_window: bool) -> None:
    """SC2, 第八条(一): 原则上每年9月至10月 — outside it only with a recorded reason."""
    case = engine.start("henan-scipop", MUSEUM, at=at(day, 9))
    if in_window:
        engine.fire(case.id, "application_submitted", at=at(day))
    else:
        with pytest.raises(GuardFailed, match="application_window"):
            engine.fire(case.id, "application_submitted", at=at(day))
        assert engine.get(case.id).state == "preparing"
        engine.fire(
            case.id,
            "application_submitted",
            at=at(day),
            overrides={"application_window": "批次延期至11月"},
        )
    assert engine.get(case.id).state == "submitted"


@pytest.mark.parametrize(
    ("field", "values", "guard"),
    [
        ("building_m2", (499, 500, 501), "venue_building"),
        ("hall_m2", (299, 300, 301), "venue_hall"),
        ("open_days", (199, 200, 201), "venue_open_days"),
        ("youth_days", (19, 20, 21), "venue_open_days"),
        ("visitors", (9999, 10000, 10001), "venue_visitors"),
    ],
)
def test_venue_thresholds_include_the_number(
    engine: Engine, field: str, values: tuple[int, int, int], guard: str
) -> None:
    """第七条(一): 500平方米以上, 不小于300, 不少于200天/20天/10000人次 — all inclusive."""
    below, at_limit, above = values
    _refused_by(engine, MUSEUM | {field: below}, guard)
    for value in (at_limit, above):
        assert engine.get(_approved(engine, MUSEUM | {field: value})).state == "expert_review"


@pytest.mark.parametrize(
    ("base", "values", "guard"),
    [(MUSEUM, (4, 5, 6), "venue_staff"), (STATION, (2, 3, 4), "non_venue_staff")],
)
def test_staff_minimum_is_a_soft_rule(
    engine: Engine, base: dict[str, Any], values: tuple[int, int, int], guard: str
) -> None:
    """第七条(一)1, (二)3: 原则上不少于5人 / 3名 — fewer only with a recorded reason."""
    below, at_limit, above = values
    _refused_by(engine, base | {"guide_staff": below}, guard)
    case_id = _approved(engine, base | {"guide_staff": below}, **{guard: "志愿者讲解"})
    assert engine.get(case_id).state == "expert_review"
    for value in (at_limit, above):
        case_id = _approved(engine, base | {"guide_staff": value})
        assert engine.get(case_id).state == "expert_review"


@pytest.mark.parametrize(
    ("data", "ok"),
    [
        ({}, True),
        ({"open_days": 29}, False),
        ({"open_days": 30}, True),
        ({"open_days": 31}, True),
        ({"exhibit_area_m2": 199}, False),
        ({"exhibit_area_m2": 200}, True),
        ({"exhibit_area_m2": 201}, True),
        ({"year_round_capable": True}, False),
        ({"year_round_capable": True, "open_days": 199, "youth_days": 20}, False),
        ({"year_round_capable": True, "open_days": 200, "youth_days": 20}, True),
        ({"year_round_capable": True, "open_days": 201, "youth_days": 19}, False),
    ],
)
def test_sc3_non_venue_opening_days(engine: Engine, data: dict[str, Any], ok: bool) -> None:
    """SC3, 第七条(二): 40 days suffice (不少于30天) unless it can open all year (200/20)."""
    if ok:
        assert engine.get(_approved(engine, STATION | data)).state == "expert_review"
    else:
        _refused_by(engine, STATION | data, "non_venue")


def test_media_base_needs_a_licence(engine: Engine) -> None:
    """第七条(三)1-2: 传媒资质 and a dedicated content department."""
    media = {"host_code": "M1", "base_type": "media", "content_department": True}
    _refused_by(engine, media, "media_qualified")
    case_id = _approved(engine, media | {"media_licence": True})
    assert engine.get(case_id).state == "expert_review"


def test_sc4_acceptance_fails_rectification_fails_revoked(engine: Engine) -> None:
    """SC4, 第十二条: 不合格 → one year; still 不合格 → revoked."""
    case_id = _filed(engine)
    run(engine, case_id, ("acceptance_started", "2025-10-13"))
    assert run(engine, case_id, ("acceptance_decided", "2025-11-17", {"passed": False})) == (
        "rectification"
    )
    assert due(engine, case_id, "rectification_term") == date(2026, 11, 17)
    state = run(engine, case_id, ("rectification_reviewed", "2026-11-16", {"passed": False}))
    assert state == "revoked"
    assert engine.get(case_id).data["revocation_ground"] == "failed_after_rectification"


def test_acceptance_pass_files_again_for_four_years(engine: Engine) -> None:
    """第十二条 继续备案 (A1): a new four-year term from the acceptance."""
    case_id = _filed(engine)
    run(engine, case_id, ("acceptance_started", "2025-10-13"))
    assert run(engine, case_id, ("acceptance_decided", "2025-11-17", {"passed": True})) == "filed"
    assert due(engine, case_id, "filing_term") == date(2029, 11, 17)


@pytest.mark.parametrize(("day", "late"), [("2025-12-31", False), ("2026-01-01", True)])
def test_acceptance_by_the_end_of_the_third_year(engine: Engine, day: str, late: bool) -> None:
    """第十二条: 建设第三年年底前 — filed in 2023, the third year is 2025 (A2)."""
    case_id = _filed(engine)
    engine.tick(at(day, 12))
    timer = engine.get(case_id).snapshot.timer("comprehensive_acceptance")
    assert timer is not None
    assert str(timer.status) == ("overdue" if late else "armed")


def test_the_term_ends_after_four_years_without_acceptance(engine: Engine) -> None:
    """第十条: 命名备案期限为四年 — no acceptance held: the term ends 2027-12-12 by itself."""
    case_id = _filed(engine)
    engine.tick(at("2027-12-11", 23))
    assert engine.get(case_id).state == "filed"
    engine.tick(at("2027-12-12", 0))
    assert engine.get(case_id).state == "term_expired"


@pytest.mark.parametrize(
    ("day", "banned"), [("2027-09-19", True), ("2027-09-20", True), ("2027-09-21", False)]
)
def test_sc4_ban_three_years_inclusive(engine: Engine, day: str, banned: bool) -> None:
    """第十二条 三年内（含三年）: revoked 2024-09-20 — barred to 2027-09-20, free from 09-21."""
    case_id = _filed(engine)
    run(engine, case_id, ("revoked_for_cause", "2024-09-20", {"ground": "pseudo_science"}))
    case = engine.start("henan-scipop", MUSEUM, at=at(day, 9))
    if banned:
        with pytest.raises(GuardFailed, match="not_banned"):
            engine.fire(case.id, "application_submitted", at=at(day))
    else:
        engine.fire(case.id, "application_submitted", at=at(day))
        assert engine.get(case.id).state == "submitted"


def test_sc5_pseudo_science_revokes_at_once(engine: Engine) -> None:
    """SC5, 第十四条(三): revoked without rectification."""
    case_id = _filed(engine)
    state = run(engine, case_id, ("revoked_for_cause", "2024-06-03", {"ground": "pseudo_science"}))
    assert state == "revoked"


@pytest.mark.parametrize(("day", "late"), [("2024-12-31", False), ("2025-01-01", True)])
def test_annual_report_by_the_end_of_december(engine: Engine, day: str, late: bool) -> None:
    """第十一条: 每年12月底前 — the 2024 report on 12-31 is in time, on 2025-01-01 late."""
    case_id = _filed(engine)
    engine.fire(case_id, "annual_report_submitted", {"year": 2023}, at=at("2023-12-29"))
    engine.fire(case_id, "annual_report_submitted", {"year": 2024}, at=at(day))
    history = [
        str(change.action)
        for row in engine.history(case_id)
        for change in row.entry.timer_changes
        if change.deadline == "annual_report" and change.label == "2024年度"
    ]
    assert ("overdue" in history) is late
    assert occurrence_status(engine, case_id, "annual_report", "2024年度") == "met"
