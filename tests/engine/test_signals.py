"""Signals both ways in the engine, on a real SQLite file: a child signals its parent from a
non-final state, a parent broadcasts to its children (where, rank_by), and a receiver that
refuses undoes the sending step (an event refused whole; an expiry recorded overdue); a
member signals its cohort and the cohort its members.

The processes are tests/engine/processes/panel/ (main.yaml and reviewer.yaml). Dates by hand
on China's 2023 schedule: the panel convenes on Monday 9 October 2023; ten working days, the
start day not counted, end on Monday 23 October: the review limit has passed from
2023-10-24 00:00.
"""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import pytest

from policyflow.engine import Engine
from policyflow.errors import EventNotAllowed

PROCESSES = Path(__file__).parent / "processes"
OPENED = datetime(2023, 9, 28, 10)
CONVENED = datetime(2023, 10, 9, 10)
DECIDED = datetime(2023, 10, 16, 10)
PASSED = datetime(2023, 10, 24, 0, 0)

REVIEWERS = [
    {"person_id": "A", "score": 7},
    {"person_id": "B", "score": 9},
    {"person_id": "", "score": 1},  # no person: `when` leaves it out
    {"person_id": "C", "score": 9},
    {"person_id": "D"},  # no score: ranked last
    {"person_id": "E", "score": 5},
]


@pytest.fixture
def engine(sqlite_path):
    with Engine(str(sqlite_path), processes=PROCESSES) as opened:
        yield opened


def _convened(engine: Engine, cap: int = 2):
    panel = engine.start(
        "panel", {"topic": "评审", "reviewers": REVIEWERS, "cap": cap}, at=OPENED, actor="office"
    )
    panel = engine.fire(panel.id, "convened", at=CONVENED, actor="office")
    children = {c.data["person_id"]: c for c in engine.children(panel.id)}
    return panel, children


def test_for_each_starts_one_child_per_item_with_its_data(engine):
    """One reviewer per listed person; the item without a person is left out."""
    panel, _ = _convened(engine)
    started = engine.children(panel.id)
    assert sorted((c.data["person_id"], c.data.get("score")) for c in started) == [
        ("A", 7),
        ("B", 9),
        ("C", 9),
        ("D", None),
        ("E", 5),
    ]
    assert {c.state for c in started} == {"reviewing"}


def test_a_child_signals_its_parent_from_a_non_final_state(engine):
    """A conflict declared moves the reviewer to recused (not final) and counts on the panel."""
    panel, children = _convened(engine)
    reviewer = engine.fire(children["B"].id, "conflict_found", at=DECIDED, actor="B")
    assert reviewer.state == "recused"
    panel = engine.get(panel.id)
    assert (panel.state, panel.data["conflicts"], panel.version) == ("reviewing", 1, 3)
    last = engine.history(panel.id)[-1].entry
    assert (last.event, last.role, last.payload, last.at) == (
        "conflict_declared",
        "system",
        {"person": "B"},
        DECIDED,
    )


def test_a_parent_broadcasts_to_the_children_where_holds_in_rank_order(engine):
    """B and C tie at 9 (rank 1, through 2), A is 3rd, D (no score) last; E withdrew."""
    panel, children = _convened(engine)
    engine.fire(children["E"].id, "withdrew", at=DECIDED, actor="E")
    engine.fire(panel.id, "decided", at=DECIDED, actor="office")
    graded = {c.data["person_id"]: c for c in engine.children(panel.id)}
    assert {k: (c.state, c.data.get("rank"), c.data.get("grade")) for k, c in graded.items()} == {
        "A": ("graded", 3, "pass"),
        "B": ("graded", 1, "good"),
        "C": ("graded", 1, "good"),
        "D": ("graded", 4, "pass"),
        "E": ("withdrawn", None, None),  # where (c.state == 'reviewing') left it out
    }
    closing = engine.history(graded["B"].id)[-1].entry
    assert (closing.event, closing.role, closing.at) == ("round_closed", "system", DECIDED)


def test_a_tie_that_would_cross_the_cap_is_left_out_whole(engine):
    """With one place for 'good', B and C (tied for it) are both 'pass': never two for one."""
    panel, _ = _convened(engine, cap=1)
    engine.fire(panel.id, "decided", at=DECIDED, actor="office")
    grades = {c.data["person_id"]: c.data["grade"] for c in engine.children(panel.id)}
    assert grades == {"A": "pass", "B": "pass", "C": "pass", "D": "pass", "E": "pass"}


def _refusing(tmp_path: Path) -> Path:
    """The panel with a `where` that also reaches a withdrawn reviewer, who refuses."""
    folder = tmp_path / "processes" / "panel"
    shutil.copytree(PROCESSES / "panel", folder)
    main = folder / "main.yaml"
    text = main.read_text(encoding="utf-8")
    main.write_text(text.replace("c.state == 'reviewing'", "c.state != 'graded'"), "utf-8")
    return folder.parent


def test_a_receiver_that_refuses_undoes_the_sending_event(tmp_path):
    """A withdrawn reviewer cannot take round_closed: the decision is refused, nothing written."""
    with Engine(str(tmp_path / "refuse.db"), processes=_refusing(tmp_path)) as engine:
        panel, children = _convened(engine)
        engine.fire(children["E"].id, "withdrew", at=DECIDED, actor="E")
        before = {c.id: (c.state, c.version) for c in engine.children(panel.id)}
        journals = {c: len(engine.history(c)) for c in [panel.id, *before]}
        with pytest.raises(EventNotAllowed, match=children["E"].id):
            engine.fire(panel.id, "decided", at=DECIDED, actor="office")
        assert (engine.get(panel.id).state, engine.get(panel.id).version) == ("reviewing", 2)
        assert {c.id: (c.state, c.version) for c in engine.children(panel.id)} == before
        assert {c: len(engine.history(c)) for c in journals} == journals


def test_an_expiry_whose_signal_is_refused_is_recorded_overdue(tmp_path):
    """The review limit fires `decided`; a receiver refuses it: the deadline is overdue."""
    with Engine(str(tmp_path / "expiry.db"), processes=_refusing(tmp_path)) as engine:
        panel, children = _convened(engine)
        engine.fire(children["E"].id, "withdrew", at=DECIDED, actor="E")
        engine.tick(now=PASSED)
        panel = engine.get(panel.id)
        assert (panel.state, panel.snapshot.overdue) == ("reviewing", True)
        assert panel.snapshot.timer("review_limit").status == "overdue"
        assert {c.state for c in engine.children(panel.id)} == {"reviewing", "withdrawn"}


def test_an_expiry_that_signals_reaches_every_child(engine):
    """Without a refusal the same expiry decides the panel and grades each reviewer."""
    panel, _ = _convened(engine)
    engine.tick(now=PASSED)
    assert engine.get(panel.id).state == "decided"
    assert {c.state for c in engine.children(panel.id)} == {"graded"}
    entry = engine.history(panel.id)[-1].entry
    assert (entry.event, entry.automatic) == ("decided", True)


ROUND = """\
id: sig-round
title: {zh: 评审轮次, en: Round}
fields:
  - {id: counted, zh: 已计数, en: Counted, type: int, required: false, default: 0}
events:
  - id: nomination_counted
    zh: 计入提名
    en: Nomination counted
    payload: [{id: unit, zh: 单位, en: Unit, type: str}]
  - {id: closed, zh: 结束, en: Closed}
states:
  - {id: open, zh: 进行中, en: Open, initial: true, basis: "示例办法 第一条"}
  - {id: closed, zh: 已结束, en: Closed, final: true, basis: "示例办法 第二条"}
transitions:
  - {id: count, zh: 计数, en: Count, event: nomination_counted, from: open,
     assign: {counted: counted + 1}, basis: "示例办法 第一条"}
  - id: close
    zh: 结束
    en: Close
    event: closed
    from: open
    to: closed
    basis: "示例办法 第二条"
    signal:
      to: members
      process: sig-nomination
      event: round_closed
      where: "c.state == 'cleared'"
      rank_by: [{field: score}]
      payload: {grade: "c.through <= 1 ? 'first' : 'other'"}
"""

NOMINATION = """\
id: sig-nomination
title: {zh: 提名, en: Nomination}
fields:
  - {id: unit, zh: 单位, en: Unit, type: str}
  - {id: score, zh: 得分, en: Score, type: int}
  - {id: round_id, zh: 轮次, en: Round, type: str}
  - {id: grade, zh: 等次, en: Grade, type: str, required: false}
cohort: {process: sig-round, field: round_id}
events:
  - {id: cleared, zh: 通过形式审查, en: Cleared}
  - id: round_closed
    zh: 轮次结束
    en: Round closed
    payload: [{id: grade, zh: 等次, en: Grade, type: str}]
states:
  - {id: submitted, zh: 已提交, en: Submitted, initial: true, basis: "示例办法 第一条"}
  - {id: cleared, zh: 已通过, en: Cleared, basis: "示例办法 第一条"}
  - {id: graded, zh: 已评定, en: Graded, final: true, basis: "示例办法 第二条"}
transitions:
  - id: clear
    zh: 通过
    en: Clear
    event: cleared
    from: submitted
    to: cleared
    basis: "示例办法 第一条"
    signal: {to: cohort, event: nomination_counted, payload: {unit: unit}}
  - {id: grade, zh: 评定, en: Grade, event: round_closed, from: cleared, to: graded,
     assign: {grade: payload.grade}, basis: "示例办法 第二条"}
"""


def test_a_member_signals_its_cohort_and_the_cohort_its_members(tmp_path):
    """Clearing counts on the round (to: cohort); closing grades the cleared (to: members)."""
    processes = tmp_path / "processes"
    processes.mkdir()
    (processes / "sig-round.yaml").write_text(ROUND, encoding="utf-8")
    (processes / "sig-nomination.yaml").write_text(NOMINATION, encoding="utf-8")
    with Engine(str(tmp_path / "cohort.db"), processes=processes) as engine:
        round_ = engine.start("sig-round", {}, at=OPENED)
        ids = {
            unit: engine.start(
                "sig-nomination", {"unit": unit, "score": score, "round_id": round_.id}, at=OPENED
            ).id
            for unit, score in (("U1", 5), ("U2", 8), ("U3", 9))
        }
        engine.fire(ids["U1"], "cleared", at=CONVENED)
        engine.fire(ids["U2"], "cleared", at=CONVENED)
        assert engine.get(round_.id).data["counted"] == 2
        counted = [e.entry for e in engine.history(round_.id)[1:]]
        assert [(e.payload["unit"], e.role) for e in counted] == [
            ("U1", "system"),
            ("U2", "system"),
        ]
        engine.fire(round_.id, "closed", at=DECIDED)
        found = {unit: engine.get(case_id) for unit, case_id in ids.items()}
        assert {u: (c.state, c.data.get("grade")) for u, c in found.items()} == {
            "U1": ("graded", "other"),
            "U2": ("graded", "first"),
            "U3": ("submitted", None),  # not cleared: where leaves it out, highest score or not
        }


def test_children_started_at_one_instant_are_listed_in_start_order(engine):
    """Twelve reviewers started by one act share their instant: they are listed (and so read
    and signalled) in the order the list gives them, as the simulator lists them, not in the
    order of random ids."""
    persons = [f"P{n:02d}" for n in range(12)]
    reviewers = [{"person_id": person, "score": n} for n, person in enumerate(persons)]
    panel = engine.start(
        "panel", {"topic": "评审", "reviewers": reviewers}, at=OPENED, actor="office"
    )
    panel = engine.fire(panel.id, "convened", at=CONVENED, actor="office")
    started = engine.children(panel.id)
    assert len({c.id for c in started}) == 12
    assert [c.data["person_id"] for c in started] == persons
