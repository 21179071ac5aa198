"""henan-voucher: the Zheng-Luo-Xin collaborative innovation voucher (豫科〔2023〕15号).

Four processes act together: the year's plan (henan-voucher.plan, 第十五条 due 30 December of
the year before), the enterprise's year (henan-voucher.ledger, 第十三条 caps), the voucher
(henan-voucher, the ledger's member) and one redemption claim per contract
(henan-voucher.claim, the voucher's child). Every amount is exact (Decimal, to the fen);
every boundary is tried at, below and above through the engine on real days.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from policyflow import Engine, GuardFailed, TransitionRefused
from policyflow.legaltime import china

from .engine_steps import at

CAPS = {"innovation_leader": "1000000.00", "hte": "500000.00", "tech_sme": "200000.00"}


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """A real engine on a fresh SQLite file (2026 by the provisional calendar)."""
    eng = Engine(tmp_path / "voucher.db", calendar=china(provisional=True))
    try:
        yield eng
    finally:
        eng.close()


def _plan(engine: Engine, year: int = 2024, **payload: Any) -> str:
    """The year's plan, published on 2023-12-29 (before the 30 December deadline)."""
    plan = engine.start("henan-voucher.plan", {"plan_year": year}, at=at(f"{year - 1}-11-01"))
    engine.fire(plan.id, "plan_published", payload or None, at=at(f"{year - 1}-12-29"))
    return plan.id


def _ledger(
    engine: Engine, category: str = "hte", city: str = "luoyang", year: int = 2024, ent: str = "E1"
) -> str:
    data = {"enterprise_id": ent, "year": year, "city": city, "category": category}
    return engine.start("henan-voucher.ledger", data, at=at(f"{year}-01-02")).id


def _apply_only(engine: Engine, ledger: str, face: str, day: str = "2024-01-10") -> str:
    """A voucher applied for and taken up by the zone committee (its first review)."""
    fields = {"ledger_id": ledger, "year": 2024, "face_value": face}
    voucher = engine.start(
        "henan-voucher", fields | {"prior_year_rd_expense": "120000.00"}, at=at(day)
    )
    engine.fire(voucher.id, "htz_review_started", at=at(day, 14))
    return voucher.id


def _apply(engine: Engine, ledger: str, face: str, day: str = "2024-01-10") -> str:
    """A voucher applied for and forwarded by the zone committee to the agency."""
    voucher = _apply_only(engine, ledger, face, day)
    engine.fire(voucher, "htz_forwarded", at=at(day, 16))
    return voucher


def _issued(engine: Engine, ledger: str, face: str, day: str = "2024-02-01") -> str:
    voucher = _apply(engine, ledger, face)
    engine.fire(voucher, "voucher_issued", {"batch_no": 1}, at=at(day))
    return voucher


COOPERATION = {
    "party_b_id": "ZZU",
    "party_b_city": "zhengzhou",
    "party_b_registered": True,
    "purpose": "rd",
    "directly_related": True,
    "contract_amount": "600000.00",
}
PAPERS = {"contract_submitted": True, "invoice_submitted": True, "completion_proof_submitted": True}


def _claim(engine: Engine, voucher: str, day: str = "2024-02-10", **cooperation: Any) -> str:
    engine.fire(voucher, "cooperation_registered", COOPERATION | cooperation, at=at(day))
    return engine.children(voucher)[-1].id


def _reviewed(engine: Engine, claim: str, asked: str, day: str = "2024-06-01") -> None:
    engine.fire(claim, "redemption_applied", {"requested_amount": asked} | PAPERS, at=at(day))
    engine.fire(claim, "review_started", at=at(day, 15))


def _pass(claim_amount: str, **review: Any) -> dict[str, Any]:
    return {
        "approved_amount": claim_amount,
        "related_party": False,
        "report_complete": True,
    } | review


# --- SC1: redemption of half the contract, paid; the balance drawn down --------------------


def test_sc1_hte_in_luoyang_redeems_half_a_zhengzhou_contract(engine: Engine) -> None:
    """SC1: ¥500,000 voucher; ¥600,000 R&D contract with a Zhengzhou university; B asks
    ¥300,000 (exactly 50 %) ⇒ reviewed, published, paid; the voucher keeps ¥200,000."""
    _plan(engine)
    ledger = _ledger(engine)
    voucher = _issued(engine, ledger, "500000.00")
    assert engine.get(ledger).data["issued_total"] == Decimal("500000.00")
    claim = _claim(engine, voucher)
    _reviewed(engine, claim, "300000.00")
    engine.fire(claim, "review_passed", _pass("300000.00"), at=at("2024-06-10"))
    assert engine.get(voucher).data["reserved"] == Decimal("300000.00")
    paid = engine.fire(claim, "disbursed", at=at("2024-06-25"))
    assert paid.state == "paid" and paid.data["paid_amount"] == Decimal("300000.00")
    card = engine.get(voucher)
    assert card.state == "issued"
    assert card.data["balance"] == Decimal("200000.00") and card.data["reserved"] == Decimal("0")
    assert card.data["redeemed_total"] == Decimal("300000.00")
    # the amount the signal carried is journaled as exact decimal text; every journal replays
    received = [row.entry for row in engine.history(voucher) if row.entry.event == "redeemed"]
    assert [dict(e.payload) for e in received] == [{"amount": "300000.00"}]
    assert engine.verify() > 0


def test_a_voucher_drawn_to_nothing_is_used_up(engine: Engine) -> None:
    """第十四条 不得重复使用: the last fen redeemed ends the voucher; nothing more is reserved."""
    _plan(engine)
    voucher = _issued(engine, _ledger(engine), "300000.00")
    claim = _claim(engine, voucher)
    _reviewed(engine, claim, "300000.00")
    engine.fire(claim, "review_passed", _pass("300000.00"), at=at("2024-06-10"))
    engine.fire(claim, "disbursed", at=at("2024-06-25"))
    card = engine.get(voucher)
    assert card.state == "used_up" and card.data["balance"] == Decimal("0")
    assert card.snapshot.timer("validity").status.value == "met"


@pytest.mark.parametrize(
    ("first", "second", "passes"),
    [
        ("199999.99", "100000.00", True),
        ("200000.00", "100000.00", True),
        ("200000.01", "100000.00", False),
    ],
)
def test_the_balance_is_never_redeemed_twice(
    engine: Engine, first: str, second: str, passes: bool
) -> None:
    """第十四条: two claims on a ¥300,000 voucher; the second fits what is left or is refused
    with the claim's review undone (the reservation is atomic with it)."""
    _plan(engine)
    voucher = _issued(engine, _ledger(engine), "300000.00")
    one = _claim(engine, voucher, contract_amount="500000.00")
    two = _claim(engine, voucher, "2024-02-11", contract_amount="500000.00", party_b_id="HAU")
    _reviewed(engine, one, first)
    engine.fire(one, "review_passed", _pass(first), at=at("2024-06-10"))
    _reviewed(engine, two, second)
    if passes:
        engine.fire(two, "review_passed", _pass(second), at=at("2024-06-11"))
        assert engine.get(voucher).data["reserved"] == Decimal(first) + Decimal(second)
    else:
        with pytest.raises(TransitionRefused, match="within_balance"):
            engine.fire(two, "review_passed", _pass(second), at=at("2024-06-11"))
        assert engine.get(two).state == "redemption_review"
        assert engine.get(voucher).data["reserved"] == Decimal(first)


def test_an_objection_upheld_releases_the_reserved_amount(engine: Engine) -> None:
    """第十九条 接受社会监督和意见反馈: an objection upheld; the amount is free again."""
    _plan(engine)
    voucher = _issued(engine, _ledger(engine), "500000.00")
    claim = _claim(engine, voucher)
    _reviewed(engine, claim, "300000.00")
    engine.fire(claim, "review_passed", _pass("300000.00"), at=at("2024-06-10"))
    assert (
        engine.fire(claim, "objection_upheld", at=at("2024-06-15")).state == "redemption_rejected"
    )
    assert engine.get(voucher).data["reserved"] == Decimal("0")


# --- SC2: above half the contract; strict and partial modes ---------------------------------


@pytest.mark.parametrize(
    ("asked", "passes"),
    [("299999.99", True), ("300000.00", True), ("300000.01", False), ("350000.00", False)],
)
def test_sc2_at_most_half_of_the_contract_exactly(engine: Engine, asked: str, passes: bool) -> None:
    """SC2 and 第十八条第（一）项 "不高于…50%": ¥300,000 of ¥600,000 passes, one fen more does not;
    ¥350,000 (58 %) is rejected (T10) in the strict mode."""
    _plan(engine)
    claim = _claim(engine, _issued(engine, _ledger(engine), "500000.00"))
    _reviewed(engine, claim, asked)
    if passes:
        assert engine.fire(claim, "review_passed", _pass(asked), at=at("2024-06-10")).state == (
            "redemption_publicity"
        )
        return
    with pytest.raises(GuardFailed, match="at_most_half_of_contract"):
        engine.fire(claim, "review_passed", _pass(asked), at=at("2024-06-10"))
    with pytest.raises(GuardFailed, match="as_requested"):  # strict: no cut to ¥300,000
        engine.fire(claim, "review_passed", _pass("300000.00"), at=at("2024-06-10"))
    rejected = engine.fire(
        claim, "review_failed", {"reason": "超过合同金额50%"}, at=at("2024-06-10")
    )
    assert rejected.state == "redemption_rejected"


def test_sc2_partial_mode_caps_the_redemption_at_half(engine: Engine) -> None:
    """SC2, second mode: a plan that allows it lets the agency approve ¥300,000 of ¥350,000."""
    _plan(engine, partial_approval=True)
    claim = _claim(engine, _issued(engine, _ledger(engine), "500000.00"))
    _reviewed(engine, claim, "350000.00")
    with pytest.raises(GuardFailed, match="at_most_half_of_contract"):
        engine.fire(claim, "review_passed", _pass("300000.01"), at=at("2024-06-10"))
    passed = engine.fire(claim, "review_passed", _pass("300000.00"), at=at("2024-06-10"))
    assert passed.data["approved_amount"] == Decimal("300000.00")
    assert engine.fire(claim, "disbursed", at=at("2024-06-25")).data["paid_amount"] == Decimal(
        "300000.00"
    )


def test_related_parties_and_missing_papers_are_not_redeemed(engine: Engine) -> None:
    """第十八条第（二）项, 第（四）项: a declared tie between A and B, or an incomplete report."""
    _plan(engine)
    claim = _claim(engine, _issued(engine, _ledger(engine), "500000.00"))
    _reviewed(engine, claim, "300000.00")
    with pytest.raises(GuardFailed, match="no_related_party"):
        engine.fire(
            claim, "review_passed", _pass("300000.00", related_party=True), at=at("2024-06-10")
        )
    with pytest.raises(GuardFailed, match="papers_complete"):
        engine.fire(
            claim, "review_passed", _pass("300000.00", report_complete=False), at=at("2024-06-10")
        )


# --- SC3: same city; scope -------------------------------------------------------------------


def test_sc3_a_partner_in_the_same_city_is_refused_as_a_rule(engine: Engine) -> None:
    """SC3 and 第八条 "原则上不支持同一市域": a Luoyang partner for a Luoyang firm is refused,
    unless passed with a recorded reason (A5); outside the zone is refused outright (第二条)."""
    _plan(engine)
    voucher = _issued(engine, _ledger(engine), "500000.00")
    with pytest.raises(GuardFailed, match="cross_region"):
        _claim(engine, voucher, party_b_city="luoyang")
    with pytest.raises(GuardFailed, match="party_b_in_zone"):
        _claim(engine, voucher, party_b_city="outside_zone")
    assert engine.children(voucher) == []
    engine.fire(
        voucher,
        "cooperation_registered",
        COOPERATION | {"party_b_city": "luoyang"},
        at=at("2024-02-10"),
        overrides={"cross_region": "省自创办批准的跨片区共建项目"},
    )
    assert len(engine.children(voucher)) == 1


@pytest.mark.parametrize(
    ("purpose", "allowed"),
    [
        ("rd", True),
        ("ip", True),
        ("equipment_purchase", False),
        ("statutory_testing", False),
        ("rent_or_land", False),
    ],
)
def test_scope_of_use(engine: Engine, purpose: str, allowed: bool) -> None:
    """第十一条 (four uses), 第十二条 (not testing, certification, equipment, rent or land)."""
    _plan(engine)
    voucher = _issued(engine, _ledger(engine), "500000.00")
    if allowed:
        _claim(engine, voucher, purpose=purpose)
    else:
        with pytest.raises(GuardFailed, match="supported_purpose"):
            _claim(engine, voucher, purpose=purpose)
    with pytest.raises(GuardFailed, match="not_otherwise_funded"):
        _claim(engine, voucher, other_fiscal_funding=True)


# --- SC4: the annual caps, across vouchers, atomically -------------------------------------


@pytest.mark.parametrize("category", sorted(CAPS))
@pytest.mark.parametrize(("delta", "passes"), [("-0.01", True), ("0.00", True), ("0.01", False)])
def test_sc4_the_annual_cap_of_each_category(
    engine: Engine, category: str, delta: str, passes: bool
) -> None:
    """第十三条 上限 100/50/20 万元: a second voucher taking the year to the cap exactly is
    issued; one fen above it is refused by the year, and the issue is undone."""
    _plan(engine)
    ledger = _ledger(engine, category)
    cap = Decimal(CAPS[category])
    _issued(engine, ledger, "100000.00")
    second = _apply(engine, ledger, str(cap - Decimal("100000.00") + Decimal(delta)))
    if passes:
        engine.fire(second, "voucher_issued", {"batch_no": 2}, at=at("2024-03-01"))
        assert engine.get(ledger).data["issued_total"] == cap + Decimal(delta)
        return
    with pytest.raises(TransitionRefused, match="annual_cap"):
        engine.fire(second, "voucher_issued", {"batch_no": 2}, at=at("2024-03-01"))
    assert engine.get(second).state == "tp_review"
    assert engine.get(ledger).data["issued_total"] == Decimal("100000.00")
    assert engine.get(ledger).data["vouchers_issued"] == 1
    assert engine.verify() > 0  # the refused issue left nothing behind in either case


@pytest.mark.parametrize("category", sorted(CAPS))
@pytest.mark.parametrize(("delta", "passes"), [("-0.01", True), ("0.00", True), ("0.01", False)])
def test_one_application_above_the_cap_is_refused_at_the_first_review(
    engine: Engine, category: str, delta: str, passes: bool
) -> None:
    """第十三条: a single application for more than the category's cap fails the zone
    committee's first review; at the cap exactly it goes on and is issued."""
    _plan(engine)
    ledger = _ledger(engine, category)
    face = str(Decimal(CAPS[category]) + Decimal(delta))
    voucher = engine.start(
        "henan-voucher",
        {"ledger_id": ledger, "year": 2024, "face_value": face, "prior_year_rd_expense": "1.00"},
        at=at("2024-01-10"),
    ).id
    engine.fire(voucher, "htz_review_started", at=at("2024-01-10", 14))
    if passes:
        engine.fire(voucher, "htz_forwarded", at=at("2024-01-10", 15))
        assert engine.fire(
            voucher, "voucher_issued", {"batch_no": 1}, at=at("2024-02-01")
        ).state == ("issued")
    else:
        with pytest.raises(GuardFailed, match="within_the_category_cap"):
            engine.fire(voucher, "htz_forwarded", at=at("2024-01-10", 15))
        assert engine.fire(voucher, "htz_rejected", at=at("2024-01-11")).state == "not_issued"


def test_sc4_tech_sme_second_voucher_to_250000_is_refused(engine: Engine) -> None:
    """SC4: a tech SME with ¥150,000 issued asks ¥100,000 more (¥250,000 > ¥200,000) ⇒ T5
    refused; the agency declines it instead."""
    _plan(engine)
    ledger = _ledger(engine, "tech_sme")
    _issued(engine, ledger, "150000.00")
    second = _apply(engine, ledger, "100000.00")
    with pytest.raises(TransitionRefused, match="annual_cap"):
        engine.fire(second, "voucher_issued", {"batch_no": 2}, at=at("2024-03-01"))
    assert engine.fire(second, "issue_declined", at=at("2024-03-01")).state == "not_issued"


def test_the_cap_is_per_year_and_each_year_closes(engine: Engine) -> None:
    """第十三条 每年: the 2024 year closes on 2024-12-31; 2025 starts again from nothing."""
    _plan(engine)
    ledger = _ledger(engine, "tech_sme")
    _issued(engine, ledger, "200000.00")
    engine.tick(now=at("2024-12-31", 23))
    assert engine.get(ledger).state == "open"
    engine.tick(now=at("2025-01-01", 0))
    assert engine.get(ledger).state == "closed"
    _plan(engine, 2025)
    ledger25 = _ledger(engine, "tech_sme", year=2025)
    fields = {"ledger_id": ledger25, "year": 2025, "face_value": "200000.00"}
    voucher = engine.start(
        "henan-voucher", fields | {"prior_year_rd_expense": "1.00"}, at=at("2025-01-10")
    )
    engine.fire(voucher.id, "htz_review_started", at=at("2025-01-10", 14))
    engine.fire(voucher.id, "htz_forwarded", at=at("2025-01-10", 15))
    assert (
        engine.fire(voucher.id, "voucher_issued", {"batch_no": 1}, at=at("2025-02-01")).state
        == "issued"
    )


# --- SC5: concealed related party found after payment ---------------------------------------


def test_sc5_concealed_subsidiary_found_after_payment(engine: Engine) -> None:
    """SC5 and 第二十二条第（三）项: B is A's concealed 30 %-owned subsidiary; found after
    payment ⇒ project terminated, ¥300,000 clawed back, A and the persons listed; A's next
    application fails 第九条第（四）项 (good research credit)."""
    _plan(engine)
    ledger = _ledger(engine)
    voucher = _issued(engine, ledger, "300000.00")
    claim = _claim(engine, voucher)
    _reviewed(engine, claim, "300000.00")
    engine.fire(claim, "review_passed", _pass("300000.00"), at=at("2024-06-10"))
    engine.fire(claim, "disbursed", at=at("2024-06-25"))
    assert engine.get(voucher).state == "used_up"
    finding = {
        "violation": "concealed_relation",
        "party_a_responsible": True,
        "units": ["ZZU-TECH"],  # B, the concealed subsidiary
        "persons": ["张某"],
    }
    ended = engine.fire(voucher, "violation_found", finding, at=at("2024-09-01"))
    assert ended.state == "terminated" and ended.data["clawback_amount"] == Decimal("300000.00")
    assert ended.data["listed_persons"] == ("张某",)
    clawed = engine.get(claim)
    assert clawed.state == "terminated" and clawed.data["clawback_amount"] == Decimal("300000.00")
    assert ended.data["listed_units"] == ("ZZU-TECH",)
    later = engine.start(
        "henan-voucher",
        {
            "ledger_id": ledger,
            "year": 2024,
            "face_value": "100000.00",
            "prior_year_rd_expense": "9.00",
        },
        at=at("2024-10-08"),
    )
    engine.fire(later.id, "htz_review_started", at=at("2024-10-08", 14))
    with pytest.raises(GuardFailed, match="good_credit"):
        engine.fire(later.id, "htz_forwarded", at=at("2024-10-09"))
    # B is listed too: applying as an enterprise of the zone itself, it fails the same rule
    b_year = _ledger(engine, ent="ZZU-TECH", city="zhengzhou")
    b_voucher = _apply_only(engine, b_year, "100000.00", "2024-10-10")
    with pytest.raises(GuardFailed, match="good_credit"):
        engine.fire(b_voucher, "htz_forwarded", at=at("2024-10-11"))


def test_a_violation_ends_claims_in_progress(engine: Engine) -> None:
    """第二十二条: a transfer of the voucher found while a claim is under review ends both;
    the enterprise is not listed when the finding does not make it responsible."""
    _plan(engine)
    voucher = _issued(engine, _ledger(engine), "300000.00")
    claim = _claim(engine, voucher)
    _reviewed(engine, claim, "100000.00")
    finding = {"violation": "transferred", "party_a_responsible": False}
    assert (
        engine.fire(voucher, "violation_found", finding, at=at("2024-07-01")).state == "terminated"
    )
    assert engine.get(claim).state == "terminated"
    assert engine.get(claim).data["clawback_amount"] == Decimal("0")


# --- SC6: automatic expiry; redemption within the validity -----------------------------------


def test_sc6_an_unused_voucher_lapses_by_itself_after_its_last_day(engine: Engine) -> None:
    """SC6 and 第十四条 "逾期未使用的，自动失效": valid until 2024-12-31 (the plan year's end,
    A1); still issued on its last day, lapsed at 2025-01-01 00:00 by itself."""
    _plan(engine)
    voucher = _issued(engine, _ledger(engine), "200000.00")
    assert engine.get(voucher).data["valid_until"].isoformat() == "2024-12-31"
    engine.tick(now=at("2024-12-31", 23))
    assert engine.get(voucher).state == "issued"
    engine.tick(now=at("2025-01-01", 0))
    assert engine.get(voucher).state == "expired"


def test_a_cooperation_not_claimed_lapses_with_the_voucher(engine: Engine) -> None:
    """SC6, A2: at the lapse a registered cooperation not yet applied for cannot be redeemed
    any more (the claim lapses too); one applied for in time goes on."""
    _plan(engine)
    voucher = _issued(engine, _ledger(engine), "500000.00")
    unclaimed = _claim(engine, voucher)
    claimed = _claim(engine, voucher, "2024-02-11", party_b_id="HAU")
    _reviewed(engine, claimed, "100000.00", "2024-12-31")
    engine.tick(now=at("2025-01-01", 0))
    assert engine.get(voucher).state == "expired"
    assert engine.get(unclaimed).state == "lapsed"
    assert engine.get(claimed).state == "redemption_review"


def test_a_plan_may_set_a_shorter_validity(engine: Engine) -> None:
    """A1: the plan's own validity (2024-09-30) is the voucher's."""
    _plan(engine, valid_until="2024-09-30")
    voucher = _issued(engine, _ledger(engine), "200000.00")
    engine.tick(now=at("2024-10-01", 0))
    assert engine.get(voucher).state == "expired"


@pytest.mark.parametrize(("day", "allowed"), [("2024-12-30", True), ("2024-12-31", True)])
def test_redemption_is_applied_for_within_the_validity(
    engine: Engine, day: str, allowed: bool
) -> None:
    """A2: a claim applied for on the last valid day is redeemed after the voucher lapses."""
    _plan(engine)
    voucher = _issued(engine, _ledger(engine), "500000.00")
    claim = _claim(engine, voucher)
    _reviewed(engine, claim, "300000.00", day)
    engine.tick(now=at("2025-01-02"))
    assert engine.get(voucher).state == "expired"
    engine.fire(claim, "review_passed", _pass("300000.00"), at=at("2025-01-05"))
    engine.fire(claim, "disbursed", at=at("2025-01-20"))
    assert engine.get(voucher).data["balance"] == Decimal("200000.00")


def test_a_claim_after_the_validity_is_refused(engine: Engine) -> None:
    """A2, above the boundary: the voucher lapsed on 2025-01-01; no claim may be applied for."""
    _plan(engine)
    voucher = _issued(engine, _ledger(engine), "500000.00")
    claim = _claim(engine, voucher)
    with pytest.raises(GuardFailed, match="within_validity"):
        engine.fire(
            claim, "redemption_applied", {"requested_amount": "1.00"} | PAPERS, at=at("2025-01-01")
        )


# --- the plan and the application -----------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "overdue"), [("2023-12-29", False), ("2023-12-30", False), ("2023-12-31", True)]
)
def test_the_plan_is_due_by_30_december_of_the_year_before(
    engine: Engine, day: str, overdue: bool
) -> None:
    """第十五条 每年12月30日前: the 2024 plan is due on 30 December 2023 as stated (no move to
    a working day); at the start of 31 December it is overdue, and a late plan still counts."""
    plan = engine.start("henan-voucher.plan", {"plan_year": 2024}, at=at("2023-11-01"))
    assert engine.get(plan.id).snapshot.timer("plan_due").due.isoformat() == "2023-12-30"
    engine.tick(now=at(day, 0))
    assert engine.get(plan.id).snapshot.overdue is overdue
    published = engine.fire(plan.id, "plan_published", at=at(day))
    assert published.state == "published" and published.snapshot.overdue is False


def test_the_first_years_plan_has_no_30_december_deadline(engine: Engine) -> None:
    """第二十三条: 2022-12-30 falls before the measures took effect, so 2023's plan has none."""
    plan = engine.start("henan-voucher.plan", {"plan_year": 2023}, at=at("2023-07-03"))
    assert engine.get(plan.id).snapshot.timer("plan_due") is None


def test_no_application_before_the_plan_is_published(engine: Engine) -> None:
    """第十六条 按照申领发放方案要求: without the 2024 plan the committee cannot take it up."""
    ledger = _ledger(engine)
    fields = {
        "ledger_id": ledger,
        "year": 2024,
        "face_value": "1.00",
        "prior_year_rd_expense": "1.00",
    }
    voucher = engine.start("henan-voucher", fields, at=at("2024-01-10"))
    with pytest.raises(GuardFailed, match="plan_published"):
        engine.fire(voucher.id, "htz_review_started", at=at("2024-01-10", 14))


@pytest.mark.parametrize(("expense", "passes"), [("0.00", False), ("0.01", True)])
def test_research_expense_in_the_previous_year(engine: Engine, expense: str, passes: bool) -> None:
    """第九条第（二）项 "上年度…产生研发费用支出": any expense above nothing."""
    _plan(engine)
    ledger = _ledger(engine)
    fields = {
        "ledger_id": ledger,
        "year": 2024,
        "face_value": "1.00",
        "prior_year_rd_expense": expense,
    }
    voucher = engine.start("henan-voucher", fields, at=at("2024-01-10")).id
    engine.fire(voucher, "htz_review_started", at=at("2024-01-10", 14))
    if passes:
        assert engine.fire(voucher, "htz_forwarded", at=at("2024-01-11")).state == "tp_review"
    else:
        with pytest.raises(GuardFailed, match="research_in_previous_year"):
            engine.fire(voucher, "htz_forwarded", at=at("2024-01-11"))


@pytest.mark.parametrize(
    ("day", "passes"), [("2026-06-29", True), ("2026-06-30", True), ("2026-07-01", False)]
)
def test_no_issue_after_the_measures_expire(engine: Engine, day: str, passes: bool) -> None:
    """第二十三条: in force 2023-07-01 for three years, so the last day is 2026-06-30."""
    _plan(engine, 2026)
    ledger = _ledger(engine, year=2026)
    fields = {
        "ledger_id": ledger,
        "year": 2026,
        "face_value": "1.00",
        "prior_year_rd_expense": "1.00",
    }
    voucher = engine.start("henan-voucher", fields, at=at("2026-01-10")).id
    engine.fire(voucher, "htz_review_started", at=at("2026-01-10", 14))
    engine.fire(voucher, "htz_forwarded", at=at("2026-01-10", 15))
    if passes:
        assert engine.fire(voucher, "voucher_issued", {"batch_no": 1}, at=at(day)).state == "issued"
    else:
        with pytest.raises(GuardFailed, match="measures_in_force"):
            engine.fire(voucher, "voucher_issued", {"batch_no": 1}, at=at(day))


def test_a_voucher_of_another_enterprise_year_is_not_counted(engine: Engine) -> None:
    """第十三条: a voucher of another year than its ledger's is not taken up (none uncapped)."""
    _plan(engine)
    ledger = _ledger(engine)
    fields = {
        "ledger_id": ledger,
        "year": 2025,
        "face_value": "1.00",
        "prior_year_rd_expense": "1.00",
    }
    voucher = engine.start("henan-voucher", fields, at=at("2024-01-10")).id
    with pytest.raises(GuardFailed, match="in_the_enterprises_year"):
        engine.fire(voucher, "htz_review_started", at=at("2024-01-10", 14))


@pytest.mark.parametrize(("day", "passes"), [("2023-06-30", False), ("2023-07-01", True)])
def test_no_application_before_the_measures_take_effect(
    engine: Engine, day: str, passes: bool
) -> None:
    """第二十三条 自2023年7月1日起施行: the first day counts, the day before does not."""
    plan = engine.start("henan-voucher.plan", {"plan_year": 2023}, at=at("2023-06-01"))
    engine.fire(plan.id, "plan_published", at=at("2023-06-20"))
    ledger = _ledger(engine, year=2023)
    fields = {
        "ledger_id": ledger,
        "year": 2023,
        "face_value": "1.00",
        "prior_year_rd_expense": "1.00",
    }
    voucher = engine.start("henan-voucher", fields, at=at(day, 9)).id
    if passes:
        assert engine.fire(voucher, "htz_review_started", at=at(day)).state == "htz_review"
    else:
        with pytest.raises(GuardFailed, match="measures_in_force"):
            engine.fire(voucher, "htz_review_started", at=at(day))


@pytest.mark.parametrize(("day", "passes"), [("2024-12-31", True), ("2025-01-01", False)])
def test_an_issue_counts_only_in_its_own_year(engine: Engine, day: str, passes: bool) -> None:
    """第十三条 每年: the 2024 year takes issues to 31 December; on 1 January it has closed,
    though the plan keeps the vouchers valid to 31 March 2025."""
    _plan(engine, valid_until="2025-03-31")
    ledger = _ledger(engine)
    voucher = _apply(engine, ledger, "100000.00")
    if passes:
        assert engine.fire(voucher, "voucher_issued", {"batch_no": 9}, at=at(day)).state == "issued"
        assert engine.get(ledger).data["issued_total"] == Decimal("100000.00")
    else:
        # the year closed at 2025-01-01 00:00 (no tick ran): the guard reads it closed
        with pytest.raises(GuardFailed, match=r"counted_in_a_year.*state: closed"):
            engine.fire(voucher, "voucher_issued", {"batch_no": 9}, at=at(day))
        assert engine.get(voucher).state == "tp_review"
        engine.tick(now=at(day))
        assert engine.get(ledger).state == "closed"
        assert engine.get(ledger).data["issued_total"] == Decimal("0")
