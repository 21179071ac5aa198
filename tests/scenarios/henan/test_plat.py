"""henan-plat: 河南省科技中试及联合转化平台绩效考核奖补实施方案 (豫财科〔2023〕2号).

Spec P-PLAT SC1–SC4, each a test below, with the caps at, below and above.

Every platform runs through the real engine on a real SQLite file: targets approved on
2024-03-11, listed in the 2024 batch (henan-plat.round) on 2024-04-01, self-report in May,
evaluated in July; the batch selects the showcase platforms on 2024-08-30.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from policyflow import Engine
from policyflow.errors import GuardFailed

from .steps_ha import at, due, run

SELECTED_ON = "2024-08-30"


def open_batch(engine: Engine, batch_id: str = "B2024") -> str:
    """The managing department opens the 2024 batch (第七条)."""
    engine.start("henan-plat.round", {"year": 2024}, at=at("2024-03-01", 9), case_id=batch_id)
    engine.fire(batch_id, "opened", at=at("2024-03-01"))
    return batch_id


def listed_platform(engine: Engine, batch_id: str, kind: str, code: str) -> str:
    """A platform of type `kind` whose cycle began 2021-03-01, targets approved, listed."""
    data = {"platform_code": code, "platform_type": kind, "cycle_start": "2021-03-01"}
    case = engine.start("henan-plat", data, at=at("2024-03-01", 9))
    engine.fire(case.id, "targets_approved", at=at("2024-03-11"))
    engine.fire(case.id, "listed", {"round_id": batch_id}, at=at("2024-04-01"))
    return case.id


def evaluated_platform(
    engine: Engine, batch_id: str, kind: str, score: int, code: str, *, poor: bool = False
) -> str:
    """A platform evaluated with `score` (第七、八条); `poor` for a result 较差."""
    case_id = listed_platform(engine, batch_id, kind, code)
    state = run(
        engine,
        case_id,
        ("self_report_filed", "2024-05-15"),
        ("evaluated", "2024-07-15", {"score": score, "poor": poor}),
    )
    assert state == "evaluated"
    return case_id


def select(engine: Engine, batch_id: str) -> None:
    """The batch selects the showcase platforms of each type (第九条)."""
    engine.fire(batch_id, "selection_made", at=at(SELECTED_ON))


def showcased(engine: Engine, case_ids: list[str]) -> list[bool]:
    """Whether each platform was selected, in the order given."""
    return [engine.get(case_id).data["showcase"] for case_id in case_ids]


def test_sc1_twenty_five_institutes_at_most_seven(engine: Engine) -> None:
    """SC1 (第九条): 25 产业研究院 ⇒ floor(30 % × 25) = 7; distinct scores: the 8th is out."""
    batch = open_batch(engine)
    institutes = [
        evaluated_platform(engine, batch, "industry_institute", 100 - i, f"I{i:02d}")
        for i in range(25)
    ]
    select(engine, batch)
    assert engine.get(batch).data["institute_total"] == 25
    assert showcased(engine, institutes) == [True] * 7 + [False] * 18
    assert [engine.get(c).state for c in institutes[6:8]] == ["showcase", "active"]


def test_sc2_twelve_consortia_at_most_three_each_type_on_its_own(engine: Engine) -> None:
    """SC2 (第九条 每类): 12 创新联合体 ⇒ floor(3.6) = 3, ranked among themselves; in the same
    batch 4 中试基地 with lower scores get floor(1.2) = 1 place of their own."""
    batch = open_batch(engine)
    consortia = [
        evaluated_platform(engine, batch, "innovation_consortium", 100 - i, f"C{i:02d}")
        for i in range(12)
    ]
    bases = [evaluated_platform(engine, batch, "pilot_base", 50 - i, f"P{i:02d}") for i in range(4)]
    select(engine, batch)
    assert showcased(engine, consortia) == [True] * 3 + [False] * 9
    assert showcased(engine, bases) == [True, False, False, False]
    assert engine.get(bases[0]).data["rank"] == 1


def _forty_institutes(engine: Engine, top: list[int]) -> list[str]:
    """Forty 产业研究院 (cap min(12, 10) = 10): `top` scores, then the rest at 50."""
    batch = open_batch(engine)
    scores = top + [50] * (40 - len(top))
    ids = [
        evaluated_platform(engine, batch, "industry_institute", s, f"I{i:02d}")
        for i, s in enumerate(scores)
    ]
    select(engine, batch)
    return ids


def test_forty_a_tie_across_ten_is_left_out_whole(engine: Engine) -> None:
    """第九条 不超过10个 with a tie: ranks 1–8, then three at 90 (ranks 9, 9, 9, through 11):
    the tie would cross 10 and is left out whole — 8 showcase platforms, not 11."""
    ids = _forty_institutes(engine, [100 - i for i in range(8)] + [90, 90, 90])
    assert sum(showcased(engine, ids)) == 8
    assert showcased(engine, ids[:11]) == [True] * 8 + [False] * 3


def test_forty_ten_distinct_at_the_cap_eleventh_out(engine: Engine) -> None:
    """At the cap: ranks 1–10 in, the 11th (above) out."""
    ids = _forty_institutes(engine, [100 - i for i in range(11)])
    assert showcased(engine, ids[:11]) == [True] * 10 + [False]


def test_forty_a_tie_ending_at_ten_is_kept(engine: Engine) -> None:
    """Below the cap: ranks 1–7, then three at 90 take places 8–10 (through 10): all in."""
    ids = _forty_institutes(engine, [100 - i for i in range(7)] + [90, 90, 90, 80])
    assert showcased(engine, ids[:11]) == [True] * 10 + [False]


def test_sc3_poor_result_then_still_failing_is_revoked(engine: Engine) -> None:
    """SC3 (第十二条): 较差 ⇒ one year's rectification from the selection (2024-08-30 …
    2025-08-30); re-evaluated still failing ⇒ 撤销资格."""
    batch = open_batch(engine)
    poor = evaluated_platform(engine, batch, "pilot_base", 95, "P00", poor=True)
    other = evaluated_platform(engine, batch, "pilot_base", 60, "P01")
    select(engine, batch)
    # a poor result is not ranked, however high its score
    assert (engine.get(poor).state, engine.get(poor).data["showcase"]) == ("rectification", False)
    assert engine.get(other).state == "active"
    assert due(engine, poor, "rectification_term") == date(2025, 8, 30)
    engine.tick(now=at("2025-08-30", 23))
    assert engine.get(poor).state == "rectification"
    engine.tick(now=at("2025-08-31", 0))
    assert engine.get(poor).state == "rectification_review"
    state = run(engine, poor, ("rectification_evaluated", "2025-10-10", {"qualified": False}))
    assert state == "revoked"


def test_rectified_platform_operates_again(engine: Engine) -> None:
    """第十二条: a platform qualified after its rectification keeps its status."""
    batch = open_batch(engine)
    poor = evaluated_platform(engine, batch, "pilot_base", 40, "P00", poor=True)
    select(engine, batch)
    engine.tick(now=at("2025-08-31", 0))
    state = run(engine, poor, ("rectification_evaluated", "2025-10-10", {"qualified": True}))
    assert state == "active"
    assert engine.get(poor).data["cycle_start"] == date(2025, 10, 10)


def test_sc4_national_upgrade_leaves_the_scheme_and_the_count(engine: Engine) -> None:
    """SC4 (第十七条): a consortium approved as national mid-cycle leaves the provincial
    evaluation and rewards, and the type's count: of four listed, three remain, so
    floor(30 % × 3) = 0 places, where counting it would have given floor(1.2) = 1."""
    batch = open_batch(engine)
    national = evaluated_platform(engine, batch, "innovation_consortium", 100, "C00")
    rest = [
        evaluated_platform(engine, batch, "innovation_consortium", 90 - i, f"C{i:02d}")
        for i in range(1, 4)
    ]
    assert run(engine, national, ("national_approved", "2024-08-01")) == "moved_to_national"
    select(engine, batch)
    assert engine.get(batch).data["consortium_total"] == 3
    assert showcased(engine, rest) == [False, False, False]
    assert engine.get(national).data["national_since"] == date(2024, 8, 1)


def test_fraud_cancels_the_reward_and_the_ranking(engine: Engine) -> None:
    """第十三条: 弄虚作假的，取消奖补资格 — the best-scored platform is not ranked; the next is."""
    batch = open_batch(engine)
    cheat = evaluated_platform(engine, batch, "pilot_base", 99, "P00")
    honest = [
        evaluated_platform(engine, batch, "pilot_base", 80 - i, f"P{i:02d}") for i in range(1, 4)
    ]
    run(engine, cheat, ("fraud_found", "2024-08-10"))
    select(engine, batch)
    assert engine.get(cheat).data["reward_barred"] is True
    assert showcased(engine, [cheat, *honest]) == [False, True, False, False]


def test_fraud_before_the_reward_takes_the_showcase_away(engine: Engine) -> None:
    """第十三条: fraud found after the selection, before the reward: no reward."""
    case_id = _showcase(engine)
    assert run(engine, case_id, ("fraud_found", "2024-09-10")) == "active"
    assert engine.get(case_id).data["reward_amount"] is None


def _showcase(engine: Engine) -> str:
    batch = open_batch(engine)
    case_id = evaluated_platform(engine, batch, "pilot_base", 99, "P00")
    for i in range(1, 4):
        evaluated_platform(engine, batch, "pilot_base", 70, f"P{i:02d}")
    select(engine, batch)  # 4 pilot bases: one place
    assert engine.get(case_id).state == "showcase"
    return case_id


@pytest.mark.parametrize(
    ("amount", "ok"),
    [("1999999.99", True), ("2000000.00", True), ("2000000.01", False), ("0.00", False)],
)
def test_reward_is_at_most_two_million(engine: Engine, amount: str, ok: bool) -> None:
    """第十二条: 每个不高于200万元 — ¥2,000,000.00 included, one fen more refused."""
    case_id = _showcase(engine)
    if ok:
        assert run(engine, case_id, ("reward_allocated", "2024-10-15", {"amount": amount})) == (
            "active"
        )
        assert engine.get(case_id).data["reward_amount"] == Decimal(amount)
    else:
        with pytest.raises(GuardFailed, match="at_most_two_million"):
            engine.fire(case_id, "reward_allocated", {"amount": amount}, at=at("2024-10-15"))
        assert engine.get(case_id).state == "showcase"


def test_listing_needs_approved_targets(engine: Engine) -> None:
    """第五、十一条: a platform is evaluated against the targets the finance department approved."""
    case = engine.start(
        "henan-plat",
        {"platform_code": "P1", "platform_type": "pilot_base", "cycle_start": "2021-03-01"},
        at=at("2024-03-01", 9),
    )
    engine.tick(now=at("2024-03-02", 0))
    assert engine.get(case.id).state == "cycle_due"
    with pytest.raises(GuardFailed, match="targets_in_place"):
        engine.fire(case.id, "listed", {"round_id": "B2024"}, at=at("2024-03-05"))


def test_approved_targets_change_only_with_a_reason(engine: Engine) -> None:
    """第十一条: 绩效目标一经批复，原则上不得调整；确需调整的，应按原程序报批."""
    batch = open_batch(engine)
    case_id = listed_platform(engine, batch, "pilot_base", "P00")
    with pytest.raises(GuardFailed, match="targets_fixed"):
        engine.fire(case_id, "targets_changed", {"reason": "项目调整"}, at=at("2024-04-10"))
    engine.fire(
        case_id,
        "targets_changed",
        {"reason": "国家政策调整"},
        at=at("2024-04-10"),
        overrides={"targets_fixed": "国家政策调整，按原程序报批"},
    )
    assert engine.get(case_id).data["targets_version"] == 2


@pytest.mark.parametrize(
    ("day", "state_then"),
    [
        ("2024-02-29", "targets_approved"),
        ("2024-03-01", "targets_approved"),
        ("2024-03-02", "cycle_due"),
    ],
)
def test_three_year_cycle_as_a_rule(engine: Engine, day: str, state_then: str) -> None:
    """第七条 原则上三年为一个周期: begun 2021-03-01, the cycle runs through 2024-03-01;
    listing earlier needs a recorded reason."""
    case = engine.start(
        "henan-plat",
        {"platform_code": "P1", "platform_type": "pilot_base", "cycle_start": "2021-03-01"},
        at=at("2024-02-20", 9),
    )
    assert due(engine, case.id, "evaluation_cycle") == date(2024, 3, 1)
    engine.fire(case.id, "targets_approved", at=at("2024-02-21"))
    engine.tick(now=at(day, 0))
    assert engine.get(case.id).state == state_then
    if day == "2024-02-29":
        with pytest.raises(GuardFailed, match="three_year_cycle"):
            engine.fire(case.id, "listed", {"round_id": "B2024"}, at=at(day))
        engine.fire(
            case.id,
            "listed",
            {"round_id": "B2024"},
            at=at(day),
            overrides={"three_year_cycle": "同类平台同批考核"},
        )
    else:
        engine.fire(case.id, "listed", {"round_id": "B2024"}, at=at(day))
    assert engine.get(case.id).state == "under_evaluation"


def test_selection_waits_for_every_listed_platform(engine: Engine) -> None:
    """第九条 根据考核情况: no selection while a listed platform is still being assessed."""
    batch = open_batch(engine)
    evaluated_platform(engine, batch, "pilot_base", 90, "P00")
    listed_platform(engine, batch, "pilot_base", "P01")
    with pytest.raises(GuardFailed, match="every_platform_evaluated"):
        select(engine, batch)
    assert engine.get(batch).state == "open"
