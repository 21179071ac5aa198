"""Signals in the pure runtime: the ranking rule, and a round of 1,000 children.

The rule (runtime/signals.py): competition ranking, ties share a rank, ``through`` is the
last position of the tie group, nulls last; a cap compared with ``through`` is never
exceeded, ties included.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from policyflow.definition.catalog import load
from policyflow.definition.loader import load_text
from policyflow.runtime import act, compile_process, start
from policyflow.runtime.plans import RankPlan
from policyflow.runtime.signals import rank

PANEL = Path(__file__).parents[1] / "engine" / "processes" / "panel"
CONVENED = datetime(2023, 10, 9, 10)
DECIDED = datetime(2023, 10, 16, 10)
BY_SCORE = (RankPlan("score", descending=True),)


def _items(*scores):
    return [{"id": f"c{i}", "score": s} for i, s in enumerate(scores)]


def test_ties_share_a_rank_and_through_is_the_last_place_of_the_tie():
    ranked = rank(_items(7, 9, 9, 5), BY_SCORE)
    assert [(i["id"], i["rank"], i["through"]) for i in ranked] == [
        ("c1", 1, 2),
        ("c2", 1, 2),
        ("c0", 3, 3),
        ("c3", 4, 4),
    ]


def test_nulls_rank_last_tied_among_themselves_in_either_order():
    for descending in (True, False):
        ranked = rank(_items(None, 3, None, 4), (RankPlan("score", descending),))
        assert [(i["id"], i["rank"], i["through"]) for i in ranked][2:] == [
            ("c0", 3, 4),
            ("c2", 3, 4),
        ]
    ascending = rank(_items(None, 3, None, 4), (RankPlan("score", False),))
    assert [i["id"] for i in ascending][:2] == ["c1", "c3"]


def test_a_second_key_breaks_the_ties_the_first_leaves():
    items = [
        {"id": "a", "score": 9, "filed": "2024-03-02"},
        {"id": "b", "score": 9, "filed": "2024-03-01"},
        {"id": "c", "score": 8, "filed": "2024-01-01"},
    ]
    ranked = rank(items, (*BY_SCORE, RankPlan("filed", descending=False)))
    assert [(i["id"], i["rank"], i["through"]) for i in ranked] == [
        ("b", 1, 1),
        ("a", 2, 2),
        ("c", 3, 3),
    ]


@pytest.mark.parametrize("cap", [8, 9, 10, 11, 12])
def test_forty_items_with_ties_at_the_cap_never_put_more_than_the_cap_in(cap):
    """Scores 40..9 with a tie of four at places 9–12: a cap inside the tie leaves it out whole."""
    scores = list(range(100, 108)) + [50] * 4 + list(range(10, 38))  # 8 + 4 + 28 = 40
    ranked = rank(_items(*scores), BY_SCORE)
    assert len(ranked) == 40
    admitted = [i for i in ranked if i["through"] <= cap]
    assert len(admitted) <= cap
    # at or above the tie's end (12) all twelve get in; inside it (9..11), only the first 8
    assert len(admitted) == (12 if cap >= 12 else 8)
    tie = [i for i in ranked if i["score"] == 50]
    assert {(i["rank"], i["through"]) for i in tie} == {(9, 12)}


class _Memory:
    """A family in memory: the cases by id (what the simulator's family does)."""

    def __init__(self, processes):
        self.processes = {p.id: p for p in processes}
        self.cases = {}

    def keep(self, outcome):
        for touched in outcome.cases:
            self.cases[touched.case_id] = (touched.compiled, touched.after)

    def parent(self, case_id):
        return self.cases[case_id]

    def case(self, case_id):
        return self.cases[case_id]

    def children(self, case_id, process_id):
        found = [
            (c, s)
            for c, s in self.cases.values()
            if s.parent_id == case_id and s.process_id == process_id
        ]
        return sorted(found, key=lambda found: (found[1].started_at, found[1].case_id))

    def members(self, cohort_id, process_id):
        return []

    def children_due(self, case_id, until):
        return iter(())

    def is_cohort(self, process_id):
        return False  # no members (above)

    def members_due(self, cohort_id, until):
        return iter(())

    def process(self, process_id):
        return self.processes[process_id]

    def new_id(self, parent_id, process_id, number):
        return f"{parent_id}.{number:05d}"


def test_a_round_of_a_thousand_children_ranks_and_broadcasts_to_each_once():
    """Its speed is measured by benchmarks/bench_round.py, not timed here (a loaded machine)."""
    panel = compile_process(load(PANEL / "main.yaml", root=PANEL.parent))
    reviewer = compile_process(load(PANEL / "reviewer.yaml", root=PANEL.parent))
    family = _Memory([panel, reviewer])
    reviewers = [{"person_id": f"P{i}", "score": i % 97} for i in range(1000)]
    opened = start(panel, "R", {"topic": "t", "reviewers": reviewers, "cap": 30}, at=CONVENED)
    family.cases["R"] = (panel, opened.snapshot)
    convened = act(family, panel, opened.snapshot, "convened", at=CONVENED)
    family.keep(convened)
    assert len(convened.cases) == 1001
    decided = act(family, panel, family.cases["R"][1], "decided", at=DECIDED)
    graded = [t.after for t in decided.cases if t.after.process_id == "panel.reviewer"]
    assert len(graded) == 1000 and {s.state for s in graded} == {"graded"}
    good = [s for s in graded if s.data["grade"] == "good"]
    # scores 96, 95 and 94 are ten reviewers each: ranks 1, 11 and 21, through 10, 20, 30
    assert len(good) == 30 and {s.data["rank"] for s in good} == {1, 11, 21}
    assert len({s.case_id for s in graded}) == 1000  # each reviewer signalled once


def _panel(old: str = "", new: str = ""):
    text = (PANEL / "main.yaml").read_text(encoding="utf-8").replace(old, new)
    panel = compile_process(load_text(text, PANEL / "main.yaml"))
    reviewer = compile_process(load(PANEL / "reviewer.yaml", root=PANEL.parent))
    return panel, _Memory([panel, reviewer])


def _round(panel, family, reviewers):
    opened = start(panel, "R", {"topic": "t", "reviewers": reviewers}, at=CONVENED)
    family.cases["R"] = (panel, opened.snapshot)
    family.keep(act(family, panel, opened.snapshot, "convened", at=CONVENED))
    return act(family, panel, family.cases["R"][1], "decided", at=DECIDED)


def test_a_where_that_cannot_be_evaluated_on_a_receiver_does_not_hold():
    """`c.score > 6` on a reviewer without a score fails in CEL: that reviewer is not sent to."""
    panel, family = _panel("c.state == 'reviewing'", "c.score > 6")
    reviewers = [{"person_id": "A", "score": 7}, {"person_id": "D"}, {"person_id": "E", "score": 5}]
    decided = _round(panel, family, reviewers)
    reached = [t.after for t in decided.cases if t.after.process_id == "panel.reviewer"]
    assert [(s.data["person_id"], s.state, s.data["rank"]) for s in reached] == [("A", "graded", 1)]


def test_for_each_over_an_absent_list_starts_no_child():
    """`reviewers` is optional: a panel convened without it has no reviewer."""
    panel, family = _panel()
    opened = start(panel, "R", {"topic": "t"}, at=CONVENED)
    convened = act(family, panel, opened.snapshot, "convened", at=CONVENED)
    assert [t.after.process_id for t in convened.cases] == ["panel"]
