"""henan-intlab: 河南省国际联合实验室管理办法 (豫科〔2023〕111号), spec P-INTLAB SC1–SC6."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from policyflow import Engine
from policyflow.errors import GuardFailed

from .steps_ha import at, due, occurrence_status, run

#: SC1's host: registered four years before, 25 staff with one foreign flexible hire,
#: 1,200 m², ¥12,000,000 of equipment (第十一条).
GOOD_HOST: dict[str, Any] = {
    "host_code": "91410100MA0001",
    "host_registered_on": "2019-05-10",
    "fulltime_staff": 25,
    "foreign_staff": 1,
    "director_formal_staff": True,
    "agreement_signed_by_partner_staff": True,
    "area_m2": 1200,
    "equipment_value": "12000000.00",
}


def _submitted(engine: Engine, day: str = "2023-09-04", **data: Any) -> str:
    case = engine.start("henan-intlab", GOOD_HOST | data, at=at(day, 9))
    engine.fire(case.id, "application_submitted", at=at(day))
    return case.id


def _approved(engine: Engine, approved: str = "2023-12-15", **data: Any) -> str:
    """SC1: T1→T2→T4→T5→T6, approved as 省联合实验室（筹） on `approved`."""
    case_id = _submitted(engine, **data)
    state = run(
        engine,
        case_id,
        ("recommended", "2023-09-20"),
        ("acceptance_published", "2023-10-09"),
        ("formal_review_passed", "2023-10-20"),
        ("construction_approved", approved),
    )
    assert state == "under_construction"
    return case_id


def _operating(engine: Engine, **data: Any) -> str:
    case_id = _approved(engine, **data)
    for year in (2023, 2024, 2025):
        engine.fire(case_id, "annual_report_submitted", {"year": year}, at=at(f"{year}-12-20"))
    run(
        engine,
        case_id,
        ("construction_evaluation_requested", "2026-12-16"),
        ("construction_evaluated", "2027-01-20", {"grade": "good"}),
    )
    return case_id


def test_sc1_approval_construction_and_title(engine: Engine) -> None:
    """SC1 (第十二、十三、二十六条): 3 years of construction, graded 良好: title, reward."""
    case_id = _operating(engine)
    case = engine.get(case_id)
    assert case.state == "operating"
    assert case.data["designated_on"] == date(2027, 1, 20)
    assert case.data["reward_eligible"] is True
    assert due(engine, case_id, "construction_period") == date(2026, 12, 15)


@pytest.mark.parametrize(("day", "ok"), [("2026-12-15", False), ("2026-12-16", True)])
def test_construction_period_is_three_years_as_a_rule(engine: Engine, day: str, ok: bool) -> None:
    """第十三条: 建设期一般为3年 — approved 2023-12-15, the term runs through 2026-12-15."""
    case_id = _approved(engine)
    if ok:
        assert run(engine, case_id, ("construction_evaluation_requested", day)) == (
            "construction_evaluation"
        )
    else:
        with pytest.raises(GuardFailed, match="construction_period_elapsed"):
            run(engine, case_id, ("construction_evaluation_requested", day))
        engine.fire(
            case_id,
            "construction_evaluation_requested",
            at=at(day),
            overrides={"construction_period_elapsed": "一事一议: early evaluation agreed"},
        )
        assert engine.get(case_id).state == "construction_evaluation"


@pytest.mark.parametrize(
    ("registered", "ok"), [("2020-09-03", True), ("2020-09-04", False), ("2020-09-05", False)]
)
def test_sc2_host_registered_three_full_years(engine: Engine, registered: str, ok: bool) -> None:
    """SC2, 第十一条1 满三年: on 2023-09-04 a host registered 2020-09-03 has three full years.

    Registered 2020-09-04, the three years run through 2023-09-04 itself (counted from the
    next day), so they are full only from 2023-09-05; the recommender then declines (T3).
    """
    case_id = _submitted(engine, host_registered_on=registered)
    if ok:
        assert run(engine, case_id, ("recommended", "2023-09-04")) == "accepted_public"
        return
    with pytest.raises(GuardFailed, match="host_three_years"):
        run(engine, case_id, ("recommended", "2023-09-04"))
    assert run(engine, case_id, ("not_recommended", "2023-09-04")) == "rejected"


@pytest.mark.parametrize(
    ("field", "below", "at_limit", "above", "guard"),
    [
        ("fulltime_staff", 19, 20, 21, "twenty_staff"),
        ("foreign_staff", 0, 1, 2, "one_foreigner"),
        ("equipment_value", "9999999.99", "10000000.00", "10000000.01", "equipment_10m"),
    ],
)
def test_eligibility_thresholds_include_the_number(
    engine: Engine, field: str, below: Any, at_limit: Any, above: Any, guard: str
) -> None:
    """第十一条6-7: 不少于20人, 至少1名, 不低于1000万元 — each includes the number."""
    with pytest.raises(GuardFailed, match=guard):
        run(engine, _submitted(engine, **{field: below}), ("recommended", "2023-09-20"))
    for value in (at_limit, above):
        case_id = _submitted(engine, **{field: value})
        assert run(engine, case_id, ("recommended", "2023-09-20")) == "accepted_public"


@pytest.mark.parametrize(("years", "ok"), [(4, False), (5, True), (6, True)])
def test_director_contract_five_years_or_more(engine: Engine, years: int, ok: bool) -> None:
    """第十一条6: 签订5年及以上劳动聘任合同 (a director who is not formal staff)."""
    case_id = _submitted(engine, director_formal_staff=False, director_contract_years=years)
    if ok:
        assert run(engine, case_id, ("recommended", "2023-09-20")) == "accepted_public"
    else:
        with pytest.raises(GuardFailed, match="director_employment"):
            run(engine, case_id, ("recommended", "2023-09-20"))


@pytest.mark.parametrize(("area", "soft_fails"), [(999, True), (1000, False), (1001, False)])
def test_area_is_a_soft_rule(engine: Engine, area: int, soft_fails: bool) -> None:
    """第十一条7: 原则上面积不少于1000平方米 — below it passes only with a recorded reason."""
    case_id = _submitted(engine, area_m2=area)
    if soft_fails:
        with pytest.raises(GuardFailed, match="area_1000"):
            run(engine, case_id, ("recommended", "2023-09-20"))
        engine.fire(
            case_id, "recommended", at=at("2023-09-20"), overrides={"area_1000": "shared wet lab"}
        )
    else:
        run(engine, case_id, ("recommended", "2023-09-20"))
    assert engine.get(case_id).state == "accepted_public"


def test_sc3_rectification_then_pass_or_revoke(engine: Engine) -> None:
    """SC3 (第二十四条, 第二十六条): the cycle ends 3 years after the title; 不合格 → one year."""
    passed, failed = _operating(engine), _operating(engine, host_code="91410100MA0002")
    for case_id in (passed, failed):
        assert due(engine, case_id, "evaluation_cycle") == date(2030, 1, 20)
    engine.tick(at("2030-01-20", 23))
    assert engine.get(passed).state == "operating"
    engine.tick(at("2030-01-21", 0))
    for case_id in (passed, failed):
        assert run(engine, case_id, ("periodic_evaluated", "2030-03-01", {"grade": "fail"})) == (
            "rectification"
        )
    assert due(engine, passed, "rectification_term") == date(2031, 3, 1)  # a Saturday: it stands
    assert run(engine, passed, ("rectification_evaluated", "2031-03-01", {"grade": "pass"})) == (
        "operating"
    )
    assert run(engine, failed, ("rectification_evaluated", "2031-03-01", {"grade": "fail"})) == (
        "revoked"
    )


def _revoked(engine: Engine, day: str) -> None:
    case_id = _approved(engine)
    run(engine, case_id, ("revoked_for_cause", day, {"ground": "serious_fraud"}))
    assert engine.get(case_id).state == "revoked"


@pytest.mark.parametrize(
    ("day", "banned"),
    [("2023-12-20", True), ("2027-12-31", True), ("2028-01-01", False), ("2028-01-02", False)],
)
def test_sc3_ban_five_years_from_the_revocation_year(
    engine: Engine, day: str, banned: bool
) -> None:
    """第二十三条: 自撤销年度起，五年内不得再申报 — revoked in 2023: 2023–2027 barred, 2028 free."""
    _revoked(engine, "2023-12-18")
    case = engine.start("henan-intlab", GOOD_HOST, at=at(day, 9))
    if banned:
        with pytest.raises(GuardFailed, match="not_banned"):
            engine.fire(case.id, "application_submitted", at=at(day))
    else:
        engine.fire(case.id, "application_submitted", at=at(day))
        assert engine.get(case.id).state == "recommender_review"


def test_the_ban_is_the_hosts_own(engine: Engine) -> None:
    """第二十三条 bars the revoked unit only: another host applies the same day."""
    _revoked(engine, "2023-12-18")
    other = _submitted(engine, day="2024-03-01", host_code="91410100MA0009")
    assert engine.get(other).state == "recommender_review"


def test_sc4_two_core_changes_force_reapplication(engine: Engine) -> None:
    """SC4, 第十八条: partner and direction together → withdraw and re-apply; one → approved."""
    two = _operating(engine)
    run(engine, two, ("change_reported", "2027-03-01", {"changes": ["partner", "direction"]}))
    with pytest.raises(GuardFailed, match="fewer_than_two_core_changes"):
        run(engine, two, ("change_approved", "2027-03-20"))
    assert run(engine, two, ("reapplication_required", "2027-03-20")) == "withdrawn_reapply"

    one = _operating(engine, host_code="91410100MA0002")
    run(engine, one, ("change_reported", "2027-03-01", {"changes": ["partner", "host"]}))
    with pytest.raises(GuardFailed, match="two_core_changes"):
        run(engine, one, ("reapplication_required", "2027-03-20"))
    assert run(engine, one, ("change_approved", "2027-03-20")) == "operating"


def test_director_change_during_construction_is_soft(engine: Engine) -> None:
    """第十三条: 建设期间原则上不予以变更实验室主任 — passes only with a reason."""
    case_id = _approved(engine)
    with pytest.raises(GuardFailed, match="director_kept_in_construction"):
        run(engine, case_id, ("change_reported", "2024-05-06", {"changes": ["director"]}))
    engine.fire(
        case_id,
        "change_reported",
        {"changes": ["director"]},
        at=at("2024-05-06"),
        overrides={"director_kept_in_construction": "director deceased"},
    )
    assert run(engine, case_id, ("change_refused", "2024-05-20")) == "under_construction"


@pytest.mark.parametrize(("revoke_on", "ok"), [("2025-12-31", False), ("2026-01-01", True)])
def test_sc5_two_years_without_annual_report(engine: Engine, revoke_on: str, ok: bool) -> None:
    """SC5, 第二十条, 第二十三条4: reported 2023, none for 2024 and 2025 — revocable from 2026."""
    case_id = _approved(engine)
    engine.fire(case_id, "annual_report_submitted", {"year": 2023}, at=at("2023-12-20"))
    engine.tick(at(revoke_on, 0))
    assert occurrence_status(engine, case_id, "annual_report", "2024年度") == "overdue"
    payload = {"ground": "reports_missing"}
    if ok:
        assert occurrence_status(engine, case_id, "annual_report", "2025年度") == "overdue"
        assert run(engine, case_id, ("revoked_for_cause", revoke_on, payload)) == "revoked"
    else:
        with pytest.raises(GuardFailed, match="two_years_without_report"):
            run(engine, case_id, ("revoked_for_cause", revoke_on, payload))


def test_a_late_report_still_counts(engine: Engine) -> None:
    """第二十三条4 连续2年不提交: the 2024 report filed late (2025-03) breaks the run of two."""
    case_id = _approved(engine)
    engine.fire(case_id, "annual_report_submitted", {"year": 2023}, at=at("2023-12-20"))
    engine.fire(case_id, "annual_report_submitted", {"year": 2024}, at=at("2025-03-03"))
    assert occurrence_status(engine, case_id, "annual_report", "2024年度") == "met"
    with pytest.raises(GuardFailed, match="two_years_without_report"):
        run(engine, case_id, ("revoked_for_cause", "2026-01-05", {"ground": "reports_missing"}))


@pytest.mark.parametrize(("age", "soft_fails"), [(59, False), (60, False), (61, True)])
def test_sc6_director_age_and_vacancy(engine: Engine, age: int, soft_fails: bool) -> None:
    """SC6, 第十五条: 原则不超过60岁 (60 included); 离任后3个月内 — left 2024-03-11, due 06-11."""
    case_id = _approved(engine)
    run(engine, case_id, ("director_left", "2024-03-11"))
    assert due(engine, case_id, "director_vacancy") == date(2024, 6, 11)
    payload = {"age": age, "formal_staff": True}
    if soft_fails:
        with pytest.raises(GuardFailed, match="within_age_limit"):
            run(engine, case_id, ("director_appointed", "2024-05-06", payload))
        engine.tick(at("2024-06-12", 0))
        assert _vacancy(engine, case_id) == "overdue"
    else:
        run(engine, case_id, ("director_appointed", "2024-05-06", payload))
        engine.tick(at("2024-06-12", 0))
        assert _vacancy(engine, case_id) == "met"


def test_money_is_exact(engine: Engine) -> None:
    """Money fields keep the fen: ¥10,000,000.00 exactly."""
    case_id = _submitted(engine, equipment_value="10000000.00")
    assert engine.get(case_id).data["equipment_value"] == Decimal("10000000.00")


def _vacancy(engine: Engine, case_id: str) -> str:
    timer = engine.get(case_id).snapshot.timer("director_vacancy")
    assert timer is not None
    return str(timer.status)


def test_a_change_review_does_not_restart_the_terms(engine: Engine) -> None:
    """第十三条, 第二十条: returning from a change review keeps the term and the reports owed."""
    case_id = _approved(engine)
    engine.tick(at("2024-01-02", 0))
    assert occurrence_status(engine, case_id, "annual_report", "2023年度") == "overdue"
    run(engine, case_id, ("change_reported", "2024-05-06", {"changes": ["partner"]}))
    assert run(engine, case_id, ("change_approved", "2024-05-20")) == "under_construction"
    assert due(engine, case_id, "construction_period") == date(2026, 12, 15)
    assert occurrence_status(engine, case_id, "annual_report", "2023年度") == "overdue"
