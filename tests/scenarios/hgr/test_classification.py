"""SC-01, SC-02, SC-07, SC-08: classification rules at, below and above their boundaries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

import policyflow
from policyflow import Engine
from policyflow.errors import EventNotAllowed, GuardFailed
from policyflow.runtime import apply, compile_process, start

from .conftest import at, granted_permit, only_child

T0 = datetime(2023, 9, 1, 9)


def _submit(data: dict[str, Any]) -> str:
    """Start an hgr-permit case with `data` and submit it; return the state (pure runtime)."""
    compiled = compile_process(policyflow.load("hgr-permit"))
    snapshot = start(compiled, "c", data, at=T0).snapshot
    return apply(compiled, snapshot, "materials_submitted", at=T0).snapshot.state


@pytest.mark.parametrize(("bp", "ok"), [(4999, True), (5000, False), (5001, False)])
def test_sc01_foreign_holding_fifty_percent_inclusive(bp: int, ok: bool) -> None:
    """第十二条第一项、第七十七条: 百分之五十以上 makes a foreign unit (49.99/50.00/50.01 %)."""
    data = {"kind": "collection", "applicant_unit_type": "enterprise", "max_foreign_holding_bp": bp}
    if ok:
        assert _submit(data) == "submitted"
    else:
        with pytest.raises(GuardFailed, match="applicant_is_chinese_unit"):
            _submit(data)


@pytest.mark.parametrize(
    ("extra", "ok"),
    [
        (
            {"max_foreign_holding_bp": 4000, "foreign_control_by_rights": True},
            False,
        ),  # 12(2) veto rights
        ({"max_foreign_holding_bp": 0, "foreign_control_by_arrangement": True}, False),  # 12(3) VIE
        ({"applicant_seat": "hong_kong", "is_mainland_controlled": True}, True),  # 11¶1
        ({"applicant_seat": "hong_kong", "is_mainland_controlled": False}, False),  # UK fund
        (
            {"applicant_unit_type": "natural_person", "max_foreign_holding_bp": 0},
            False,
        ),  # not a unit
    ],
)
def test_sc01_control_and_seat(extra: dict[str, Any], ok: bool) -> None:
    """第十一条、第十二条第二、三项: control by rights or arrangement; Hong Kong bodies."""
    data = {"kind": "preservation", "applicant_unit_type": "enterprise", **extra}
    if ok:
        assert _submit(data) == "submitted"
    else:
        with pytest.raises(GuardFailed):
            _submit(data)


def _prior(data: dict[str, Any], event: str, payload: dict[str, Any] | None = None) -> str:
    compiled = compile_process(policyflow.load("hgr-prior-report"))
    snapshot = start(compiled, "r", data, at=T0).snapshot
    return apply(compiled, snapshot, event, payload, at=T0).snapshot.state


@pytest.mark.parametrize("categories", [["clinical"], ["imaging", "protein", "metabolic"]])
def test_sc08_clinical_imaging_protein_metabolic_are_not_hgr_information(
    categories: list[str],
) -> None:
    """第二条第三款: such data need no prior report even to a foreign recipient."""
    data = {"data_categories": categories, "recipient_abroad": True}
    assert _prior(data, "evaluated_not_required") == "not_required"
    with pytest.raises(GuardFailed, match="report_needed"):
        _prior(data, "report_submitted", {"backup_delivered": True})


def test_sc08_mixed_dataset_with_genome_data_is_reported() -> None:
    """第二条第二款: the genetic part of a mixed dataset is HGR information."""
    data = {"data_categories": ["clinical", "genome"], "recipient_abroad": True}
    assert _prior(data, "report_submitted", {"backup_delivered": True}) == "submitted"
    with pytest.raises(GuardFailed):
        _prior(data, "evaluated_not_required")


@pytest.mark.parametrize(("bp", "needs_report"), [(4999, False), (5000, True), (6000, True)])
def test_sc08_onshore_foreign_controlled_recipient(bp: int, needs_report: bool) -> None:
    """第三十六条、第十二条: an onshore recipient 50 % or more foreign-held is foreign."""
    data = {"data_categories": ["genome"], "recipient_foreign_holding_bp": bp}
    assert _prior(
        data,
        "evaluated_not_required" if not needs_report else "report_submitted",
        None if not needs_report else {"backup_delivered": True},
    ) in ("not_required", "submitted")
    if not needs_report:
        with pytest.raises(GuardFailed):
            _prior(data, "report_submitted", {"backup_delivered": True})


@pytest.mark.parametrize(
    ("persons", "state"), [(499, "cleared"), (500, "cleared"), (501, "in_security_review")]
)
def test_sc08_security_review_strictly_more_than_500(
    engine: Engine, persons: int, state: str
) -> None:
    """第三十七条第二款第三项、第七十七条: 大于500例 excludes 500 itself."""
    case = engine.start(
        "hgr-prior-report",
        {
            "data_categories": ["genome"],
            "recipient_foreign_holding_bp": 6000,
            "wes_wgs_persons": persons,
        },
        at=at("2023-09-01"),
    )
    engine.fire(case.id, "report_submitted", {"backup_delivered": True}, at=at("2023-09-01"))
    engine.fire(case.id, "report_received", at=at("2023-09-04"))
    case = engine.fire(case.id, "evaluated_for_security", at=at("2023-09-04"))
    assert case.state == state
    if state == "cleared":
        return
    with pytest.raises(EventNotAllowed):
        engine.fire(case.id, "information_provided", at=at("2023-09-05"))
    review = only_child(engine, case, "hgr-security-review")
    engine.fire(
        review.id, "experts_drawn", {"drawn_at_random": True, "mode": "online"}, at=at("2023-09-05")
    )
    engine.fire(review.id, "assessment_delivered", at=at("2023-09-12"))
    engine.fire(review.id, "review_failed", at=at("2023-09-13"))
    assert engine.get(case.id).state == "prohibited"


def test_sc08_cooperation_exemption_still_reviews_600_wgs(engine: Engine) -> None:
    """第三十六条第二款、第三十七条 (A-29): the exemption frees the report, not the review."""
    case = engine.start(
        "hgr-prior-report",
        {
            "data_categories": ["genome"],
            "recipient_abroad": True,
            "cooperation_exemption": True,
            "wes_wgs_persons": 600,
        },
        at=at("2023-09-01"),
    )
    with pytest.raises(GuardFailed):
        engine.fire(case.id, "evaluated_not_required", at=at("2023-09-01"))
    assert (
        engine.fire(case.id, "exempt_review_started", at=at("2023-09-01")).state
        == "in_security_review"
    )


def test_sc08_change_report_before_implementation_reruns_the_review(engine: Engine) -> None:
    """第五十四条、第三十七条: a change report precedes the change and re-evaluates Art. 37."""
    case = engine.start(
        "hgr-prior-report",
        {"data_categories": ["gene"], "recipient_abroad": True, "wes_wgs_persons": 100},
        at=at("2023-09-01"),
    )
    engine.fire(case.id, "report_submitted", {"backup_delivered": True}, at=at("2023-09-01"))
    engine.fire(case.id, "report_received", at=at("2023-09-04"))
    engine.fire(case.id, "evaluated_for_security", at=at("2023-09-04"))
    with pytest.raises(GuardFailed, match="before_implementation"):
        engine.fire(
            case.id,
            "change_reported",
            {"implemented_on": "2023-09-10", "wes_wgs_persons": 700},
            at=at("2023-09-10"),
        )
    engine.fire(
        case.id,
        "change_reported",
        {"implemented_on": "2023-09-11", "wes_wgs_persons": 700},
        at=at("2023-09-10"),
    )
    assert (
        engine.fire(case.id, "evaluated_for_security", at=at("2023-09-10")).state
        == "in_security_review"
    )


@pytest.mark.parametrize(
    ("generations", "common", "ok"), [(2, False, False), (3, False, True), (3, True, False)]
)
def test_sc02_important_lineage_three_generations_not_common(
    generations: int, common: bool, ok: bool
) -> None:
    """第二十七条第一项、第七十七条: 三代或者三代以上, common diseases excluded."""
    compiled = compile_process(policyflow.load("hgr-declaration"))
    snapshot = start(
        compiled,
        "d",
        {
            "resource_kind": "important_lineage",
            "affected_generations": generations,
            "is_common_disease": common,
        },
        at=T0,
    ).snapshot
    snapshot = apply(compiled, snapshot, "declared", at=T0).snapshot
    if ok:
        assert apply(compiled, snapshot, "registered", at=T0).snapshot.state == "registered"
    else:
        with pytest.raises(GuardFailed):
            apply(compiled, snapshot, "registered", at=T0)


def test_sc07_multicentre_site_starts_on_submission(engine: Engine) -> None:
    """第三十四条第二款、第三十三条第二款: a site starts on ethics + commitment; no split."""
    permit = granted_permit(
        engine, "international_cooperation", valid_until="2025-12-31", total=1000
    )
    engine.fire(permit.id, "site_added", at=at("2023-03-01"))
    site = only_child(engine, permit, "hgr-site-activation")
    with pytest.raises(EventNotAllowed):
        engine.fire(site.id, "patient_enrolled", {"persons": 1}, at=at("2023-03-01"))
    with pytest.raises(GuardFailed):
        engine.fire(
            site.id,
            "site_submitted",
            {"has_commitment_letter": False, "recognises_lead_ethics_approval": True},
            at=at("2023-03-01"),
        )
    assert (
        engine.fire(
            site.id,
            "site_submitted",
            {"has_commitment_letter": True, "recognises_lead_ethics_approval": True},
            at=at("2023-03-01"),
        ).state
        == "site_active"
    )
    with pytest.raises(GuardFailed, match="multicentre_not_split"):
        _submit(
            {
                "kind": "international_cooperation",
                "applicant_unit_type": "university",
                "max_foreign_holding_bp": 0,
                "has_foreign_party": True,
                "has_commitments": True,
                "is_split_multicentre": True,
            }
        )
