"""nomination across cases: the round's quota (第十三条), one nomination per expert per
review cycle (第十七条), a candidate once a year (第二十四条), experts who are candidates
(第十八条), banned and blacklisted candidates (第二十三条第（二）项, 第三十一条, 第三十二条).

Each rule reads other cases (the round's members, or a lookup through the keys index) and
the answer is written in the journal entry of the step that read it.
"""

from __future__ import annotations

import pytest

from policyflow import Engine
from policyflow.errors import GuardFailed, TransitionRefused

from .steps import at, candidate, expert, expert_nomination, open_round, unit_nomination, vetted


def _vet(engine: Engine, case_id: str, day: str = "2024-12-10", ends: str = "2024-12-20") -> None:
    engine.fire(case_id, "vetting_completed", vetted(ends), at=at(day))


def _group(first: int) -> list[dict[str, object]]:
    """Three academicians E<first>..E<first+2>."""
    return [expert(first + i) for i in range(3)]


@pytest.mark.parametrize(("earlier", "ok"), [(0, True), (1, True), (2, False)])
def test_a_round_refuses_a_units_nomination_beyond_its_quota(
    engine: Engine, earlier: int, ok: bool
) -> None:
    """第十三条 择优限额提名: CAST's quota is 2 — the 1st and 2nd pass, the 3rd is refused."""
    round_id = open_round(engine, {"CAST": 2, "HENAN": 5})
    for i in range(earlier):
        _vet(engine, unit_nomination(engine, round_id, candidate_id=f"C{i}"))
    case_id = unit_nomination(engine, round_id, candidate_id="C9")
    if ok:
        _vet(engine, case_id)
        assert engine.get(case_id).state == "publicity"
    else:
        with pytest.raises(TransitionRefused, match="within_quota") as refused:
            _vet(engine, case_id)
        assert "第十三条" in str(refused.value)
        assert engine.get(case_id).state == "vetting"  # the step is undone with the signal
    # another unit's quota is its own
    other = unit_nomination(engine, round_id, unit="HENAN", kind="government", candidate_id="C8")
    _vet(engine, other)
    assert engine.get(other).state == "publicity"


def test_a_unit_without_a_quota_nominates_nothing(engine: Engine) -> None:
    """第十九条 限额提名: a unit the notice gives no quota is refused its first nomination."""
    round_id = open_round(engine, {"CAST": 2})
    case_id = unit_nomination(engine, round_id, unit="ACFTU")
    with pytest.raises(TransitionRefused, match="within_quota"):
        _vet(engine, case_id)


def test_a_nomination_that_ends_frees_its_place_in_the_quota(engine: Engine) -> None:
    """An objection upheld (第十六条) ends a nomination: the unit may vet another in its place."""
    round_id = open_round(engine, {"CAST": 1})
    first = unit_nomination(engine, round_id, candidate_id="C0")
    _vet(engine, first)
    second = unit_nomination(engine, round_id, candidate_id="C1")
    with pytest.raises(TransitionRefused, match="within_quota"):
        _vet(engine, second)
    engine.fire(first, "objection_lodged", at=at("2024-12-11"))
    engine.fire(first, "objection_upheld", at=at("2024-12-13"))
    _vet(engine, second, "2024-12-13")
    assert engine.get(second).state == "publicity"


def test_an_experts_second_nomination_in_the_same_review_cycle_is_refused(engine: Engine) -> None:
    """第十七条: 每人每个评审周期可以提名1项 — E2 is in both groups."""
    round_id = open_round(engine)
    _vet(engine, expert_nomination(engine, round_id, _group(0), [candidate(0)]))
    second = expert_nomination(engine, round_id, _group(2), [candidate(1)])
    with pytest.raises(GuardFailed, match="one_nomination_per_cycle") as refused:
        _vet(engine, second)
    assert "第十七条" in str(refused.value)
    # a group without E2 is fine
    third = expert_nomination(engine, round_id, _group(3), [candidate(2)])
    _vet(engine, third)
    assert engine.get(third).state == "publicity"


def test_an_expert_whose_first_nomination_was_not_selected_may_nominate(engine: Engine) -> None:
    """A nomination never nominated (择优未予提名) does not use the expert's one item."""
    round_id = open_round(engine)
    first = expert_nomination(engine, round_id, _group(0), [candidate(0)])
    engine.fire(first, "not_selected", at=at("2024-12-10"))
    second = expert_nomination(engine, round_id, _group(0), [candidate(1)])
    _vet(engine, second)
    assert engine.get(second).state == "publicity"


@pytest.mark.parametrize(
    ("award_type", "ok"), [("natural_science", False), ("international", True)]
)
def test_a_candidate_is_nominated_once_a_year_for_the_three_awards(
    engine: Engine, award_type: str, ok: bool
) -> None:
    """第二十四条: C0 nominated for progress by CAST, then by experts for another award."""
    round_id = open_round(engine)
    _vet(engine, unit_nomination(engine, round_id, candidate_id="C0"))
    case_id = expert_nomination(engine, round_id, _group(0), [candidate(0)], award_type=award_type)
    if ok:
        _vet(engine, case_id)
        assert engine.get(case_id).state == "publicity"
    else:
        with pytest.raises(GuardFailed, match="not_twice_in_a_year"):
            _vet(engine, case_id)


def test_a_nominating_expert_is_no_candidate_the_same_year(engine: Engine) -> None:
    """第十八条: E1 is a candidate of CAST's nomination; a group with E1 is refused."""
    round_id = open_round(engine)
    _vet(engine, unit_nomination(engine, round_id, candidate_id="E1"))
    case_id = expert_nomination(engine, round_id, _group(0), [candidate(5)])
    with pytest.raises(GuardFailed, match="experts_not_candidates"):
        _vet(engine, case_id)


def _sanction(engine: Engine, person: str, sanctions: list[str], years: int, day: str) -> str:
    data = {
        "subject_id": person,
        "subject_kind": "candidate",
        "violation": "untrue_materials_art30",
    }
    case = engine.start("nomination-discipline", data, at=at(day, 8))
    engine.fire(case.id, "investigation_started", at=at(day, 9))
    payload = {"sanctions": sanctions, "years": years}
    engine.fire(case.id, "sanction_decided", payload, at=at(day, 10))
    return case.id


def test_a_blacklisted_persons_nomination_is_refused_citing_its_article(engine: Engine) -> None:
    """第二十三条第（二）项, 第三十二条: C7 entered in the serious-dishonesty database."""
    _sanction(engine, "C7", ["disqualification", "ban", "blacklist"], 5, "2023-06-05")
    round_id = open_round(engine)
    case_id = unit_nomination(engine, round_id, candidate_id="C7")
    with pytest.raises(GuardFailed, match="not_blacklisted") as refused:
        _vet(engine, case_id)
    assert "国科发奖〔2023〕225号 第二十三条第（二）项" in str(refused.value)
    assert "第三十二条" in str(refused.value)
    assert engine.get(case_id).state == "vetting"


@pytest.mark.parametrize(
    ("decided", "ok"),
    [("2022-12-09", True), ("2022-12-10", False), ("2022-12-11", False)],
)
def test_a_ban_of_two_years_is_in_force_through_its_last_day(
    engine: Engine, decided: str, ok: bool
) -> None:
    """第三十一条: banned 2 years from 2022-12-10 is banned on 2024-12-10, free on 12-11."""
    _sanction(engine, "C6", ["disqualification", "ban"], 2, decided)
    round_id = open_round(engine)
    case_id = unit_nomination(engine, round_id, candidate_id="C6")
    if ok:
        _vet(engine, case_id)
        assert engine.get(case_id).state == "publicity"
    else:
        with pytest.raises(GuardFailed, match="not_banned") as refused:
            _vet(engine, case_id)
        assert "第三十一条" in str(refused.value)


def test_the_answers_are_written_in_the_journal(engine: Engine) -> None:
    """The lookup's answer is journaled with the step that read it (replay needs no others)."""
    _sanction(engine, "C6", ["criticism"], 0, "2024-01-08")
    round_id = open_round(engine)
    case_id = unit_nomination(engine, round_id, candidate_id="C6")
    _vet(engine, case_id)
    entry = next(r.entry for r in engine.history(case_id) if r.entry.event == "vetting_completed")
    assert [hit["state"] for hit in entry.reads["lookup:sanctioned"]] == ["decided"]


def test_a_nomination_is_vetted_only_in_its_open_round(engine: Engine) -> None:
    """第十二条: not in the round of another year; not once the round closed at its deadline."""
    round_id = open_round(engine)
    other_year = unit_nomination(engine, round_id, candidate_id="C2", day="2025-01-06", year=2026)
    with pytest.raises(GuardFailed, match="in_an_open_round"):
        _vet(engine, other_year, "2025-01-07", "2025-01-09")
    late = unit_nomination(engine, round_id, candidate_id="C1", day="2025-01-06")
    _vet(engine, late, "2025-01-07", "2025-01-09")  # publicity ends by the deadline
    assert engine.get(late).state == "publicity"
    after = unit_nomination(engine, round_id, candidate_id="C3", day="2025-01-10")
    engine.tick(at("2025-01-11", 0))
    assert engine.get(round_id).state == "closed"
    with pytest.raises(GuardFailed, match="in_an_open_round"):
        _vet(engine, after, "2025-01-13", "2025-01-20")


def test_verify_replays_a_round_on_its_recorded_answers(engine: Engine) -> None:
    """Replay judges each step on what it read then: a ban decided later, a place freed
    later and the round closed since change nothing in the journals verify replays."""
    round_id = open_round(engine, {"CAST": 1})
    first = unit_nomination(engine, round_id, candidate_id="C0")
    _vet(engine, first)
    refused = unit_nomination(engine, round_id, candidate_id="C1")
    with pytest.raises(TransitionRefused, match="within_quota"):
        _vet(engine, refused)
    engine.fire(first, "objection_lodged", at=at("2024-12-11"))
    engine.fire(first, "objection_upheld", at=at("2024-12-13"))
    _sanction(engine, "C0", ["disqualification", "ban"], 3, "2024-12-16")  # after the vetting
    engine.tick(at("2025-01-11", 0))
    assert engine.get(round_id).state == "closed"
    assert engine.verify() > 0  # every case replayed, its reads from its own journal
    counted = [r.entry for r in engine.history(round_id) if r.entry.event == "nomination_counted"]
    assert len(counted) == 1 and "members:nomination" in counted[0].reads
