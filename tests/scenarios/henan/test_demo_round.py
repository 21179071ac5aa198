"""henan-demo.round: the evaluation round of 豫科〔2023〕22号, spec P-DEMO SC1 and SC2.

Zones in evaluation join a round (第四条), are scored by experts (第七条), some are chosen
for a site assessment on their record — at least 30 % of them, a ceiling (第八条) — and
each computes its final score exactly: 0.5 × expert + 0.5 × site, or the expert score
(第九条). Closing the scores sets the pass mark; grading ranks the zones by final score,
优秀 and 良好 together at most half of them (第九条: 原则上, floor), ties that would cross a
number of places left out whole.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

import pytest

from policyflow import Engine
from policyflow.errors import GuardFailed

from .steps_ha import at
from .test_demo import _launched

ROUND = "R2026"
SCORED = at("2026-09-01")
CLOSED = at("2026-10-15")
GRADED = at("2026-10-30")


def _zone(engine: Engine, code: str, launched: str = "2023-06-15") -> str:
    """A zone launched in 2023 whose self-evaluation report is uploaded in July 2026."""
    case_id = _launched(engine, launched, zone_code=code)
    engine.fire(
        case_id,
        "summary_report_uploaded",
        at=at("2026-06-10"),
        overrides={"three_year_construction": "按评价方案统一开展评价"},
    )
    return case_id


def _round(engine: Engine, zones: list[str]) -> None:
    engine.start("henan-demo.round", {"year": 2026}, at=at("2026-07-01"), case_id=ROUND)
    for zone in zones:
        engine.fire(zone, "evaluation_listed", {"round_id": ROUND}, at=at("2026-07-02"))


def _score(engine: Engine, zone: str, expert: str, site: str | None = None) -> None:
    if site is not None:
        engine.fire(
            zone,
            "site_assessment_chosen",
            {"criteria": ["institution_building", "demonstration_effect"]},
            at=at("2026-08-01"),
        )
    engine.fire(zone, "expert_scored", {"expert_score": expert}, at=at("2026-08-15"))
    if site is not None:
        engine.fire(zone, "site_scored", {"site_score": site}, at=SCORED)


def _scored_round(engine: Engine, scores: list[tuple[str, str | None]]) -> list[str]:
    zones = [_zone(engine, f"Z{n:03d}") for n in range(len(scores))]
    _round(engine, zones)
    for zone, (expert, site) in zip(zones, scores, strict=True):
        _score(engine, zone, expert, site)
    return zones


def _grades(engine: Engine, zones: list[str]) -> list[str | None]:
    return [engine.get(z).data["last_grade"] for z in zones]


def _close_and_grade(
    engine: Engine, top: int, excellent: int, pass_mark: str = "60", **more: Any
) -> None:
    engine.fire(ROUND, "scores_closed", {"pass_mark": pass_mark}, at=CLOSED)
    engine.fire(
        ROUND, "graded", {"top_places": top, "excellent_places": excellent}, at=GRADED, **more
    )


def test_sc1_zone_a_80_and_90_is_85_zone_b_not_sampled_keeps_72(engine: Engine) -> None:
    """SC1, 第九条: 10 zones, 3 assessed on site; A (80 / 90) → 85, B (72, no site) → 72."""
    scores: list[tuple[str, str | None]] = [("80", "90"), ("72", None)]
    scores += [("75", "77"), ("70", "71")] + [(str(60 + n), None) for n in range(6)]
    zones = _scored_round(engine, scores)
    a, b = (engine.get(z).data for z in zones[:2])
    assert (a["final_score"], a["scored"]) == (Decimal("85.00"), True)
    assert (b["final_score"], b["site_selected"]) == (Decimal("72.00"), False)
    assert str(a["final_score"]) == "85.00"  # an exact decimal, never a float
    _close_and_grade(engine, top=5, excellent=2)
    assert engine.get(ROUND).data["site_assessed"] == 3
    assert engine.get(zones[0]).data["last_grade"] == "excellent"  # 85: first
    assert engine.get(zones[1]).data["last_grade"] == "good"  # 72: third of ten


@pytest.mark.parametrize(("expert", "site", "final"), [("80.00", "90.01", "85.01"),
                                                       ("80.00", "90.00", "85.00"),
                                                       ("79.99", "90.00", "85.00")])  # fmt: skip
def test_the_final_score_is_rounded_half_up_once(engine: Engine, expert, site, final) -> None:
    """第九条 × 0.5: 85.005 is 85.01 (四舍五入 once, at the end); 84.995 is 85.00."""
    [zone] = _scored_round(engine, [(expert, site)])
    assert str(engine.get(zone).data["final_score"]) == final


@pytest.mark.parametrize(("sampled", "closes"), [(2, False), (3, True), (4, True)])
def test_sc1_site_share_is_at_least_30_percent_of_ten(
    engine: Engine, sampled: int, closes: bool
) -> None:
    """SC1, 第八条: 不低于30% of 10 zones is 3 — 2 refuse the close, 3 and 4 allow it."""
    scores = [("80", "85") if n < sampled else ("70", None) for n in range(10)]
    _scored_round(engine, scores)
    if closes:
        engine.fire(ROUND, "scores_closed", {"pass_mark": "60"}, at=CLOSED)
        assert engine.get(ROUND).state == "marked"
    else:
        with pytest.raises(GuardFailed, match="site_share_at_least_30_percent"):
            engine.fire(ROUND, "scores_closed", {"pass_mark": "60"}, at=CLOSED)
        assert engine.get(ROUND).state == "scoring"


@pytest.mark.parametrize(("sampled", "closes"), [(3, False), (4, True)])
def test_the_site_share_is_a_ceiling(engine: Engine, sampled: int, closes: bool) -> None:
    """第八条 of 11 zones: 30 % is 3.3, so 3 are too few and 4 are enough."""
    _scored_round(engine, [("80", "85") if n < sampled else ("70", None) for n in range(11)])
    if closes:
        engine.fire(ROUND, "scores_closed", {"pass_mark": "60"}, at=CLOSED)
    else:
        with pytest.raises(GuardFailed, match="site_share_at_least_30_percent"):
            engine.fire(ROUND, "scores_closed", {"pass_mark": "60"}, at=CLOSED)


def test_the_round_waits_for_every_score(engine: Engine) -> None:
    """第九条: a zone chosen for a site assessment has no final score until it is scored."""
    zones = [_zone(engine, f"Z{n}") for n in range(3)]
    _round(engine, zones)
    _score(engine, zones[0], "80", "90")
    _score(engine, zones[1], "70")
    engine.fire(zones[2], "site_assessment_chosen", {"criteria": ["transfer_results"]}, at=SCORED)
    engine.fire(zones[2], "expert_scored", {"expert_score": "75"}, at=SCORED)
    with pytest.raises(GuardFailed, match="every_zone_scored"):
        engine.fire(ROUND, "scores_closed", {"pass_mark": "60"}, at=CLOSED)
    engine.fire(zones[2], "site_scored", {"site_score": "65.5"}, at=SCORED)
    assert engine.get(zones[2]).data["final_score"] == Decimal("70.25")
    engine.fire(ROUND, "scores_closed", {"pass_mark": "60"}, at=CLOSED)


def test_a_site_choice_states_its_grounds(engine: Engine) -> None:
    """第八条: chosen on institution building, results and demonstration effect, not drawn."""
    [zone] = [_zone(engine, "Z1")]
    _round(engine, [zone])
    with pytest.raises(GuardFailed, match="chosen_on_its_record"):
        engine.fire(zone, "site_assessment_chosen", {"criteria": []}, at=SCORED)
    engine.fire(zone, "site_assessment_chosen", {"criteria": ["transfer_results"]}, at=SCORED)
    with pytest.raises(GuardFailed, match="after_the_experts"):  # 第五条: 专家论证, then 现场考核
        engine.fire(zone, "site_scored", {"site_score": "80"}, at=SCORED)


def test_a_zone_outside_a_scoring_round_cannot_be_scored(engine: Engine) -> None:
    zone = _zone(engine, "Z1")
    with pytest.raises(GuardFailed, match="in_a_scoring_round"):
        engine.fire(zone, "expert_scored", {"expert_score": "80"}, at=SCORED)


@pytest.mark.parametrize(("top", "soft"), [(4, False), (5, False), (6, True)])
def test_sc2_ten_zones_at_most_five_excellent_or_good(engine: Engine, top: int, soft: bool) -> None:
    """SC2, 第九条: of 10 zones ≤ 5 are 优秀/良好 (原则上: 6 only with a recorded reason)."""
    scores = [(str(90 - n), "88" if n < 3 else None) for n in range(10)]
    zones = _scored_round(engine, scores)
    engine.fire(ROUND, "scores_closed", {"pass_mark": "60"}, at=CLOSED)
    places = {"top_places": top, "excellent_places": 2}
    if soft:
        with pytest.raises(GuardFailed, match="excellent_and_good_at_most_half"):
            engine.fire(ROUND, "graded", places, at=GRADED)
        reason = {"excellent_and_good_at_most_half": "经厅务会研究，本轮示范带动作用突出者较多"}
        engine.fire(ROUND, "graded", places, at=GRADED, overrides=reason)
    else:
        engine.fire(ROUND, "graded", places, at=GRADED)
    grades = _grades(engine, zones)
    assert Counter(grades)["excellent"] + Counter(grades)["good"] == top
    assert grades[top] == "pass"  # the (top + 1)-th gets at most 合格
    if soft:
        [entry] = [e.entry for e in engine.history(ROUND) if e.entry.event == "graded"]
        assert dict(entry.overrides)["excellent_and_good_at_most_half"].startswith("经厅务会")


def test_below_the_pass_mark_is_a_fail_and_cancels(engine: Engine) -> None:
    """第九条, 第十五条: 59.99 under a pass mark of 60 fails (exact), 60.00 passes."""
    zones = _scored_round(engine, [("80", "90"), ("60.00", None), ("59.99", None), ("70", "70")])
    _close_and_grade(engine, top=2, excellent=1)
    assert _grades(engine, zones) == ["excellent", "pass", "fail", "good"]
    assert engine.get(zones[2]).state == "cancelled"


def test_forty_zones_with_ties_across_the_cap_never_exceed_it(engine: Engine) -> None:
    """40 zones, 优秀+良好 ≤ 20 (floor 50 %): a tie group across the cap is left out whole.

    Final scores 95, 94, …: positions 19–22 tie at 76.50 (two of them reach 76.50 as
    0.5 × 73 + 0.5 × 80 on site, exactly), so with 20 places the tie would cross the cap:
    18 are graded 优秀/良好, never 21 or 22. With 22 places (over half, with a reason) the
    whole group is in (the next test); positions 2–4 tie at 94.00 across an 优秀 cap of 3,
    left out of 优秀 whole.
    """
    finals = ["95", "94", "94", "94"] + [str(93 - n) for n in range(14)]  # positions 1–18
    scores: list[tuple[str, str | None]] = [(f, None) for f in finals]
    scores += [("76.50", None), ("76.50", None), ("73", "80"), ("80", "73")]  # 19–22 tie
    scores += [(str(70 - n), "70" if n < 10 else None) for n in range(18)]  # 23–40
    assert len(scores) == 40
    zones = _scored_round(engine, scores)
    tied = zones[18:22]
    assert {engine.get(z).data["final_score"] for z in tied} == {Decimal("76.50")}
    engine.fire(ROUND, "scores_closed", {"pass_mark": "50"}, at=CLOSED)
    engine.fire(ROUND, "graded", {"top_places": 20, "excellent_places": 3}, at=GRADED)
    grades = _grades(engine, zones)
    top = [g for g in grades if g in ("excellent", "good")]
    assert len(top) == 18 <= 20  # the tie at 19–22 would cross 20: left out whole
    assert [grades[z] for z in range(18, 22)] == ["pass"] * 4
    assert grades[:4] == ["excellent", "good", "good", "good"]  # 94 ×3 crosses 3: out whole
    assert Counter(grades) == {"pass": 22, "good": 17, "excellent": 1}


@pytest.mark.parametrize(("top", "graded_top"), [(17, 17), (18, 18), (19, 18), (21, 18), (22, 22)])
def test_forty_zones_cap_at_below_and_above_the_tie(engine: Engine, top: int, graded_top) -> None:
    """The cap below, at and above the tie group's edges (positions 19–22 tie at 76.50)."""
    scores: list[tuple[str, str | None]] = [(str(95 - n), None) for n in range(18)]
    scores += [("76.5", None)] * 4 + [(str(70 - n), "70" if n < 12 else None) for n in range(18)]
    zones = _scored_round(engine, scores)
    engine.fire(ROUND, "scores_closed", {"pass_mark": "50"}, at=CLOSED)
    reason = {"excellent_and_good_at_most_half": "经研究同意"} if top > 20 else None
    places = {"top_places": top, "excellent_places": 0}
    engine.fire(ROUND, "graded", places, at=GRADED, overrides=reason)
    assert Counter(_grades(engine, zones))["good"] == graded_top <= top


def test_the_round_journal_replays_and_verifies(engine: Engine) -> None:
    """The scores are journaled as decimal strings; verify replays every case clean."""
    zones = _scored_round(engine, [("80.25", "90.5"), ("72", None), ("60", None)])
    _close_and_grade(engine, top=1, excellent=0)
    site = [e.entry for e in engine.history(zones[0]) if e.entry.event == "site_scored"]
    assert dict(site[0].payload) == {"site_score": "90.50"}
    assert str(engine.get(zones[0]).data["final_score"]) == "85.38"  # 85.375 half up
    assert engine.verify() >= 4
