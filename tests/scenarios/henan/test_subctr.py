"""henan-subctr: 国家技术转移郑州中心分中心建设方案（暂行） (豫科〔2023〕149号), SC1–SC4."""

from __future__ import annotations

from typing import Any

import pytest

from policyflow import Actor, Engine
from policyflow.errors import GuardFailed, RoleRefused

from .steps_ha import at, run

#: SC1: Nanyang's comprehensive branch (豫南), 600 m², 6 full-time staff (二(一)).
NANYANG: dict[str, Any] = {
    "branch_kind": "comprehensive",
    "region": "south",
    "city": "南阳市",
    "distinctive_model": True,
    "operator_legal_person": True,
    "premises_m2": 600,
    "service_window": True,
    "fulltime_service_staff": 6,
    "market_mechanism": True,
}


def _in_argumentation(engine: Engine, data: dict[str, Any] | None = None) -> str:
    case = engine.start("henan-subctr", data or NANYANG, at=at("2023-11-06", 9))
    run(
        engine,
        case.id,
        ("application_submitted", "2023-11-06"),
        ("argumentation_started", "2023-11-20"),
    )
    return case.id


def _named(engine: Engine, data: dict[str, Any] | None = None) -> str:
    case_id = _in_argumentation(engine, data)
    state = run(
        engine,
        case_id,
        ("argumentation_passed", "2023-12-04"),
        ("office_meeting_approved", "2023-12-15"),
        ("publicity_cleared", "2023-12-25"),
    )
    assert state == "named"
    return case_id


def test_sc1_comprehensive_branch_is_named(engine: Engine) -> None:
    """SC1, 三(一)-(三): request, argumentation, office meeting, publicity, naming."""
    case_id = _named(engine)
    assert str(engine.get(case_id).data["named_on"]) == "2023-12-25"


@pytest.mark.parametrize(("staff", "ok"), [(4, False), (5, True), (6, True)])
def test_sc2_five_full_time_staff(engine: Engine, staff: int, ok: bool) -> None:
    """SC2, 二(一)2: 不少于5名专职服务人员 (5 included); with 4 the argumentation fails."""
    case_id = _in_argumentation(engine, NANYANG | {"fulltime_service_staff": staff})
    if ok:
        assert run(engine, case_id, ("argumentation_passed", "2023-12-04")) == "proposed"
        return
    with pytest.raises(GuardFailed, match="five_staff"):
        run(engine, case_id, ("argumentation_passed", "2023-12-04"))
    assert run(engine, case_id, ("argumentation_failed", "2023-12-04")) == "rejected"


@pytest.mark.parametrize(("area", "soft_fails"), [(499, True), (500, False), (501, False)])
def test_premises_500_as_a_rule(engine: Engine, area: int, soft_fails: bool) -> None:
    """二(一)2: 面积一般不小于500平方米 — smaller only with a recorded reason."""
    case_id = _in_argumentation(engine, NANYANG | {"premises_m2": area})
    if soft_fails:
        with pytest.raises(GuardFailed, match="premises_500"):
            run(engine, case_id, ("argumentation_passed", "2023-12-04"))
        engine.fire(
            case_id,
            "argumentation_passed",
            at=at("2023-12-04"),
            overrides={"premises_500": "线上服务平台为主"},
        )
    else:
        run(engine, case_id, ("argumentation_passed", "2023-12-04"))
    assert engine.get(case_id).state == "proposed"


@pytest.mark.parametrize(
    ("data", "guard"),
    [
        ({"operator_legal_person": False}, "legal_person"),
        ({"service_window": False}, "service_window"),
        ({"market_mechanism": False}, "market_mechanism"),
        ({"distinctive_model": False}, "distinctive_model"),
    ],
)
def test_other_conditions(engine: Engine, data: dict[str, Any], guard: str) -> None:
    """二(一)1-3: a legal person, a service window, market mechanisms, a distinctive model."""
    case_id = _in_argumentation(engine, NANYANG | data)
    with pytest.raises(GuardFailed, match=guard):
        run(engine, case_id, ("argumentation_passed", "2023-12-04"))


@pytest.mark.parametrize(
    ("kind", "role", "other_role"),
    [
        ("comprehensive", "city_government", "city_st_dept"),
        ("sector", "city_st_dept", "city_government"),
    ],
)
def test_who_applies_for_which_branch(
    engine: Engine, kind: str, role: str, other_role: str
) -> None:
    """三(一): the city government asks for a comprehensive branch, its S&T department a sector."""
    data = NANYANG | {"branch_kind": kind, "region": "south" if kind == "comprehensive" else "none"}
    case = engine.start("henan-subctr", data, at=at("2023-11-06", 9))
    with pytest.raises((RoleRefused, GuardFailed)):
        engine.fire(
            case.id,
            "application_submitted",
            at=at("2023-11-06"),
            actor=Actor("city", frozenset({other_role})),
        )
    engine.fire(
        case.id,
        "application_submitted",
        at=at("2023-11-06"),
        actor=Actor("city", frozenset({role})),
    )
    assert engine.history(case.id)[-1].entry.role == role


def test_sc3_fail_rectify_fail_again_cancelled(engine: Engine) -> None:
    """SC3, 四(三): 首次考核不合格的进行整改，再次考核不合格的取消分中心资格."""
    case_id = _named(engine)
    state = run(
        engine,
        case_id,
        ("evaluation_started", "2024-12-02"),
        ("evaluation_decided", "2024-12-20", {"passed": False}),
    )
    assert state == "rectification"
    state = run(
        engine,
        case_id,
        ("evaluation_started", "2025-06-02"),
        ("evaluation_decided", "2025-06-20", {"passed": False}),
    )
    assert state == "cancelled"


def test_a_pass_between_two_fails_starts_again(engine: Engine) -> None:
    """四(三) (A1): 再次 is the evaluation after a fail; a pass in between clears it."""
    case_id = _named(engine)
    state = run(
        engine,
        case_id,
        ("evaluation_started", "2024-06-03"),
        ("evaluation_decided", "2024-06-20", {"passed": False}),
        ("evaluation_started", "2024-12-02"),
        ("evaluation_decided", "2024-12-20", {"passed": True}),
        ("evaluation_started", "2025-06-02"),
        ("evaluation_decided", "2025-06-20", {"passed": False}),
    )
    assert state == "rectification"


@pytest.mark.parametrize(("already", "soft_fails"), [(1, False), (2, True)])
def test_sc4_one_or_two_comprehensive_branches_per_region(
    engine: Engine, already: int, soft_fails: bool
) -> None:
    """SC4, 一(三): 各建设1-2个综合性分中心 — a third in 豫西 passes only with a reason."""
    west = NANYANG | {"region": "west", "city": "洛阳市"}
    for _ in range(already):
        _named(engine, west)
    _named(engine, NANYANG)  # another region does not count
    case_id = _in_argumentation(engine, west)
    run(engine, case_id, ("argumentation_passed", "2023-12-04"))
    if soft_fails:
        with pytest.raises(GuardFailed, match="one_or_two_per_region"):
            run(engine, case_id, ("office_meeting_approved", "2023-12-15"))
        engine.fire(
            case_id,
            "office_meeting_approved",
            at=at("2023-12-15"),
            overrides={"one_or_two_per_region": "省委省政府统筹布局"},
        )
    else:
        run(engine, case_id, ("office_meeting_approved", "2023-12-15"))
    assert engine.get(case_id).state == "publicity"


def test_sector_branches_have_no_regional_cap(engine: Engine) -> None:
    """一(三): the 1-2 per region is for comprehensive branches; sector branches are N."""
    sector = NANYANG | {"branch_kind": "sector", "region": "none"}
    for _ in range(3):
        _named(engine, sector)
