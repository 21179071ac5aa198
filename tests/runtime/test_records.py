"""Record lists in the runtime: guards over the members present, and their assignment.

The meeting (tests/fixtures/ethics_meeting.yaml) follows 国科发监〔2023〕167号: at least five
members present, recused members not counted (第十四条); every category of 第七条 among
them; each present member a committee member in term (第七条); a decision needs two thirds
of those present (第十六条).
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from policyflow.definition.loader import load_text
from policyflow.errors import GuardFailed, InvalidPayload
from policyflow.runtime import apply, compile_process, start

MEETING = Path(__file__).parents[1] / "fixtures" / "ethics_meeting.yaml"
OPENED = datetime(2024, 3, 4, 9, 30)
CATEGORIES = ("science_peer", "ethics", "law", "other", "science_peer", "science_peer")


@pytest.fixture(scope="module")
def meeting():
    text = MEETING.read_text(encoding="utf-8")
    return compile_process(load_text(text, MEETING, process_id="ethics-meeting"))


def committee(count: int = 8, term_end: str | None = "2026-12-31"):
    return [
        {
            "member_id": f"M{i}",
            "category": CATEGORIES[i % len(CATEGORIES)],
            "term_start": "2023-12-01",
            "term_end": term_end if i else None,  # M0 has no end to the term
        }
        for i in range(count)
    ]


def present(count: int, recused: tuple[int, ...] = (), skip: tuple[str, ...] = ()):
    chosen = [i for i in range(8) if CATEGORIES[i % len(CATEGORIES)] not in skip][:count]
    return [
        {
            "member_id": f"M{i}",
            "category": CATEGORIES[i % len(CATEGORIES)],
            "gender": "female" if i % 2 else "male",
            "external": i % 3 == 0,
            **({"recused": True} if i in recused else {}),
        }
        for i in chosen
    ]


def open_meeting(meeting, people, members=None):
    started = start(meeting, "review-1", {"members": committee() if members is None else members},
                    at=datetime(2024, 3, 1, 10))  # fmt: skip
    return apply(meeting, started.snapshot, "meeting_opened", {"present": people}, at=OPENED)


def refused_by(meeting, people, members=None) -> str:
    with pytest.raises(GuardFailed) as caught:
        open_meeting(meeting, people, members)
    return str(caught.value)


def test_five_present_hold_a_meeting_and_the_records_are_stored(meeting):
    step = open_meeting(meeting, present(5))
    assert step.snapshot.state == "in_meeting"
    stored = step.snapshot.data["present"]
    assert [m["member_id"] for m in stored] == ["M0", "M1", "M2", "M3", "M4"]
    assert stored[1] == {"member_id": "M1", "category": "ethics", "gender": "female",
                         "external": False, "recused": False}  # fmt: skip


def test_four_present_are_no_quorum(meeting):
    assert "at least 5 members present" in refused_by(meeting, present(4))


def test_a_recused_member_does_not_count_towards_the_quorum(meeting):
    """Six present with one recused is five: enough; five with one recused is four: not."""
    assert open_meeting(meeting, present(6, recused=(4,))).snapshot.state == "in_meeting"
    assert "at least 5 members present" in refused_by(meeting, present(5, recused=(4,)))


def test_every_category_of_article_7_must_be_present(meeting):
    assert "include each category" in refused_by(meeting, present(5, skip=("law",)))
    # the law member present but recused does not cover the category
    words = refused_by(meeting, present(6, recused=(2,)))
    assert "include each category" in words and "at least 5" not in words


def test_a_member_out_of_term_may_not_sit(meeting):
    ended = committee(term_end="2024-03-03")  # the day before the meeting
    assert "committee member in term" in refused_by(meeting, present(5), members=ended)
    on_the_day = committee(term_end="2024-03-04")
    assert open_meeting(meeting, present(5), on_the_day).snapshot.state == "in_meeting"


def test_a_bad_record_in_the_payload_names_its_path(meeting):
    people = present(5)
    people[3]["category"] = "foo"
    with pytest.raises(InvalidPayload, match=r"present\[3\]\.category' expects one of"):
        open_meeting(meeting, people)


@pytest.mark.parametrize(("votes", "decided"), [(3, False), (4, True), (5, True)])
def test_a_decision_needs_two_thirds_of_those_present(meeting, votes, decided):
    """Six present, one recused: five count; 4 × 3 >= 5 × 2, 3 × 3 < 10."""
    step = open_meeting(meeting, present(6, recused=(5,)))
    if decided:
        after = apply(meeting, step.snapshot, "decided", {"votes_for": votes},
                      at=datetime(2024, 3, 4, 11))  # fmt: skip
        assert after.snapshot.state == "approved" and after.snapshot.data["votes_for"] == votes
    else:
        with pytest.raises(GuardFailed, match="two thirds"):
            apply(meeting, step.snapshot, "decided", {"votes_for": votes},
                  at=datetime(2024, 3, 4, 11))  # fmt: skip


def test_committee_terms_are_typed_dates(meeting):
    started = start(meeting, "review-2", {"members": committee(2)}, at=datetime(2024, 3, 1))
    [first, second] = started.snapshot.data["members"]
    assert first["term_end"] is None and second["term_end"] == date(2026, 12, 31)
    assert started.snapshot.data["present"] == ()  # the declared default


def test_a_computed_record_list_is_assigned_typed(meeting):
    """Records that went through CEL come back as typed records: a timestamp is a date again."""
    text = MEETING.read_text(encoding="utf-8").replace(
        "assign: {present: payload.present}",
        'assign: {present: "payload.present.filter(m, !m.recused)",'
        ' members: "members.filter(c, c.term_end != null)"}',
    )
    filtered = compile_process(load_text(text, MEETING, process_id="ethics-meeting"))
    started = start(filtered, "review-3", {"members": committee()}, at=datetime(2024, 3, 1))
    step = apply(filtered, started.snapshot, "meeting_opened",
                 {"present": present(6, recused=(5,))}, at=OPENED)  # fmt: skip
    assert [m["member_id"] for m in step.snapshot.data["present"]] == [f"M{i}" for i in range(5)]
    assert all(m["recused"] is False for m in step.snapshot.data["present"])
    kept = step.snapshot.data["members"]
    assert [m["member_id"] for m in kept] == [f"M{i}" for i in range(1, 8)]  # M0: no term end
    assert kept[0]["term_start"] == date(2023, 12, 1) and kept[0]["term_end"] == date(2026, 12, 31)
