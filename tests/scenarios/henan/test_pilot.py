"""henan-pilot: 河南省中试基地绩效考核办法（试行） (豫科〔2023〕53号), spec P-PILOT SC1–SC6.

Every base runs through the real engine on a real SQLite file: listed in a round
(henan-pilot.round) on 2024-03-04 with the materials due on 2024-04-30, scored by the panel
in July, graded by the round on 2024-08-30, final on 2024-09-10.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from policyflow import Engine
from policyflow.errors import GuardFailed, InvalidPayload

from .steps_ha import at, due, run

#: 附2's items and the whole points each may earn, in the order of the scorecard.
SCORECARD: tuple[tuple[str, int], ...] = (
    ("site_area", 5),
    ("equipment_value", 5),
    ("pilot_staff", 5),
    ("service_rules", 5),
    ("qualifications", 5),
    ("clients_served", 15),
    ("service_revenue", 20),
    ("pilot_projects", 20),
    ("social_benefit", 20),
    ("mechanism_innovation", 5),
    ("investment_or_spinoff", 5),
)

LISTED_ON = "2024-03-04"
MATERIALS_DUE = "2024-04-30"
PROPOSED_ON = "2024-08-30"
FINAL_ON = "2024-09-10"


def items_for(total: int) -> dict[str, int]:
    """A scorecard filled up item by item to `total` whole points (at most 110)."""
    left, items = total, {}
    for item, points in SCORECARD:
        items[item] = min(points, left)
        left -= items[item]
    assert left == 0, f"{total} is more than the 110 points of 附2"
    return items


def open_round(engine: Engine, round_id: str = "R2024") -> str:
    """The departments issue the 2024 list (第八条) with the materials due on 2024-04-30."""
    engine.start("henan-pilot.round", {"year": 2024}, at=at("2024-02-26", 9), case_id=round_id)
    engine.fire(round_id, "list_issued", {"self_eval_due": MATERIALS_DUE}, at=at("2024-02-26"))
    return round_id


def listed_base(engine: Engine, round_id: str, code: str = "ZS01", **data: Any) -> str:
    """A base named on 2021-03-01 (its three-year cycle over on 2024-03-01), listed."""
    base = {"base_code": code, "host_code": "H" + code, "cycle_start": "2021-03-01"} | data
    case = engine.start("henan-pilot", base, at=at("2024-03-01", 9))
    engine.fire(
        case.id,
        "listed",
        {"round_id": round_id, "self_eval_due": MATERIALS_DUE},
        at=at(LISTED_ON),
    )
    return case.id


def to_synthesis(engine: Engine, case_id: str) -> None:
    """T2–T6: self-evaluation, stamped by the competent department, reviewed and visited."""
    assert (
        run(
            engine,
            case_id,
            ("self_evaluation_started", "2024-03-05"),
            ("self_evaluation_submitted", "2024-04-10"),
            ("recommended", "2024-04-20"),
            ("initial_review_done", "2024-05-20"),
            ("site_visit_done", "2024-06-20"),
        )
        == "synthesis"
    )


def scored_base(engine: Engine, round_id: str, score: int, grade: str, code: str) -> str:
    """A base scored `score` of 110 with the panel's opinion `grade` (第十三条(三))."""
    case_id = listed_base(engine, round_id, code)
    to_synthesis(engine, case_id)
    payload = items_for(score) | {"panel_grade": grade}
    assert run(engine, case_id, ("scored", "2024-07-10", payload)) == "scored"
    return case_id


def grade_round(engine: Engine, round_id: str) -> None:
    """The round proposes the grades (第十四、十五条) and makes them final."""
    engine.fire(round_id, "grades_proposed", at=at(PROPOSED_ON))
    engine.fire(round_id, "results_final", at=at(FINAL_ON))


def final_grades(engine: Engine, case_ids: list[str]) -> list[str]:
    """The final grade of each base, in the order given."""
    return [engine.get(case_id).data["final_grade"] for case_id in case_ids]


def test_sc6_scorecard_adds_whole_points_by_block(engine: Engine) -> None:
    """SC6 (附2): base conditions 20 + services 60 + bonus 5 = 85 of 110."""
    round_id = open_round(engine)
    case_id = listed_base(engine, round_id)
    to_synthesis(engine, case_id)
    payload = {
        "site_area": 4,
        "equipment_value": 4,
        "pilot_staff": 4,
        "service_rules": 4,
        "qualifications": 4,
        "clients_served": 12,
        "service_revenue": 16,
        "pilot_projects": 16,
        "social_benefit": 16,
        "mechanism_innovation": 5,
        "investment_or_spinoff": 0,
        "panel_grade": "good",
    }
    engine.fire(case_id, "scored", payload, at=at("2024-07-10"))
    data = engine.get(case_id).data
    assert (data["base_conditions"], data["service_outcomes"], data["bonus"]) == (20, 60, 5)
    assert data["score"] == 85


@pytest.mark.parametrize(("item", "points"), [("service_revenue", 21), ("qualifications", -1)])
def test_an_item_beyond_its_points_is_refused(engine: Engine, item: str, points: int) -> None:
    """附2: 中试服务收入 earns at most 20 points, every item at least 0."""
    round_id = open_round(engine)
    case_id = listed_base(engine, round_id)
    to_synthesis(engine, case_id)
    payload = items_for(60) | {item: points, "panel_grade": "pass"}
    with pytest.raises(InvalidPayload, match=item):
        engine.fire(case_id, "scored", payload, at=at("2024-07-10"))
    assert engine.get(case_id).state == "synthesis"


def test_sc1_twenty_five_bases_at_most_seven_good(engine: Engine) -> None:
    """SC1 (第十五条): 25 bases, floor(30 % × 25) = 7 ⇒ the 8th best is at most 合格.

    Ten bases have the panel's 优秀/良好 with distinct scores 100 … 91; the other fifteen 合格.
    """
    round_id = open_round(engine)
    good = [
        scored_base(engine, round_id, 100 - i, "excellent" if i < 2 else "good", f"G{i:02d}")
        for i in range(10)
    ]
    rest = [scored_base(engine, round_id, 70, "pass", f"P{i:02d}") for i in range(15)]
    grade_round(engine, round_id)
    assert engine.get(round_id).data["evaluated"] == 25
    assert engine.get(round_id).data["cap"] == 7
    assert final_grades(engine, good) == ["excellent"] * 2 + ["good"] * 5 + ["pass"] * 3
    assert engine.get(good[7]).data["rank"] == 8
    assert set(final_grades(engine, rest)) == {"pass"}


def _forty(engine: Engine, scores: list[int]) -> tuple[str, list[str]]:
    """SC2's round: forty bases, the first len(scores) with the panel's 良好 and those scores."""
    round_id = open_round(engine)
    good = [scored_base(engine, round_id, s, "good", f"G{i:02d}") for i, s in enumerate(scores)]
    for i in range(40 - len(scores)):
        scored_base(engine, round_id, 60, "pass", f"P{i:02d}")
    grade_round(engine, round_id)
    assert engine.get(round_id).data["cap"] == 10  # min(floor(12), 10)
    return round_id, good


def test_sc2_forty_bases_at_most_ten_good(engine: Engine) -> None:
    """SC2 (第十五条): 40 bases ⇒ min(12, 10) = 10; twelve candidates, distinct scores:
    ranks 1–10 good (at the cap), 11 and 12 合格 (above it)."""
    _, good = _forty(engine, [100 - i for i in range(12)])
    assert final_grades(engine, good) == ["good"] * 10 + ["pass"] * 2


def test_forty_bases_a_tie_across_the_cap_is_left_out_whole(engine: Engine) -> None:
    """The tie rule: scores 100 … 93 (ranks 1–8), then three at 90 (ranks 9, 9, 9, through 11).

    The tie group would take places 9–11, past the cap of 10: it is left out whole and
    graded 合格, so only 8 bases are 良好 — never more than the cap (不超过).
    """
    scores = [100 - i for i in range(8)] + [90, 90, 90, 80]
    _, good = _forty(engine, scores)
    grades = final_grades(engine, good)
    assert grades == ["good"] * 8 + ["pass"] * 4
    assert [engine.get(c).data["rank"] for c in good[8:11]] == [9, 9, 9]


def test_forty_bases_a_tie_ending_at_the_cap_is_kept(engine: Engine) -> None:
    """Below the cap: three at 90 after ranks 1–7 take places 8–10 (through 10): all 良好."""
    scores = [100 - i for i in range(7)] + [90, 90, 90, 80, 80]
    _, good = _forty(engine, scores)
    assert final_grades(engine, good) == ["good"] * 10 + ["pass"] * 2


@pytest.mark.parametrize(("bases", "cap"), [(3, 0), (4, 1), (33, 9), (34, 10), (37, 10)])
def test_thirty_percent_is_floored_and_ten_is_the_most(
    engine: Engine, bases: int, cap: int
) -> None:
    """第十五条: 不超过总量的30% ⇒ floor(0.3 × N): 33 ⇒ 9 (9.9), 34 ⇒ 10 (10.2); 37 ⇒ 10 (11.1)."""
    round_id = open_round(engine)
    good = [scored_base(engine, round_id, 100 - i, "good", f"G{i:02d}") for i in range(bases)]
    grade_round(engine, round_id)
    assert engine.get(round_id).data["cap"] == cap
    assert final_grades(engine, good).count("good") == cap


def test_grades_wait_until_every_listed_base_is_assessed(engine: Engine) -> None:
    """第十四条: grades follow the panel's opinions on every base listed; one still in review
    holds the round, and nothing changes. One that never sent its materials does not hold
    it: on 2024-05-01 it became 不合格 by 第十九条, which the round reads although no tick
    ran in between."""
    round_id = open_round(engine)
    scored_base(engine, round_id, 90, "good", "G00")
    waiting = listed_base(engine, round_id, "W00")
    to_synthesis(engine, waiting)  # visited, not yet scored: still in review
    silent = listed_base(engine, round_id, "S00")
    with pytest.raises(GuardFailed, match="every_base_assessed"):
        engine.fire(round_id, "grades_proposed", at=at(PROPOSED_ON))
    assert engine.get(round_id).state == "open"
    assert engine.get(silent).state == "listed"  # the refused act wrote nothing, not even this
    run(engine, waiting, ("scored", "2024-08-20", items_for(50) | {"panel_grade": "fail"}))
    engine.fire(round_id, "grades_proposed", at=at(PROPOSED_ON))
    assert engine.get(waiting).data["proposed_grade"] == "fail"
    absent = engine.get(silent)  # 不合格 by rule, and graded with the rest
    assert (absent.state, absent.data["forced_fail_reason"]) == ("publicity", "absent")


@pytest.mark.parametrize(
    ("day", "state"), [("2024-04-30", "initial_review"), ("2024-05-01", "forced_fail")]
)
def test_materials_are_due_on_the_day_the_list_sets(engine: Engine, day: str, state: str) -> None:
    """第十二条: stamped materials reach the department by 2024-04-30 (the list's day,
    included); on 2024-05-01 the base has not taken part and is 不合格 (第十九条)."""
    round_id = open_round(engine)
    case_id = listed_base(engine, round_id)
    run(
        engine,
        case_id,
        ("self_evaluation_started", "2024-03-05"),
        ("self_evaluation_submitted", "2024-04-25"),
    )
    assert due(engine, case_id, "materials_due") == date(2024, 4, 30)
    if state == "initial_review":
        assert run(engine, case_id, ("recommended", day)) == state
    else:
        engine.tick(now=at(day, 0))
        case = engine.get(case_id)
        assert case.state == state
        assert case.data["forced_fail_reason"] == "absent"


def _failed_absent(engine: Engine) -> tuple[str, str]:
    """SC3's base: never submits; the round grades it 不合格 with one scored base beside it."""
    round_id = open_round(engine)
    absent = listed_base(engine, round_id, "A00")
    scored_base(engine, round_id, 80, "pass", "P00")
    engine.tick(now=at("2024-05-01", 0))
    assert engine.get(absent).state == "forced_fail"
    grade_round(engine, round_id)
    return round_id, absent


def test_sc3_absent_base_rectifies_a_year_and_passes(engine: Engine) -> None:
    """SC3 (第十七—十九条): skipped submission ⇒ 不合格 ⇒ one year's rectification from the
    final result (2024-09-10 … 2025-09-10); re-evaluated 合格 ⇒ operating again."""
    round_id, case_id = _failed_absent(engine)
    assert engine.get(round_id).data["evaluated"] == 2
    case = engine.get(case_id)
    assert (case.state, case.data["final_grade"]) == ("rectification", "fail")
    assert due(engine, case_id, "rectification_term") == date(2025, 9, 10)
    run(engine, case_id, ("rectification_plan_filed", "2024-10-15"))
    engine.tick(now=at("2025-09-10", 23))
    assert engine.get(case_id).state == "rectification"
    engine.tick(now=at("2025-09-11", 0))
    assert engine.get(case_id).state == "rectification_review"
    state = run(engine, case_id, ("rectification_evaluated", "2025-10-20", {"grade": "pass"}))
    assert state == "active"
    assert engine.get(case_id).data["cycle_start"] == date(2025, 10, 20)


def test_still_failing_after_rectification_is_disqualified(engine: Engine) -> None:
    """第十八条: 整改到期后考核结果仍为不合格的，取消省中试基地资格."""
    _, case_id = _failed_absent(engine)
    engine.tick(now=at("2025-09-11", 0))
    state = run(engine, case_id, ("rectification_evaluated", "2025-10-20", {"grade": "fail"}))
    assert state == "disqualified"
    assert engine.get(case_id).data["disqualification_ground"] == "still_failing"


def test_sc4_fail_with_a_penalised_accident_is_disqualified_at_once(engine: Engine) -> None:
    """SC4 (第二十条(二)): 不合格 and an environmental accident ⇒ disqualified, no rectification."""
    round_id = open_round(engine)
    case_id = scored_base(engine, round_id, 40, "fail", "F00")
    other = scored_base(engine, round_id, 41, "fail", "F01")
    engine.fire(case_id, "incident_found", {"kind": "environmental_accident"}, at=at("2024-07-15"))
    grade_round(engine, round_id)
    assert engine.get(case_id).state == "disqualified"
    assert engine.get(case_id).data["disqualification_ground"] == "accident_or_penalty"
    assert engine.get(other).state == "rectification"  # 不合格 alone: rectification


def test_an_accident_without_a_fail_does_not_disqualify(engine: Engine) -> None:
    """第二十条 needs both: 考核结果为不合格，且存在下列情形之一. A 合格 base keeps its title."""
    round_id = open_round(engine)
    case_id = scored_base(engine, round_id, 70, "pass", "P00")
    engine.fire(case_id, "incident_found", {"kind": "safety_accident"}, at=at("2024-07-15"))
    grade_round(engine, round_id)
    assert (engine.get(case_id).state, engine.get(case_id).data["final_grade"]) == (
        "active",
        "pass",
    )


def test_sc5_fraud_at_the_site_visit_then_no_cooperation(engine: Engine) -> None:
    """SC5 (第十九、二十、二十二条): falsified receipts found at the site visit ⇒ 不合格 and a
    credit-file entry ⇒ rectification; refusing to rectify ⇒ disqualified (第二十条(一))."""
    round_id = open_round(engine)
    case_id = listed_base(engine, round_id, "X00")
    run(
        engine,
        case_id,
        ("self_evaluation_started", "2024-03-05"),
        ("self_evaluation_submitted", "2024-04-10"),
        ("recommended", "2024-04-20"),
        ("initial_review_done", "2024-05-20"),
        ("fraud_found", "2024-06-18"),
    )
    scored_base(engine, round_id, 80, "good", "G00")
    data = engine.get(case_id).data
    assert (data["forced_fail_reason"], data["credit_record"]) == ("fraud", True)
    grade_round(engine, round_id)
    assert engine.get(case_id).state == "rectification"
    assert run(engine, case_id, ("non_cooperation", "2024-12-01")) == "disqualified"
    assert engine.get(case_id).data["disqualification_ground"] == "non_cooperation"


def test_withdrawal_midway_is_a_fail_and_fraud_in_publicity_downgrades(engine: Engine) -> None:
    """第十九条: 中途退出考核 ⇒ 不合格; fraud found while the grades are published turns a
    良好 into 不合格 (the count of 优秀/良好 can only fall)."""
    round_id = open_round(engine)
    quitter = listed_base(engine, round_id, "Q00")
    run(engine, quitter, ("self_evaluation_started", "2024-03-05"), ("withdrew", "2024-03-20"))
    cheat = scored_base(engine, round_id, 95, "good", "G00")
    for i in range(2):
        scored_base(engine, round_id, 60, "pass", f"P{i:02d}")
    engine.fire(round_id, "grades_proposed", at=at(PROPOSED_ON))  # 4 bases: one place
    assert engine.get(cheat).data["proposed_grade"] == "good"
    run(engine, cheat, ("fraud_found", "2024-09-05"))
    engine.fire(round_id, "results_final", at=at(FINAL_ON))
    assert final_grades(engine, [quitter, cheat]) == ["fail", "fail"]
    assert engine.get(quitter).data["forced_fail_reason"] == "withdrew"


def test_a_base_excused_for_a_proper_reason_leaves_the_round(engine: Engine) -> None:
    """第十九条 无正当理由: with a proper reason the base is not graded in this round."""
    round_id = open_round(engine)
    excused = listed_base(engine, round_id, "E00")
    run(engine, excused, ("excused", "2024-03-20", {"reason": "依托单位重组"}))
    scored_base(engine, round_id, 80, "pass", "P00")
    grade_round(engine, round_id)
    assert engine.get(round_id).data["evaluated"] == 1
    # operating again; its cycle is still over, so it waits for the next list
    assert engine.get(excused).state == "cycle_due"
    assert engine.get(excused).data["final_grade"] is None


def _good_base(engine: Engine) -> str:
    round_id = open_round(engine)
    case_id = scored_base(engine, round_id, 95, "excellent", "G00")
    for i in range(3):
        scored_base(engine, round_id, 60, "pass", f"P{i:02d}")
    grade_round(engine, round_id)  # 4 bases: floor(1.2) = 1 place
    assert engine.get(case_id).data["final_grade"] == "excellent"
    return case_id


@pytest.mark.parametrize(
    ("amount", "ok"),
    [("1999999.99", True), ("2000000.00", True), ("2000000.01", False), ("0.00", False)],
)
def test_support_is_at_most_two_million(engine: Engine, amount: str, ok: bool) -> None:
    """第十六条: 不超过200万元 — ¥2,000,000.00 included, one fen more refused."""
    case_id = _good_base(engine)
    if ok:
        engine.fire(case_id, "support_granted", {"amount": amount}, at=at("2024-11-01"))
        assert engine.get(case_id).data["support_amount"] == Decimal(amount)
    else:
        with pytest.raises(GuardFailed, match="at_most_two_million"):
            engine.fire(case_id, "support_granted", {"amount": amount}, at=at("2024-11-01"))
        assert engine.get(case_id).data["support_amount"] is None


def test_support_once_and_only_for_good_results(engine: Engine) -> None:
    """第十六条: support goes to 优秀 and 良好, once per result; 合格 gets none."""
    case_id = _good_base(engine)
    engine.fire(case_id, "support_granted", {"amount": "1500000.00"}, at=at("2024-11-01"))
    with pytest.raises(GuardFailed, match="once_per_result"):
        engine.fire(case_id, "support_granted", {"amount": "500000.00"}, at=at("2024-12-01"))
    passed = next(
        c.id for c in engine.cases(process="henan-pilot") if c.data.get("final_grade") == "pass"
    )
    with pytest.raises(GuardFailed, match="good_result"):
        engine.fire(passed, "support_granted", {"amount": "100000.00"}, at=at("2024-11-01"))


@pytest.mark.parametrize(
    ("day", "state_then"),
    [("2024-02-29", "designated"), ("2024-03-01", "designated"), ("2024-03-02", "cycle_due")],
)
def test_three_year_cycle_as_a_rule(engine: Engine, day: str, state_then: str) -> None:
    """第二条 原则上三年一个考核周期: named 2021-03-01, the cycle runs through 2024-03-01.

    Listing on 2024-02-29 needs a recorded reason (原则上); on 2024-03-01 it does not; from
    2024-03-02 the cycle is over and the base waits in cycle_due for the list.
    """
    open_round(engine)
    case = engine.start(
        "henan-pilot",
        {"base_code": "ZS01", "host_code": "H1", "cycle_start": "2021-03-01"},
        at=at("2024-02-27", 9),
    )
    assert due(engine, case.id, "evaluation_cycle") == date(2024, 3, 1)
    engine.tick(now=at(day, 0))
    assert engine.get(case.id).state == state_then
    payload = {"round_id": "R2024", "self_eval_due": MATERIALS_DUE}
    if day == "2024-02-29":
        with pytest.raises(GuardFailed, match="three_year_cycle"):
            engine.fire(case.id, "listed", payload, at=at(day))
        reason = {"three_year_cycle": "与同批认定的基地同轮考核"}
        engine.fire(case.id, "listed", payload, at=at(day), overrides=reason)
    else:
        engine.fire(case.id, "listed", payload, at=at(day))
    assert engine.get(case.id).state == "listed"


@pytest.mark.parametrize(("grade", "ok"), [("pass", True), ("good", True), ("excellent", False)])
def test_an_objection_never_raises_a_grade(engine: Engine, grade: str, ok: bool) -> None:
    """第十四条 公示无异议后确定: an upheld objection may lower the 良好 proposed (or keep it),
    never raise it — 第十五条's cap was applied to the proposals."""
    round_id = open_round(engine)
    case_id = scored_base(engine, round_id, 95, "good", "G00")
    for i in range(3):
        scored_base(engine, round_id, 60, "pass", f"P{i:02d}")
    engine.fire(round_id, "grades_proposed", at=at(PROPOSED_ON))
    assert engine.get(case_id).data["proposed_grade"] == "good"
    if ok:
        engine.fire(case_id, "objection_upheld", {"grade": grade}, at=at("2024-09-05"))
        engine.fire(round_id, "results_final", at=at(FINAL_ON))
        assert engine.get(case_id).data["final_grade"] == grade
    else:
        with pytest.raises(GuardFailed, match="not_above_proposed"):
            engine.fire(case_id, "objection_upheld", {"grade": grade}, at=at("2024-09-05"))
        assert engine.get(case_id).data["proposed_grade"] == "good"


@pytest.mark.parametrize(
    ("agency", "signed", "ok"), [("", False, True), ("ZJ01", True, True), ("ZJ01", False, False)]
)
def test_a_commissioned_agency_needs_the_agreement(
    engine: Engine, agency: str, signed: bool, ok: bool
) -> None:
    """第五条: 委托相关专业机构进行考核时，委托方与受托方应签订委托协议."""
    engine.start("henan-pilot.round", {"year": 2024}, at=at("2024-02-26", 9), case_id="R2024")
    payload = {"self_eval_due": MATERIALS_DUE, "agency": agency, "agreement_signed": signed}
    if ok:
        engine.fire("R2024", "list_issued", payload, at=at("2024-02-26"))
        assert engine.get("R2024").data["agency"] == agency
    else:
        with pytest.raises(GuardFailed, match="agency_agreement"):
            engine.fire("R2024", "list_issued", payload, at=at("2024-02-26"))
        assert engine.get("R2024").state == "planned"


@pytest.mark.parametrize(("day", "ok"), [("2024-04-29", True), ("2024-04-30", False)])
def test_materials_fall_due_after_the_listing(engine: Engine, day: str, ok: bool) -> None:
    """第十二条 考核名单下达后规定时间内: a listing on the day the materials are due is refused."""
    case = engine.start(
        "henan-pilot",
        {"base_code": "ZS01", "host_code": "H1", "cycle_start": "2021-03-01"},
        at=at("2024-03-01", 9),
    )
    payload = {"round_id": open_round(engine), "self_eval_due": MATERIALS_DUE}
    if ok:
        engine.fire(case.id, "listed", payload, at=at(day))
        assert engine.get(case.id).state == "listed"
    else:
        with pytest.raises(GuardFailed, match="due_after_listing"):
            engine.fire(case.id, "listed", payload, at=at(day))
        assert engine.get(case.id).state == "designated"  # refused: nothing changed
