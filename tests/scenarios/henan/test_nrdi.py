"""henan-nrdi: 河南省新型研发机构备案和绩效考核办法 (豫科〔2023〕54号), spec P-NRDI SC1–SC6.

The institution (henan-nrdi), its three-yearly evaluation (henan-nrdi.evaluation) and the
round that grades the evaluations together (henan-nrdi.round), on real days through the
engine on a real SQLite file.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from policyflow import Engine
from policyflow.errors import GuardFailed, TransitionRefused
from policyflow.sim import simulate

from .nrdi_steps import (
    SC1,
    applied,
    filed,
    grades,
    in_expert_review,
    open_round,
    scored_members,
)
from .steps_ha import at, due, run

CENT = Decimal("0.01")


def _judged_by_experts(engine: Engine, data: dict[str, Any], guard: str | None) -> str:
    """Expert review of `data` on 2023-10-09: refused by `guard` (then failed), or passed."""
    case_id = in_expert_review(engine, data)
    if guard is None:
        engine.fire(case_id, "expert_passed", at=at("2023-10-09"))
    else:
        with pytest.raises(GuardFailed, match=guard):
            engine.fire(case_id, "expert_passed", at=at("2023-10-09"))
        assert engine.get(case_id).state == "expert_review"  # a refusal changes nothing
        engine.fire(case_id, "expert_failed", at=at("2023-10-09"))
    return engine.get(case_id).state


def test_sc1_happy_path_is_filed_and_evaluated_three_years_on(engine: Engine) -> None:
    """SC1, 第八条(一)-(七), 第十一条: T1→T2→T3→T5→T7→T9 ⇒ filed; evaluation due in 3 years."""
    case_id = filed(engine)
    case = engine.get(case_id)
    assert case.data["filed_on"] == date(2023, 11, 6)
    assert case.data["applied_on"] == date(2023, 7, 3)
    assert due(engine, case_id, "evaluation_cycle") == date(2026, 11, 6)


def test_sc2_rd_staff_ratio_boundary(engine: Engine) -> None:
    """SC2, 第四条(六): 10 of 34 R&D staff (29.4 %) fails 30 %以上 ⇒ not_filed; 10 of 33 passes."""
    assert (
        _judged_by_experts(
            engine, SC1 | {"rd_staff": 10, "staff_total": 34}, "rd_staff_thirty_percent"
        )
        == "not_filed"
    )
    assert (
        _judged_by_experts(engine, SC1 | {"rd_staff": 10, "staff_total": 33}, None) == "publicity"
    )


#: Each number of 第四条 (all inclusive: 以上, 不低于, 不少于, 达到…以上, (含)以上): the field,
#: the values below, at and above the threshold, and the guard that judges it. SC1's revenue
#: is ¥6 M, so 15 % is ¥900,000 (with R&D at ¥1.2 M the share is tested on the revenue),
#: 50 % ¥3 M and 30 % ¥1.8 M; 30 % of 40 staff is 12.
THRESHOLDS: list[tuple[str, dict[str, Any], tuple[Any, Any, Any], str]] = [
    (
        "rd_expenditure",
        {"revenue_total": Decimal("6000000")},
        (Decimal("1000000") - CENT, Decimal("1000000"), Decimal("1000000") + CENT),
        "rd_expenditure_one_million",
    ),
    (
        "revenue_total",
        {"rd_expenditure": Decimal("1200000")},
        (Decimal("8000000") + CENT, Decimal("8000000"), Decimal("8000000") - CENT),
        "rd_share_fifteen_percent",
    ),
    ("premises_m2", {}, (499, 500, 501), "premises_500_m2"),
    (
        "equipment_value",
        {},
        (Decimal("5000000") - CENT, Decimal("5000000"), Decimal("5000000") + CENT),
        "equipment_five_million",
    ),
    (
        "equipment_owned",
        {},
        (Decimal("1000000") - CENT, Decimal("1000000"), Decimal("1000000") + CENT),
        "own_equipment_one_million",
    ),
    ("rd_staff", {"staff_total": 30}, (9, 10, 11), "rd_staff_ten"),
    ("staff_total", {"rd_staff": 12}, (41, 40, 39), "rd_staff_thirty_percent"),
    (
        "technical_income",
        {},
        (Decimal("3000000") - CENT, Decimal("3000000"), Decimal("3000000") + CENT),
        "technical_income_half",
    ),
    ("enterprises_served", {}, (4, 5, 6), "five_enterprises_served"),
    (
        "enterprise_income",
        {},
        (Decimal("1800000") - CENT, Decimal("1800000"), Decimal("1800000") + CENT),
        "enterprise_income_thirty_percent",
    ),
    ("achievements_3y", {}, (2, 3, 4), "three_achievements"),
    (
        "investor_categories",
        {},
        (
            ["enterprise", "enterprise"],
            ["enterprise", "government"],
            ["enterprise", "government", "research_team"],
        ),
        "two_investor_categories",
    ),
]


@pytest.mark.parametrize(
    ("field", "context", "values", "guard"), THRESHOLDS, ids=[t[0] for t in THRESHOLDS]
)
def test_each_number_of_article_four_includes_the_number(
    engine: Engine, field: str, context: dict[str, Any], values: tuple[Any, Any, Any], guard: str
) -> None:
    """第四条(二)(四)(五)(六)(八)(九): below the number fails, at and above it pass (A1)."""
    below, at_limit, above = values
    base = SC1 | context
    # with the revenue raised to ¥8 M the 50 % and 30 % shares need more income too
    base |= (
        {"technical_income": Decimal("4000000"), "enterprise_income": Decimal("2400000")}
        if field == "revenue_total"
        else {}
    )
    assert _judged_by_experts(engine, base | {field: below}, guard) == "not_filed"
    for value in (at_limit, above):
        assert _judged_by_experts(engine, base | {field: value}, None) == "publicity"


@pytest.mark.parametrize(
    ("day", "passes"), [("2023-06-30", False), ("2023-07-01", True), ("2023-07-03", True)]
)
def test_operating_one_year_after_registration(engine: Engine, day: str, passes: bool) -> None:
    """第四条(一) 注册后运营1年以上: registered 2022-07-01, the year is complete on 2023-07-01."""
    case_id = in_expert_review(engine, SC1 | {"registered_on": date(2022, 7, 1)}, day)
    if passes:
        run(engine, case_id, ("expert_passed", "2023-10-09"))
        assert engine.get(case_id).state == "publicity"
    else:
        with pytest.raises(GuardFailed, match="operating_one_year"):
            engine.fire(case_id, "expert_passed", at=at("2023-10-09"))


@pytest.mark.parametrize(
    "field", ["all_in_henan", "clean_record_3y", "separate_investment_and_management"]
)
def test_qualitative_conditions_must_hold(engine: Engine, field: str) -> None:
    """第四条(一)(二)(十): seat in Henan, 投管分离, a clean three years — each refuses alone."""
    guards = {
        "all_in_henan": "independent_legal_person_in_henan",
        "clean_record_3y": "clean_three_years",
        "separate_investment_and_management": "separate_investment_and_management",
    }
    assert _judged_by_experts(engine, SC1 | {field: False}, guards[field]) == "not_filed"


def test_two_investor_categories_is_a_rule_with_exceptions(engine: Engine) -> None:
    """第四条(二) 一般包括…两类及以上: a single-category founder passes only with a reason."""
    case_id = in_expert_review(engine, SC1 | {"investor_categories": ["university"]})
    with pytest.raises(GuardFailed, match="two_investor_categories"):
        engine.fire(case_id, "expert_passed", at=at("2023-10-09"))
    reason = {"two_investor_categories": "高校独资举办，引入科研团队持股"}
    engine.fire(case_id, "expert_passed", at=at("2023-10-09"), overrides=reason)
    assert engine.get(case_id).state == "publicity"


@pytest.mark.parametrize(
    ("day", "accepted"), [("2023-07-30", True), ("2023-07-31", True), ("2023-08-01", False)]
)
def test_application_within_the_notice_time(engine: Engine, day: str, accepted: bool) -> None:
    """第八条(二) 在规定时间内: the notice's deadline 2023-07-31 is the last day."""
    case = engine.start("henan-nrdi", SC1, at=at(day, 9))
    if accepted:
        engine.fire(case.id, "application_submitted", at=at(day))
        assert engine.get(case.id).state == "submitted"
    else:
        with pytest.raises(GuardFailed, match="within_notice_time"):
            engine.fire(case.id, "application_submitted", at=at(day))
        assert engine.get(case.id).state == "preparing"


def test_excluded_activity_is_refused_as_a_rule(engine: Engine) -> None:
    """第四条 (last para) 原则上不予受理: a testing-only lab passes formal review with a reason."""
    case_id = applied(engine, SC1 | {"excluded_activity": "testing_only"})
    run(engine, case_id, ("paper_delivered", "2023-07-10"), ("recommended", "2023-07-24"))
    with pytest.raises(GuardFailed, match="not_excluded_activity"):
        engine.fire(case_id, "formal_passed", at=at("2023-08-28"))
    engine.fire(
        case_id,
        "formal_passed",
        at=at("2023-08-28"),
        overrides={"not_excluded_activity": "兼有产业技术研发"},
    )
    assert engine.get(case_id).state == "expert_review"


@pytest.mark.parametrize(
    ("event", "state"),
    [
        ("local_rejected", "local_review"),
        ("formal_failed", "formal_review"),
        ("objection_upheld", "publicity"),
    ],
)
def test_refusals_along_the_seven_steps(engine: Engine, event: str, state: str) -> None:
    """第八条(三)(四)(六)(七): refused at the local review, the formal review or on an objection."""
    case_id = applied(engine, SC1)
    steps = [
        ("paper_delivered", "2023-07-10"),
        ("recommended", "2023-07-24"),
        ("formal_passed", "2023-08-28"),
        ("expert_passed", "2023-10-09"),
    ]
    order = ["local_review", "formal_review", "expert_review", "publicity"]
    run(engine, case_id, *steps[: order.index(state) + 1])
    assert engine.get(case_id).state == state
    assert run(engine, case_id, (event, "2023-11-06")) == "not_filed"


def test_special_track_goes_straight_to_expert_review(engine: Engine) -> None:
    """第九条 单独组织论证: no notice window, local or formal review; experts still judge 第四条."""
    case = engine.start(
        "henan-nrdi", SC1 | {"application_deadline": date(2023, 1, 31)}, at=at("2023-09-01", 9)
    )
    assert run(engine, case.id, ("special_track_opened", "2023-09-01")) == "expert_review"
    assert engine.get(case.id).data["applied_on"] == date(2023, 9, 1)
    assert (
        run(engine, case.id, ("expert_passed", "2023-10-09"), ("publicity_cleared", "2023-11-06"))
        == "filed"
    )


# --- 第十四条: major changes -------------------------------------------------------------


def test_sc3_unreported_change_cancels_and_bans_for_two_years(engine: Engine) -> None:
    """SC3, 第十四条, 第十六条: a name change on 2024-03-15 not reported by 05-15 cancels on
    05-16; a new application 1 year 11 months later is refused, two years later accepted."""
    case_id = filed(engine)
    engine.fire(
        case_id,
        "change_occurred",
        {"kind": "name", "occurred_on": date(2024, 3, 15)},
        at=at("2024-03-20"),
    )
    assert due(engine, case_id, "change_report") == date(2024, 5, 15)
    engine.tick(now=at("2024-05-15", 23))
    assert engine.get(case_id).state == "filed"  # the last day of the two months
    engine.tick(now=at("2024-05-16", 0))
    case = engine.get(case_id)
    assert (case.state, case.data["cancel_ground"]) == ("cancelled", "change_not_reported")
    assert (case.data["ended_on"], case.data["ban_until"]) == (date(2024, 5, 16), date(2026, 5, 16))
    again = SC1 | {"application_deadline": date(2026, 12, 31)}
    for day in ("2026-04-16", "2026-05-16"):  # 1 y 11 m; the last day of 两年内
        new = engine.start("henan-nrdi", again, at=at(day, 9))
        with pytest.raises(GuardFailed, match="no_cancellation_ban"):
            engine.fire(new.id, "application_submitted", at=at(day))
    assert applied(engine, again, "2026-05-17")  # the day after: accepted
    other = engine.start(
        "henan-nrdi", again | {"org_code": "91410100MA0999"}, at=at("2026-04-16", 9)
    )
    engine.fire(
        other.id, "application_submitted", at=at("2026-04-16")
    )  # another institution is not banned


@pytest.mark.parametrize(
    ("day", "in_time"), [("2024-05-14", True), ("2024-05-15", True), ("2024-05-16", False)]
)
def test_change_reported_within_two_months(engine: Engine, day: str, in_time: bool) -> None:
    """第十四条 事后两个月内 (A6): a change on 2024-03-15 may be reported up to 2024-05-15."""
    case_id = filed(engine)
    payload = {"kind": "investors", "occurred_on": date(2024, 3, 15)}
    if in_time:
        assert run(engine, case_id, ("change_reported", day, payload)) == "change_verification"
        assert run(engine, case_id, ("change_verified", "2024-06-20")) == "filed"
        assert due(engine, case_id, "evaluation_cycle") == date(2026, 11, 6)  # 维持有效期不变
    else:
        with pytest.raises(GuardFailed, match="within_two_months"):
            engine.fire(case_id, "change_reported", payload, at=at(day))


def test_two_months_from_the_last_day_of_a_month_end_on_a_month_end(engine: Engine) -> None:
    """第十四条, A6: calendar months clamp to the month's end: 2023-12-31 + 两个月 = 2024-02-29."""
    case_id = filed(engine)
    engine.fire(
        case_id,
        "change_occurred",
        {"kind": "key_personnel", "occurred_on": date(2023, 12, 31)},
        at=at("2024-01-05"),
    )
    assert due(engine, case_id, "change_report") == date(2024, 2, 29)
    run(
        engine,
        case_id,
        (
            "change_reported",
            "2024-02-29",
            {"kind": "key_personnel", "occurred_on": date(2023, 12, 31)},
        ),
    )
    engine.tick(now=at("2024-03-10"))
    assert engine.get(case_id).state == "change_verification"  # met: no cancellation


def test_a_change_found_after_two_months_cancels_at_once(engine: Engine) -> None:
    """第十四条 如不提出申请: a change of 2024-01-10 the department learns of on 2024-04-01 was
    due by 2024-03-10; the filing is cancelled before anything else happens."""
    case_id = filed(engine)
    payload = {"kind": "investors", "occurred_on": date(2024, 1, 10)}
    engine.fire(case_id, "change_occurred", payload, at=at("2024-04-01"))
    engine.tick(now=at("2024-04-01", 11))
    case = engine.get(case_id)
    assert (case.state, case.data["cancel_ground"]) == ("cancelled", "change_not_reported")


def test_a_change_cannot_be_reported_before_it_happens(engine: Engine) -> None:
    """第十四条 事后: a change dated after the report is refused."""
    case_id = filed(engine)
    with pytest.raises(GuardFailed, match="change_not_in_future"):
        engine.fire(
            case_id,
            "change_reported",
            {"kind": "name", "occurred_on": date(2024, 3, 15)},
            at=at("2024-03-14"),
        )


# --- 第十条: fraud -----------------------------------------------------------------------


def test_sc4_fraud_in_expert_review_bans_for_three_years(engine: Engine) -> None:
    """SC4, 第十条: a forged audit report found on 2023-09-20 ⇒ not_filed_fraud, no application
    until 2026-09-20 (三年内, the last day included); accepted on 2026-09-21."""
    case_id = in_expert_review(engine, SC1)
    assert run(engine, case_id, ("fraud_found", "2023-09-20")) == "not_filed_fraud"
    assert engine.get(case_id).data["ban_until"] == date(2026, 9, 20)
    again = SC1 | {"application_deadline": date(2026, 12, 31)}
    for day in ("2026-09-19", "2026-09-20"):
        new = engine.start("henan-nrdi", again, at=at(day, 9))
        with pytest.raises(GuardFailed, match="no_fraud_ban"):
            engine.fire(new.id, "application_submitted", at=at(day))
        with pytest.raises(GuardFailed, match="no_fraud_ban"):  # the separate track too
            engine.fire(new.id, "special_track_opened", at=at(day))
    assert engine.get(applied(engine, again, "2026-09-21")).state == "submitted"


# --- 第十二条: the round ------------------------------------------------------------------


def _evaluating(engine: Engine, round_id: str, org: str) -> tuple[str, str]:
    """A filed institution `org` whose evaluation in `round_id` opened on 2026-11-02."""
    case_id = filed(engine, SC1 | {"org_code": org})
    engine.fire(
        case_id,
        "evaluation_started",
        {"round_id": round_id, "materials_due": date(2026, 12, 31)},
        at=at("2026-11-02"),
    )
    (child,) = [c.id for c in engine.children(case_id)]
    return case_id, child


def test_sc5_a_round_of_ten_grades_within_the_quotas(engine: Engine) -> None:
    """SC5, 第十二条, 第十五条(二): of 10, ranks 1–2 优秀 (≤ 20 %), 3–5 良好 (≤ 30 %), 6–8 合格;
    the two below the notice's pass mark (60) 不合格 ⇒ cancelled; the others stay filed."""
    open_round(engine, "R2026", "2026-11-02")
    scores = [100, 95, 90, 85, 80, 75, 70, 65, 58, 50]
    pairs = [_evaluating(engine, "R2026", f"ORG{n}") for n in range(10)]
    for (_, child), score in zip(pairs, scores, strict=True):
        run(
            engine,
            child,
            ("materials_submitted", "2026-12-01"),
            ("scored", "2027-01-15", {"score": score}),
        )
    engine.fire("R2026", "grades_published", at=at("2027-02-01"))
    children = [child for _, child in pairs]
    assert (
        grades(engine, children) == ["excellent"] * 2 + ["good"] * 3 + ["pass"] * 3 + ["fail"] * 2
    )
    assert [engine.get(c).data["rank"] for c in children] == list(range(1, 11))
    institutions = [engine.get(case_id) for case_id, _ in pairs]
    assert [i.state for i in institutions] == ["filed"] * 8 + ["cancelled"] * 2
    assert institutions[0].data["last_grade"] == "excellent"
    assert institutions[8].data["cancel_ground"] == "evaluation_failed"
    assert due(engine, pairs[0][0], "evaluation_cycle") == date(2030, 2, 1)  # the next cycle
    # the round's act read its members; that read is journaled and every case replays
    assert "members:henan-nrdi.evaluation" in engine.history("R2026")[-1].entry.reads
    assert engine.verify() > 0


def _graded_round(engine: Engine, scores: list[int], pass_mark: int = 60) -> dict[str, int]:
    open_round(engine, "R", "2026-11-02", pass_mark)
    ids = scored_members(engine, "R", scores)
    engine.fire("R", "grades_published", at=at("2027-02-01"))
    found = grades(engine, ids)
    return {g: found.count(g) for g in ("excellent", "good", "pass", "fail")}


#: 40 institutions: 优秀 ≤ floor(20 % × 40) = 8, 良好 ≤ floor(30 % × 40) = 12. `top` are the
#: scores of the leaders (highest first); the rest score 100, 99, … down (distinct, all above
#: the pass mark).
ROUND_OF_40 = [
    # 8 distinct leaders: exactly at both caps
    ("at_the_caps", list(range(110, 102, -1)), 8, 12),
    # a tie for 8th and 9th (through 9 > 8): both left out of 优秀, both counted for 良好
    ("tie_across_excellent_cap", [*range(110, 103, -1), 103, 103], 7, 12),
    # a tie for 7th–8th ends at the cap (through 8): both in
    ("tie_ending_at_excellent_cap", [*range(110, 104, -1), 104, 104], 8, 12),
    # four tied for 6th–9th (through 9 > 8): all four out, 5 优秀
    ("three_tied_across_the_cap", [*range(110, 105, -1), 105, 105, 105, 105], 5, 12),
]


@pytest.mark.parametrize(
    ("name", "top", "excellent", "good"), ROUND_OF_40, ids=[r[0] for r in ROUND_OF_40]
)
def test_round_of_40_never_exceeds_the_caps(
    engine: Engine, name: str, top: list[int], excellent: int, good: int
) -> None:
    """第十二条 不超过20% / 30% (A4: floor; a tie group crossing a cap is left out whole)."""
    scores = top + list(range(100, 100 - (40 - len(top)), -1))
    counts = _graded_round(engine, scores)
    assert counts["excellent"] == excellent <= 8
    assert counts["good"] == good <= 12
    assert sum(counts.values()) == 40


def test_round_of_40_tie_across_the_good_cap(engine: Engine) -> None:
    """第十二条: 8 优秀, then the 12th and 13th of the rest tie (through 13 > 12): 11 良好."""
    rest = [*range(90, 79, -1), 79, 79, *range(78, 78 - 19, -1)]
    assert len(rest) == 32
    counts = _graded_round(engine, list(range(110, 102, -1)) + rest)
    assert (counts["excellent"], counts["good"]) == (8, 11)


def test_round_of_40_all_tied_gives_no_excellent_or_good(engine: Engine) -> None:
    """Ties at the extreme: 40 equal scores cross both caps, so none is 优秀 or 良好."""
    assert _graded_round(engine, [80] * 40) == {"excellent": 0, "good": 0, "pass": 40, "fail": 0}


@pytest.mark.parametrize(
    ("size", "excellent", "good"), [(4, 0, 1), (5, 1, 1), (7, 1, 2), (9, 1, 2), (10, 2, 3)]
)
def test_caps_are_the_floor_of_the_share(
    engine: Engine, size: int, excellent: int, good: int
) -> None:
    """A4: floor(20 % × N) and floor(30 % × N): 4 → 0/1, 5 → 1/1, 7 → 1/2, 9 → 1/2, 10 → 2/3."""
    counts = _graded_round(engine, list(range(100, 100 - size, -1)))
    assert (counts["excellent"], counts["good"]) == (excellent, good)


@pytest.mark.parametrize(("score", "grade"), [(59, "fail"), (60, "pass"), (61, "pass")])
def test_pass_mark_includes_the_mark(engine: Engine, score: int, grade: str) -> None:
    """第十二条 不合格 below the notice's pass mark (60): 59 fails, 60 and 61 pass."""
    open_round(engine, "R", "2026-11-02")
    ids = scored_members(engine, "R", [100, 99, 98, 97, 96, 95, 94, 93, 92, score])
    engine.fire("R", "grades_published", at=at("2027-02-01"))
    assert grades(engine, ids)[-1] == grade


def test_a_top_score_below_the_pass_mark_is_not_excellent(engine: Engine) -> None:
    """第十二条: the caps are maxima; a round whose best is under the pass mark has no 优秀."""
    assert _graded_round(engine, [55, 50, 45, 40, 35]) == {
        "excellent": 0,
        "good": 0,
        "pass": 0,
        "fail": 5,
    }


def test_round_waits_for_every_member_to_be_scored_or_out(engine: Engine) -> None:
    """第十一条, 第十二条: the round grades its institutions together, none left behind: one
    given a later date for a good reason is waited for, as is one not yet scored."""
    open_round(engine, "R", "2026-11-02")
    scored_members(engine, "R", [90, 80])
    late = engine.start(
        "henan-nrdi.evaluation",
        {"round_id": "R", "org_code": "ORGX", "materials_due": date(2026, 12, 31)},
        at=at("2026-11-02", 9),
    )
    reason = {"reason": "重组审计未完成", "new_due": date(2027, 2, 10)}
    engine.fire(late.id, "good_reason_accepted", reason, at=at("2026-12-20"))
    with pytest.raises(GuardFailed, match="every_member_settled"):
        engine.fire("R", "grades_published", at=at("2027-02-01"))
    run(engine, late.id, ("materials_submitted", "2027-02-01"))
    with pytest.raises(GuardFailed, match="every_member_settled"):
        engine.fire("R", "grades_published", at=at("2027-02-01"))
    run(engine, late.id, ("scored", "2027-02-02", {"score": 85}))
    engine.fire("R", "grades_published", at=at("2027-02-03"))
    assert engine.get(late.id).state in {"excellent", "good", "passed"}


@pytest.mark.parametrize(("day", "waits"), [("2026-12-31", True), ("2027-01-01", False)])
def test_round_does_not_wait_past_a_members_date(engine: Engine, day: str, waits: bool) -> None:
    """第十五条(三): a member awaiting materials due 2026-12-31 holds the round on that day; from
    the next day it is out (its expiry cancels it), even before a tick has recorded it."""
    open_round(engine, "R", "2026-11-02")
    ids = scored_members(engine, "R", [90, 80])
    silent = engine.start(
        "henan-nrdi.evaluation",
        {"round_id": "R", "org_code": "ORGS", "materials_due": date(2026, 12, 31)},
        at=at("2026-11-02", 9),
    )
    if waits:
        with pytest.raises(GuardFailed, match="every_member_settled"):
            engine.fire("R", "grades_published", at=at(day))
    else:
        engine.fire("R", "grades_published", at=at(day))
        assert grades(engine, ids) == ["pass", "pass"]  # of 2: floor(0.4) = floor(0.6) = 0
        engine.tick(now=at(day, 11))
        assert engine.get(silent.id).state == "overdue"


# --- 第十五条: the other cancellation grounds ----------------------------------------------


@pytest.mark.parametrize(
    ("day", "overdue"), [("2026-12-30", False), ("2026-12-31", False), ("2027-01-01", True)]
)
def test_sc6_materials_overdue_without_good_reason_cancel(
    engine: Engine, day: str, overdue: bool
) -> None:
    """SC6, 第十五条(三): due 2026-12-31; the day itself is in time, nothing by then cancels."""
    case_id, child = _evaluating(engine, "R2026", "ORGA")
    if overdue:
        engine.tick(now=at(day, 0))
        assert engine.get(child).state == "overdue"
        case = engine.get(case_id)
        assert (case.state, case.data["cancel_ground"]) == ("cancelled", "materials_overdue")
    else:
        assert run(engine, child, ("materials_submitted", day)) == "materials_submitted"
        engine.tick(now=at("2027-01-10"))
        assert engine.get(case_id).state == "evaluation"


def test_sc6_a_good_reason_keeps_the_institution_in_evaluation(engine: Engine) -> None:
    """SC6, 第十五条(三) 无正当理由: with a reason accepted the materials are due later."""
    case_id, child = _evaluating(engine, "R2026", "ORGB")
    engine.fire(
        child,
        "good_reason_accepted",
        {"reason": "审计机构延期出具报告", "new_due": date(2027, 1, 20)},
        at=at("2026-12-28"),
    )
    engine.tick(now=at("2027-01-10"))
    assert (engine.get(case_id).state, engine.get(child).state) == (
        "evaluation",
        "awaiting_materials",
    )
    assert due(engine, child, "materials") == date(2027, 1, 20)
    engine.tick(now=at("2027-01-21", 0))
    assert engine.get(case_id).state == "cancelled"


def test_false_evaluation_materials_cancel(engine: Engine) -> None:
    """第十五条(四): false data that seriously affect the result ⇒ cancelled, two-year ban."""
    case_id, child = _evaluating(engine, "R2026", "ORGC")
    run(
        engine,
        child,
        ("materials_submitted", "2026-12-01"),
        ("false_materials_found", "2027-01-10"),
    )
    case = engine.get(case_id)
    assert (case.state, case.data["cancel_ground"], case.data["ban_until"]) == (
        "cancelled",
        "false_materials",
        date(2029, 1, 10),
    )


def test_change_invalidating_the_qualification_cancels(engine: Engine) -> None:
    """第十四条, 第十五条(一): the qualification check after a change fails ⇒ cancelled."""
    case_id = filed(engine)
    run(
        engine,
        case_id,
        ("change_reported", "2024-04-01", {"kind": "investors", "occurred_on": date(2024, 3, 15)}),
        ("change_rejected", "2024-05-20"),
    )
    assert engine.get(case_id).data["cancel_ground"] == "change_invalidates"


@pytest.mark.parametrize("ground", ["penalised", "blacklisted", "legal_person_terminated"])
def test_cancelled_for_cause_withdraws_the_running_evaluation(engine: Engine, ground: str) -> None:
    """第十五条(五)(六)(七): cancelled during an evaluation, which is withdrawn from its round."""
    case_id, child = _evaluating(engine, "R2026", "ORGD")
    engine.fire(case_id, "cancelled_for_cause", {"ground": ground}, at=at("2026-11-20"))
    assert (engine.get(case_id).state, engine.get(child).state) == ("cancelled", "withdrawn")
    assert engine.get(case_id).data["cancel_ground"] == ground


@pytest.mark.parametrize(("planned", "accepted"), [("2024-05-31", True), ("2024-05-01", False)])
def test_deregistration_is_reported_in_advance(
    engine: Engine, planned: str, accepted: bool
) -> None:
    """第十四条 应提前以书面形式报至省科技厅: a date already reached is not in advance."""
    case_id = filed(engine)
    payload = {"planned_on": date.fromisoformat(planned)}
    if accepted:
        engine.fire(case_id, "deregistration_reported", payload, at=at("2024-05-01"))
        assert engine.get(case_id).data["deregistration_planned_on"] == date(2024, 5, 31)
    else:
        with pytest.raises(GuardFailed, match="in_advance"):
            engine.fire(case_id, "deregistration_reported", payload, at=at("2024-05-01"))


def test_a_cancelled_institution_takes_no_further_step(engine: Engine) -> None:
    """第十五条: a cancellation is final; a change report afterwards is refused."""
    case_id = filed(engine)
    engine.fire(case_id, "cancelled_for_cause", {"ground": "blacklisted"}, at=at("2024-02-01"))
    with pytest.raises(TransitionRefused):
        engine.fire(
            case_id,
            "change_reported",
            {"kind": "name", "occurred_on": date(2024, 2, 1)},
            at=at("2024-02-02"),
        )


def test_simulated_round_of_200_keeps_the_caps_in_under_two_seconds() -> None:
    """The shipped scenario: 200 institutions in R2026, graded by the round within the caps."""
    started = time.perf_counter()
    result = simulate("henan-nrdi.evaluation", seed=3, workers=1)
    elapsed = time.perf_counter() - started
    assert len(result.records) == 200
    assert [c.state for c in result.cohorts] == ["closed"]
    found = Counter(r.state for r in result.records)
    graded = sum(found[s] for s in ("excellent", "good", "passed", "failed"))
    assert graded > 150
    assert 0 < found["excellent"] * 5 <= graded  # ≤ floor(20 %)
    assert 0 < found["good"] * 10 <= graded * 3  # ≤ floor(30 %)
    assert elapsed < 2.0, f"{elapsed:.2f} s"


def test_a_round_whose_members_all_dropped_out_grades_nobody(engine: Engine) -> None:
    """第十二条: the shares are of those graded; a round left with none closes with no grade."""
    open_round(engine, "R", "2026-11-02")
    silent = engine.start(
        "henan-nrdi.evaluation",
        {"round_id": "R", "org_code": "ORGS", "materials_due": date(2026, 12, 31)},
        at=at("2026-11-02", 9),
    )
    engine.tick(now=at("2027-01-01", 0))
    assert engine.get(silent.id).state == "overdue"
    engine.fire("R", "grades_published", at=at("2027-02-01"))
    round_case = engine.get("R")
    assert (round_case.state, round_case.data["graded_count"]) == ("closed", 0)
