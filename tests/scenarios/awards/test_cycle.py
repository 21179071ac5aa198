"""award-cycle: no fees (第十二条), disclosure (第十四、十五条), quota, consent (第十八条)."""

from __future__ import annotations

import pytest

from policyflow import Engine
from policyflow.errors import GuardFailed

from .steps import at, listed


def _reviewing(engine: Engine, quota: int = 10, entries: int = 40) -> str:
    listed(engine)  # award A1, reported and listed before its first call (第九条)
    case = engine.start(
        "award-cycle",
        {"award_id": "A1", "cycle_label": "2024", "award_quota": quota},
        at=at("2024-03-01"),
    )
    opened = {"basic_info_disclosed": True, "mechanisms_published": True, "fee_charged": False}
    engine.fire(case.id, "call_opened", opened, at=at("2024-03-04"))
    closed = {"entries": entries, "secrecy_commitments": entries}
    engine.fire(case.id, "call_closed", closed, at=at("2024-06-28"))
    return case.id


def test_a_call_with_a_fee_is_refused(engine: Engine) -> None:
    """第十二条第一款: 不得直接或者通过其他方式变相收取任何费用."""
    listed(engine)
    case = engine.start(
        "award-cycle",
        {"award_id": "A1", "cycle_label": "2024", "award_quota": 5},
        at=at("2024-03-01"),
    )
    opened = {"basic_info_disclosed": True, "mechanisms_published": True, "fee_charged": True}
    with pytest.raises(GuardFailed, match="no_fee"):
        engine.fire(case.id, "call_opened", opened, at=at("2024-07-15"))


def test_every_entry_carries_a_secrecy_commitment(engine: Engine) -> None:
    """第十六条: 通过不涉密承诺等方式 — 39 commitments for 40 entries is refused."""
    listed(engine)
    case = engine.start(
        "award-cycle",
        {"award_id": "A1", "cycle_label": "2024", "award_quota": 5},
        at=at("2024-03-01"),
    )
    opened = {"basic_info_disclosed": True, "mechanisms_published": True, "fee_charged": False}
    engine.fire(case.id, "call_opened", opened, at=at("2024-07-15"))
    with pytest.raises(GuardFailed, match="no_classified_entries"):
        engine.fire(
            case.id, "call_closed", {"entries": 40, "secrecy_commitments": 39}, at=at("2024-07-15")
        )


@pytest.mark.parametrize(("shortlisted", "ok"), [(9, True), (10, True), (11, False)])
def test_awardees_within_the_charter_quota(engine: Engine, shortlisted: int, ok: bool) -> None:
    """第十三条第（四）项 with the charter's number (第十条第（三）项): 10 allowed, 11 not."""
    case_id = _reviewing(engine, quota=10)
    payload = {"shortlisted": shortlisted, "independent_peer_review": True}
    if ok:
        engine.fire(case_id, "shortlist_decided", payload, at=at("2024-07-15"))
        assert engine.get(case_id).state == "consent_pending"
    else:
        with pytest.raises(GuardFailed, match="within_award_quota"):
            engine.fire(case_id, "shortlist_decided", payload, at=at("2024-07-15"))


def test_every_remaining_awardee_consents_before_the_award(engine: Engine) -> None:
    """第十八条: 授奖前应当征得拟授奖对象的同意 — one declines, the other four consent."""
    case_id = _reviewing(engine)
    engine.fire(
        case_id,
        "shortlist_decided",
        {"shortlisted": 5, "independent_peer_review": True},
        at=at("2024-07-15"),
    )
    engine.fire(case_id, "candidate_declined", at=at("2024-09-02"))
    with pytest.raises(GuardFailed, match="consent_before_award"):
        engine.fire(case_id, "award_conferred", {"consents": 3}, at=at("2024-10-08"))
    with pytest.raises(GuardFailed, match="consent_before_award"):
        engine.fire(case_id, "award_conferred", {"consents": 5}, at=at("2024-10-08"))
    engine.fire(case_id, "award_conferred", {"consents": 4}, at=at("2024-10-08"))
    assert engine.get(case_id).state == "awarded"
