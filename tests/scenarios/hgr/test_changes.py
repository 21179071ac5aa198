"""SC-05 and SC-06: the change matrix and the 10 % tolerance (第四十四至四十八条、第五十三条)."""

from __future__ import annotations

from datetime import date

import pytest

from policyflow import Engine
from policyflow.engine.case import Case
from policyflow.errors import GuardFailed

from .conftest import PERMIT_WRITTEN, at, granted_permit, only_child


def _explain(engine: Engine, case_id: str, *, day: str = "2023-03-01", **change: object) -> Case:
    """Fire a written explanation of `change` on the permit."""
    return engine.fire(case_id, "change_explained", dict(change), at=at(day))


def test_sc05_ten_percent_inclusive_then_ten_point_zero_one_needs_an_application(
    engine: Engine,
) -> None:
    """第四十七条第一项、第七十七条: 10 % by explanation; 10.01 % needs an application."""
    permit = granted_permit(
        engine, "international_cooperation", valid_until="2025-12-31", total=10000
    )
    assert (
        _explain(engine, permit.id, quantity_delta=800).data["cumulative_explained_increase"] == 800
    )
    assert (
        _explain(engine, permit.id, quantity_delta=200).data["cumulative_explained_increase"]
        == 1000
    )
    with pytest.raises(GuardFailed, match="within_ten_percent"):
        _explain(engine, permit.id, quantity_delta=1)  # 1,001 of 10,000 = 10.01 %
    assert engine.get(permit.id).data["cumulative_explained_increase"] == 1000
    engine.fire(permit.id, "change_applied", at=at("2023-03-02"))
    change = only_child(engine, permit, "hgr-permit")
    assert change.data["is_change"] is True
    engine.fire(change.id, "materials_submitted", at=at("2023-03-02"))
    engine.fire(change.id, "accepted", {"voucher_no": "V-2"}, at=at("2023-03-03"))
    engine.fire(
        change.id,
        "permit_granted",
        {
            "permit_no": "P-1",
            "valid_from": "2021-03-01",
            "valid_until": "2025-12-31",
            "approved_total_quantity": 12000,
            **PERMIT_WRITTEN,
        },
        at=at("2023-03-20"),
    )
    after = engine.get(permit.id)
    assert after.data["approved_total_quantity"] == 12000
    assert after.data["cumulative_explained_increase"] == 0
    assert (
        _explain(engine, permit.id, day="2023-03-21", quantity_delta=1200).data[
            "cumulative_explained_increase"
        ]
        == 1200
    )


@pytest.mark.parametrize(("delta", "ok"), [(999, True), (1000, True), (1001, False)])
def test_sc05_single_increase_at_below_above_ten_percent(
    engine: Engine, delta: int, ok: bool
) -> None:
    """第四十七条第一项、第七十七条: 不超过 includes 10 % itself."""
    permit = granted_permit(
        engine, "international_cooperation", valid_until="2025-12-31", total=10000
    )
    if ok:
        assert _explain(engine, permit.id, quantity_delta=delta).state == "active"
    else:
        with pytest.raises(GuardFailed):
            _explain(engine, permit.id, quantity_delta=delta)


def test_sc05_increase_with_plan_change_needs_an_application(engine: Engine) -> None:
    """第四十六条、第四十七条第一项: the tolerance needs research content and plan unchanged."""
    permit = granted_permit(
        engine, "international_cooperation", valid_until="2025-12-31", total=1000
    )
    with pytest.raises(GuardFailed, match="within_ten_percent"):
        _explain(engine, permit.id, quantity_delta=10, content_or_plan_changed=True)


@pytest.mark.parametrize(
    "change",
    [
        {"key_party_replaced": True},  # central laboratory
        {"purpose_changed": True},
        {"other_site_changed": True, "hgr_type_or_use_changed": True},  # strictest wins
    ],
)
def test_sc05_major_matters_need_an_application(engine: Engine, change: dict[str, bool]) -> None:
    """第四十六条: purpose, HGR type or use, sponsor, lead, CRO, lab need an application."""
    permit = granted_permit(
        engine, "international_cooperation", valid_until="2025-12-31", total=1000
    )
    with pytest.raises(GuardFailed, match="no_major_matter"):
        _explain(engine, permit.id, **change)


@pytest.mark.parametrize(
    "change",
    [
        {"other_site_changed": True},  # 47(2) new hospital
        {"legal_name_changed": True},  # 47(3) rename
        {"quantity_delta": -200, "content_or_plan_changed": True},  # 47(4) decrease
    ],
)
def test_sc05_explanation_routes(engine: Engine, change: dict[str, object]) -> None:
    """第四十七条第二至四项: other sites, renames, changes within scope are explained."""
    permit = granted_permit(
        engine, "international_cooperation", valid_until="2025-12-31", total=1000
    )
    case = _explain(engine, permit.id, **change)
    assert case.data["last_change_route"] == "written_explanation"
    assert case.data["cumulative_explained_increase"] == 0


@pytest.mark.parametrize("kind", ["collection", "preservation"])
def test_sc05_no_tolerance_for_collection_or_preservation_permits(
    engine: Engine, kind: str
) -> None:
    """第四十四条、第四十五条: collection and preservation permits have no explanation route."""
    permit = granted_permit(engine, kind, valid_until="2025-12-31", total=10000)
    with pytest.raises(GuardFailed, match="explanation_route_exists"):
        _explain(engine, permit.id, quantity_delta=1)


def _filed(engine: Engine) -> str:
    filing = engine.start(
        "hgr-trial-filing",
        {
            "for_marketing_authorisation": True,
            "at_clinical_institutions": True,
            "material_leaves_china": False,
            "tested_by_named_domestic_unit": True,
            "has_drug_regulator_document": True,
        },
        at=at("2023-07-03"),
    )
    engine.fire(filing.id, "filing_submitted", at=at("2023-07-03"))
    engine.fire(
        filing.id,
        "filing_completed",
        {
            "filing_no": "B-1",
            "total_quantity": 1000,
            "valid_from": "2023-07-05",
            "valid_until": "2026-07-04",
        },
        at=at("2023-07-05"),
    )
    return filing.id


def test_sc06_filing_has_no_tolerance_three_percent_is_a_filing_change(engine: Engine) -> None:
    """第五十三条第一款: any quantity change of a filing needs a filing change (no 10 %)."""
    filing_id = _filed(engine)
    with pytest.raises(GuardFailed, match="no_hgr_change"):
        engine.fire(
            filing_id,
            "change_explained",
            {"change_starts_on": "2023-09-01", "quantity_delta": 30},
            at=at("2023-08-01"),
        )
    engine.fire(filing_id, "filing_change_applied", at=at("2023-08-01"))
    child = only_child(engine, engine.get(filing_id), "hgr-filing-change")
    # 5 working days after Tue Aug 1: Aug 2, 3, 4, 7, 8.
    timer = child.snapshot.timer("correction_notice")
    assert timer is not None and timer.due == date(2023, 8, 8)
    engine.fire(child.id, "filing_change_completed", at=at("2023-08-07"))
    # the child was started with the current total; a completed change keeps it unless given
    assert engine.get(filing_id).data["total_quantity"] == 1000


def test_sc06_explanation_only_before_the_change_starts(engine: Engine) -> None:
    """第五十三条第二款: a protocol change without HGR change is explained before it starts."""
    filing_id = _filed(engine)
    with pytest.raises(GuardFailed, match="before_change_starts"):
        engine.fire(
            filing_id, "change_explained", {"change_starts_on": "2023-08-01"}, at=at("2023-08-01")
        )
    assert (
        engine.fire(
            filing_id, "change_explained", {"change_starts_on": "2023-08-02"}, at=at("2023-08-01")
        ).state
        == "filed"
    )


def test_sc06_trial_start_needs_the_filing_and_the_route(engine: Engine) -> None:
    """第三十二条、第五十一条: filing before the trial; material going abroad needs a permit."""
    from policyflow.errors import EventNotAllowed

    abroad = engine.start(
        "hgr-trial-filing",
        {
            "for_marketing_authorisation": True,
            "at_clinical_institutions": True,
            "material_leaves_china": True,
            "handled_inside_institutions": True,
            "has_drug_regulator_document": True,
        },
        at=at("2023-07-03"),
    )
    with pytest.raises(GuardFailed, match="filing_route"):
        engine.fire(abroad.id, "filing_submitted", at=at("2023-07-03"))
    with pytest.raises(EventNotAllowed):
        engine.fire(abroad.id, "trial_started", at=at("2023-07-04"))
    filing_id = _filed(engine)
    assert (
        engine.fire(filing_id, "trial_started", at=at("2023-07-06"))
        .data["trial_started_on"]
        .isoformat()
        == "2023-07-06"
    )
