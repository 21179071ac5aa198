"""Reads of other cases: children(), parent, lookup(), journaled and replayed (runtime/reads.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from policyflow.definition.loader import load_text
from policyflow.errors import GuardFailed, InvalidInput, JournalTampered
from policyflow.runtime import act, compile_process, start, transition
from policyflow.runtime.compiled import CompiledProcess
from policyflow.runtime.journal import JournalEntry
from policyflow.runtime.reads import decode, encode
from policyflow.runtime.relations import LookupHit, LookupQuery
from policyflow.runtime.replay import replay
from policyflow.runtime.snapshot import CaseSnapshot
from policyflow.sim.population_index import PopulationIndex

BASIS = "国家科学技术奖励条例 第十二条"

ROUND = f"""\
title: {{zh: 评审轮次, en: Review round}}
fields:
  - {{id: quota, zh: 名额, en: Quota, type: int}}
events:
  - {{id: conclude, zh: 结束, en: Conclude}}
states:
  - {{id: open, zh: 开放, en: Open, initial: true, basis: {BASIS}}}
  - {{id: concluded, zh: 结束, en: Concluded, final: true, basis: {BASIS}}}
transitions:
  - id: conclude
    zh: 结束
    en: Conclude
    event: conclude
    from: open
    to: concluded
    guard:
      id: three_approved
      zh: 三项通过
      en: Three reviews approved
      when: "children('review').filter(c, c.state == 'approved').size() >= 3"
      basis: {BASIS}
    basis: {BASIS}
"""

REVIEW = f"""\
title: {{zh: 评审, en: Review}}
fields:
  - {{id: rank, zh: 名次, en: Rank, type: int}}
events:
  - {{id: approve, zh: 通过, en: Approve}}
states:
  - {{id: pending, zh: 待审, en: Pending, initial: true, basis: {BASIS}}}
  - {{id: approved, zh: 通过, en: Approved, final: true, basis: {BASIS}}}
transitions:
  - id: approve
    zh: 通过
    en: Approve
    event: approve
    from: pending
    to: approved
    guard:
      id: within_quota
      zh: 名额内
      en: Within the round's quota
      when: "parent != null && rank <= parent.quota"
      basis: {BASIS}
    basis: {BASIS}
"""

DISCIPLINE = f"""\
title: {{zh: 提名纪律处理, en: Nomination discipline}}
fields:
  - {{id: person_id, zh: 人员, en: Person, type: str}}
  - {{id: banned_until, zh: 禁止至, en: Banned until, type: date, required: false}}
keys:
  person: person_id
events:
  - {{id: close, zh: 结案, en: Close}}
states:
  - {{id: open, zh: 立案, en: Open, initial: true, basis: {BASIS}}}
  - {{id: closed, zh: 结案, en: Closed, final: true, basis: {BASIS}}}
transitions:
  - {{id: close, zh: 结案, en: Close, event: close, from: open, to: closed, basis: {BASIS}}}
"""

NOMINATION = f"""\
title: {{zh: 提名, en: Nomination}}
fields:
  - {{id: candidate_id, zh: 候选人, en: Candidate, type: str}}
lookups:
  - id: banned
    zh: 禁止提名期内
    en: A ban on nomination in force
    process: discipline
    match: {{person: candidate_id}}
    states: closed
    since: "before(today, '5y')"
    read: [banned_until]
    basis: {BASIS}
events:
  - {{id: submit, zh: 提交, en: Submit}}
states:
  - {{id: draft, zh: 草稿, en: Draft, initial: true, basis: {BASIS}}}
  - {{id: submitted, zh: 已提交, en: Submitted, final: true, basis: {BASIS}}}
transitions:
  - id: submit
    zh: 提交
    en: Submit
    event: submit
    from: draft
    to: submitted
    guard:
      id: not_banned
      zh: 不在禁止期
      en: No ban in force
      when: "lookup('banned').size() == 0"
      basis: {BASIS}
    basis: {BASIS}
"""

T0 = datetime(2026, 3, 2, 9)
Pair = tuple[CompiledProcess, CaseSnapshot]


@pytest.fixture(scope="module")
def processes() -> dict[str, CompiledProcess]:
    texts = {"round": ROUND, "review": REVIEW, "discipline": DISCIPLINE, "nomination": NOMINATION}
    return {pid: compile_process(load_text(text, process_id=pid)) for pid, text in texts.items()}


class Cases:
    """A family kept in a dict: every case as it stands, read by a plain scan."""

    def __init__(self, processes: dict[str, CompiledProcess]) -> None:
        self.processes = processes
        self.cases: dict[str, CaseSnapshot] = {}
        self.entered: dict[str, datetime] = {}

    def keep(self, snapshot: CaseSnapshot, entered: datetime | None = None) -> CaseSnapshot:
        self.cases[snapshot.case_id] = snapshot
        self.entered[snapshot.case_id] = entered or snapshot.updated_at
        return snapshot

    def _pair(self, case_id: str) -> tuple[CompiledProcess, CaseSnapshot]:
        snapshot = self.cases[case_id]
        return self.processes[snapshot.process_id], snapshot

    def parent(self, case_id: str) -> tuple[CompiledProcess, CaseSnapshot]:
        return self._pair(case_id)

    def case(self, case_id: str) -> tuple[CompiledProcess, CaseSnapshot]:
        return self._pair(case_id)

    def children(self, case_id: str, process_id: str) -> list[tuple[CompiledProcess, CaseSnapshot]]:
        found = [
            s for s in self.cases.values() if s.parent_id == case_id and s.process_id == process_id
        ]
        return [self._pair(s.case_id) for s in sorted(found, key=lambda s: s.started_at)]

    def members(
        self, cohort_id: str, process_id: str
    ) -> list[tuple[CompiledProcess, CaseSnapshot]]:
        return []

    def lookup(self, query: LookupQuery) -> Sequence[LookupHit]:
        hits = []
        for snapshot in self.cases.values():
            compiled = self.processes[snapshot.process_id]
            if snapshot.process_id != query.process_id or snapshot.case_id == query.exclude:
                continue
            keys = compiled.keys_of(snapshot)
            if not all(any((k, v) in keys for v in values) for k, values in query.match):
                continue
            entered = self.entered[snapshot.case_id]
            if query.states and snapshot.state not in query.states:
                continue
            if query.since is not None and entered < query.since:
                continue
            shown = {k: snapshot.data[k] for k in query.read if snapshot.data.get(k) is not None}
            hits.append(
                LookupHit(snapshot.case_id, snapshot.state, entered, compiled.dump_data(shown))
            )
        return sorted(hits, key=lambda hit: hit.order)

    def children_due(
        self, case_id: str, until: datetime
    ) -> list[tuple[CompiledProcess, CaseSnapshot]]:
        return []

    def is_cohort(self, process_id: str) -> bool:
        return False  # no members (above)

    def members_due(
        self, cohort_id: str, until: datetime
    ) -> list[tuple[CompiledProcess, CaseSnapshot]]:
        return []

    def process(self, process_id: str) -> CompiledProcess:
        return self.processes[process_id]

    def new_id(self, parent_id: str, process_id: str, number: int) -> str:
        return f"{parent_id}.{number + 1}"


def _round_with_reviews(processes, family: Cases, approved: int, pending: int = 1) -> CaseSnapshot:
    the_round = family.keep(start(processes["round"], "R-1", {"quota": 9}, at=T0).snapshot)
    review = processes["review"]
    for number in range(approved + pending):
        child = start(review, f"R-1.{number + 1}", {"rank": 1}, at=T0, parent_id="R-1").snapshot
        if number < approved:
            child = transition(
                review, child, "approve", None, at=T0, relations=_Live(family)
            ).snapshot
        family.keep(child)
    return the_round


def _Live(family: Cases):
    from policyflow.runtime.reads import Live

    return Live(family)


@pytest.mark.parametrize(("approved", "concludes"), [(2, False), (3, True), (4, True)])
def test_a_guard_counts_the_children_in_a_state(processes, approved, concludes):
    family = Cases(processes)
    the_round = _round_with_reviews(processes, family, approved)
    at = datetime(2026, 3, 3, 9)
    if not concludes:
        with pytest.raises(GuardFailed, match="Three reviews approved"):
            act(family, processes["round"], the_round, "conclude", at=at)
        return
    outcome = act(family, processes["round"], the_round, "conclude", at=at)
    assert outcome.step.snapshot.state == "concluded"
    read = outcome.step.entry.reads["children:review"]
    assert [item["state"] for item in read].count("approved") == approved
    assert [item["id"] for item in read] == [f"R-1.{n + 1}" for n in range(approved + 1)]


@pytest.mark.parametrize(("quota", "approves"), [(1, False), (2, True), (3, True)])
def test_a_child_reads_its_parent_field(processes, quota, approves):
    family = Cases(processes)
    family.keep(start(processes["round"], "R-1", {"quota": quota}, at=T0).snapshot)
    review = processes["review"]
    child = start(review, "R-1.1", {"rank": 2}, at=T0, parent_id="R-1").snapshot
    if not approves:
        with pytest.raises(GuardFailed, match="Within the round's quota"):
            act(family, review, child, "approve", at=T0)
        return
    step = act(family, review, child, "approve", at=T0).step
    assert step.snapshot.state == "approved"
    assert step.entry.reads["parent"]["quota"] == quota
    assert step.entry.reads["parent"]["id"] == "R-1"


def test_a_parent_that_is_not_there_reads_as_null(processes):
    family = Cases(processes)
    review = processes["review"]
    child = start(review, "lonely", {"rank": 1}, at=T0).snapshot
    with pytest.raises(GuardFailed):
        act(family, review, child, "approve", at=T0)


def test_reads_without_a_family_are_refused_by_name(processes):
    review = processes["review"]
    child = start(review, "R-1.1", {"rank": 1}, at=T0, parent_id="R-1").snapshot
    with pytest.raises(InvalidInput, match="read parent, and no family"):
        transition(review, child, "approve", None, at=T0)


# --- lookups: the five-year ban, at its boundary on real dates --------------------------

SUBMIT_AT = datetime(2028, 6, 15, 10)  # before(2028-06-15, '5y') is 2023-06-15


def _banned_family(processes, closed_at: datetime) -> Cases:
    family = Cases(processes)
    discipline = processes["discipline"]
    case = start(
        discipline, "D-1", {"person_id": "P-7", "banned_until": "2026-06-14"}, at=closed_at
    ).snapshot
    case = transition(discipline, case, "close", None, at=closed_at).snapshot
    family.keep(case, entered=closed_at)
    family.keep(start(discipline, "D-2", {"person_id": "P-8"}, at=closed_at).snapshot)
    return family


@pytest.mark.parametrize(
    ("closed_at", "banned"),
    [
        (datetime(2023, 6, 14, 9), False),  # five years and a day before: the ban is spent
        (datetime(2023, 6, 15, 9), True),  # exactly five years before: still counted
        (datetime(2023, 6, 16, 9), True),  # a day less than five years
    ],
)
def test_a_lookup_since_five_years_at_its_boundary(processes, closed_at, banned):
    family = _banned_family(processes, closed_at)
    nomination = processes["nomination"]
    case = start(nomination, "N-1", {"candidate_id": "P-7"}, at=SUBMIT_AT).snapshot
    if banned:
        with pytest.raises(GuardFailed, match="No ban in force"):
            act(family, nomination, case, "submit", at=SUBMIT_AT)
        return
    step = act(family, nomination, case, "submit", at=SUBMIT_AT).step
    assert step.snapshot.state == "submitted"
    assert step.entry.reads == {"lookup:banned": []}


def test_a_lookup_hit_carries_id_state_entered_and_the_fields_read(processes):
    closed_at = datetime(2024, 1, 8, 9)
    family = _banned_family(processes, closed_at)
    nomination = processes["nomination"]
    case = start(nomination, "N-1", {"candidate_id": "P-7"}, at=SUBMIT_AT).snapshot
    reads = nomination_reads(family, nomination, case)
    assert reads == [
        {
            "id": "D-1",
            "state": "closed",
            "entered": {"$t": "2024-01-08T09:00:00"},
            "banned_until": {"$t": "2026-06-14T00:00:00"},
        }
    ]


def nomination_reads(family: Cases, nomination: CompiledProcess, case: CaseSnapshot):
    from policyflow.runtime.reads import Live
    from policyflow.runtime.scope import scope

    variables = scope(case.data, None, SUBMIT_AT.date(), case.state)
    return Live(family).read("lookup:banned", nomination, case, variables)


def test_a_lookup_never_finds_the_asking_case(processes):
    family = Cases(processes)
    discipline = processes["discipline"]
    mine = family.keep(start(discipline, "D-1", {"person_id": "P-7"}, at=T0).snapshot)
    query = LookupQuery("discipline", (("person", ("P-7",)),), exclude=mine.case_id)
    assert family.lookup(query) == []
    assert family.lookup(query._replace(exclude="")) != []


# --- the simulator's index answers as the runtime's family does -----------------------


def test_the_population_index_answers_as_a_plain_scan(processes):
    family = Cases(processes)
    index = PopulationIndex()
    discipline = processes["discipline"]
    moments = [datetime(2023, 6, 14, 9), datetime(2023, 6, 15, 9), datetime(2023, 6, 16, 9)]
    for number, at in enumerate(moments * 2):
        person = "P-7" if number < 3 else "P-8"
        case = start(discipline, f"D-{number}", {"person_id": person}, at=at).snapshot
        index.put(discipline, case)
        if number % 2 == 0:
            case = transition(discipline, case, "close", None, at=at).snapshot
            index.put(discipline, case)
        family.keep(case, entered=at)
    queries = [
        LookupQuery("discipline", (("person", ("P-7",)),)),
        LookupQuery("discipline", (("person", ("P-7", "P-8")),), ("closed",)),
        LookupQuery("discipline", (("person", ("P-7", "P-8")),), (), datetime(2023, 6, 15)),
        LookupQuery("discipline", (("person", ("P-7",)),), ("closed",), datetime(2023, 6, 15)),
        LookupQuery("discipline", (("person", ("P-9",)),)),
        LookupQuery("discipline", (("person", ("P-7",)),), exclude="D-1"),
    ]
    for query in queries:
        assert index.lookup(query) == family.lookup(query), query
    # (entered, id) order: D-1 and D-4 entered on 15 June, D-2 and D-5 on the 16th
    assert [hit.case_id for hit in index.lookup(queries[2])] == ["D-1", "D-4", "D-2", "D-5"]


def test_the_population_index_keeps_the_instant_a_case_entered_its_state(processes):
    index = PopulationIndex()
    discipline = processes["discipline"]
    case = start(discipline, "D-1", {"person_id": "P-7"}, at=T0).snapshot
    index.put(discipline, case)
    later = T0.replace(day=T0.day + 1)
    index.put(discipline, case._replace(updated_at=later))  # the same state: still T0
    [hit] = index.lookup(LookupQuery("discipline", (("person", ("P-7",)),)))
    assert hit.entered == T0


# --- replay: the recorded reads, never the other cases as they are now ------------------


def _round_journal(processes, reads) -> list[JournalEntry]:
    first = start(processes["round"], "R-1", {"quota": 9}, at=T0).entry
    conclude = JournalEntry(
        2,
        "conclude",
        "open",
        "concluded",
        datetime(2026, 3, 3, 9),
        None,
        {},
        BASIS,
        reads=reads,
    )
    return [first, conclude]


def _items(states: list[str]) -> list[dict[str, object]]:
    return [{"id": f"R-1.{n + 1}", "state": s, "rank": 1} for n, s in enumerate(states)]


def test_replay_takes_the_recorded_reads_whatever_the_children_are_now(processes):
    family = Cases(processes)
    _round_with_reviews(processes, family, approved=3)
    outcome = act(family, processes["round"], family.cases["R-1"], "conclude", at=T0)
    recorded = outcome.step.entry.reads
    # the children change afterwards: none is approved any more
    for child_id in ("R-1.1", "R-1.2", "R-1.3"):
        family.cases[child_id] = family.cases[child_id]._replace(state="pending")
    entries = [start(processes["round"], "R-1", {"quota": 9}, at=T0).entry, outcome.step.entry]
    replayed = replay(processes["round"], "R-1", None, entries)
    assert replayed.state == "concluded"
    assert recorded["children:review"][0]["state"] == "approved"


def test_replay_of_a_hand_made_entry_follows_its_reads(processes):
    enough = _round_journal(processes, {"children:review": _items(["approved"] * 3)})
    assert replay(processes["round"], "R-1", None, enough).state == "concluded"
    short = _round_journal(processes, {"children:review": _items(["approved"] * 2)})
    with pytest.raises(JournalTampered, match="does not replay"):
        replay(processes["round"], "R-1", None, short)


def test_replay_refuses_an_entry_that_recorded_no_read(processes):
    entries = _round_journal(processes, {})
    with pytest.raises(JournalTampered, match="records no read of 'children:review'"):
        replay(processes["round"], "R-1", None, entries)


def test_recorded_values_round_trip_through_json():
    value = [{"id": "x", "on": datetime(2023, 5, 1, tzinfo=UTC), "n": [1, "a", None]}]
    assert encode(value) == [{"id": "x", "on": {"$t": "2023-05-01T00:00:00"}, "n": [1, "a", None]}]
    assert decode(encode(value)) == value


# --- the cascade's own cases are read as they now stand -------------------------------

SIGNALLING_ROUND = (
    ROUND.replace(
        "  - {id: conclude, zh: 结束, en: Conclude}",
        "  - {id: conclude, zh: 结束, en: Conclude}\n"
        "  - {id: review_done, zh: 评审完成, en: Review done}",
    )
    + f"""\
  - id: review_counted
    zh: 计数
    en: Count a review
    event: review_done
    from: open
    to: concluded
    guard:
      id: two_approved
      zh: 两项通过
      en: Two reviews approved
      when: "children('review').filter(c, c.state == 'approved').size() >= 2"
      basis: {BASIS}
    basis: {BASIS}
  - {{id: review_noted, zh: 记录, en: Note a review, event: review_done, from: open,
     basis: {BASIS}}}
"""
)

SIGNALLING_REVIEW = REVIEW + "on_final: {signal_parent: {event: review_done}}\n"


def test_a_parent_answering_a_signal_sees_the_child_as_the_act_left_it():
    processes = {
        "round": compile_process(load_text(SIGNALLING_ROUND, process_id="round")),
        "review": compile_process(load_text(SIGNALLING_REVIEW, process_id="review")),
    }
    family = Cases(processes)
    family.keep(start(processes["round"], "R-1", {"quota": 9}, at=T0).snapshot)
    review = processes["review"]
    first = start(review, "R-1.1", {"rank": 1}, at=T0, parent_id="R-1").snapshot
    family.keep(first._replace(state="approved"))
    second = family.keep(start(review, "R-1.2", {"rank": 1}, at=T0, parent_id="R-1").snapshot)
    # the family still holds as pending; the cascade holds it approved
    outcome = act(family, review, second, "approve", at=T0)
    touched = {t.case_id: t for t in outcome.cases}
    [answer] = touched["R-1"].steps
    assert answer.snapshot.state == "concluded"
    read = answer.entry.reads["children:review"]
    assert [(item["id"], item["state"]) for item in read] == [
        ("R-1.1", "approved"),
        ("R-1.2", "approved"),
    ]


# --- cohort and members: through the @cohort key -----------------------------------------

COHORT_ROUND = f"""\
title: {{zh: 提名轮次, en: Nomination round}}
fields:
  - {{id: cap, zh: 上限, en: Cap, type: int}}
events:
  - {{id: close, zh: 截止, en: Close}}
states:
  - {{id: open, zh: 开放, en: Open, initial: true, basis: {BASIS}}}
  - {{id: closed, zh: 截止, en: Closed, final: true, basis: {BASIS}}}
transitions:
  - id: close
    zh: 截止
    en: Close
    event: close
    from: open
    to: closed
    guard:
      id: some_nominated
      zh: 已有提名
      en: Two nominations in the round
      when: "members('entry').size() >= 2"
      basis: {BASIS}
    basis: {BASIS}
"""

COHORT_ENTRY = f"""\
title: {{zh: 提名, en: Entry}}
fields:
  - {{id: round_id, zh: 轮次, en: Round, type: str}}
cohort: {{process: cohort-round, field: round_id}}
events:
  - {{id: submit, zh: 提交, en: Submit}}
states:
  - {{id: draft, zh: 草稿, en: Draft, initial: true, basis: {BASIS}}}
  - {{id: submitted, zh: 已提交, en: Submitted, final: true, basis: {BASIS}}}
transitions:
  - id: submit
    zh: 提交
    en: Submit
    event: submit
    from: draft
    to: submitted
    guard:
      id: round_open
      zh: 轮次开放
      en: The round is open
      when: "cohort != null && cohort.state == 'open' && cohort.cap > 0"
      basis: {BASIS}
    basis: {BASIS}
"""


class Cohorts(Cases):
    """The family above, with members found through a population index."""

    def __init__(self, processes: dict[str, CompiledProcess]) -> None:
        super().__init__(processes)
        self.index = PopulationIndex()

    def keep(self, snapshot: CaseSnapshot, entered: datetime | None = None) -> CaseSnapshot:
        self.index.put(self.processes[snapshot.process_id], snapshot, entered)
        return super().keep(snapshot, entered)

    def members(self, cohort_id: str, process_id: str) -> list[Pair]:
        return list(self.index.members(cohort_id, process_id))

    def is_cohort(self, process_id: str) -> bool:
        return self.index.is_cohort(process_id)

    def members_due(self, cohort_id: str, until: datetime) -> list[Pair]:
        cohort = self.cases[cohort_id]
        return list(self.index.members_due(cohort_id, cohort.process_id, until))


@pytest.fixture(scope="module")
def cohort_processes() -> dict[str, CompiledProcess]:
    return {
        "cohort-round": compile_process(load_text(COHORT_ROUND, process_id="cohort-round")),
        "entry": compile_process(load_text(COHORT_ENTRY, process_id="entry")),
    }


def test_keys_of_gives_the_cohort_row(cohort_processes):
    entry = cohort_processes["entry"]
    case = start(entry, "E-1", {"round_id": "RND-1"}, at=T0).snapshot
    assert entry.keys_of(case) == (("@cohort", "RND-1"),)


@pytest.mark.parametrize(("entries", "closes"), [(1, False), (2, True), (3, True)])
def test_a_cohort_counts_its_members(cohort_processes, entries, closes):
    family = Cohorts(cohort_processes)
    the_round = family.keep(
        start(cohort_processes["cohort-round"], "RND-1", {"cap": 5}, at=T0).snapshot
    )
    entry = cohort_processes["entry"]
    for number in range(entries):
        family.keep(start(entry, f"E-{number}", {"round_id": "RND-1"}, at=T0).snapshot)
    family.keep(start(entry, "E-other", {"round_id": "RND-2"}, at=T0).snapshot)
    if not closes:
        with pytest.raises(GuardFailed, match="Two nominations in the round"):
            act(family, cohort_processes["cohort-round"], the_round, "close", at=T0)
        return
    step = act(family, cohort_processes["cohort-round"], the_round, "close", at=T0).step
    assert step.snapshot.state == "closed"
    assert [m["id"] for m in step.entry.reads["members:entry"]] == [
        f"E-{n}" for n in range(entries)
    ]


def test_a_member_reads_its_cohort(cohort_processes):
    family = Cohorts(cohort_processes)
    family.keep(start(cohort_processes["cohort-round"], "RND-1", {"cap": 5}, at=T0).snapshot)
    entry = cohort_processes["entry"]
    mine = family.keep(start(entry, "E-1", {"round_id": "RND-1"}, at=T0).snapshot)
    step = act(family, entry, mine, "submit", at=T0).step
    assert step.entry.reads["cohort"]["id"] == "RND-1"
    lost = family.keep(start(entry, "E-2", {"round_id": "RND-9"}, at=T0).snapshot)
    family.cases["RND-9"] = family.cases["RND-1"]._replace(case_id="RND-9", state="closed")
    with pytest.raises(GuardFailed, match="The round is open"):
        act(family, entry, lost, "submit", at=T0)


def test_the_reads_a_step_needs_include_its_signal_and_its_deadlines():
    from policyflow.runtime.reads import needed

    signalling = REVIEW.replace('"parent != null && rank <= parent.quota"', '"rank > 0"') + (
        'on_final: {signal_parent: {event: review_done, payload: {left: "cohort == null"}}}\n'
        "cohort: {process: round, field: batch}\n"
    )
    signalling = signalling.replace(
        "  - {id: rank, zh: 名次, en: Rank, type: int}",
        "  - {id: rank, zh: 名次, en: Rank, type: int}\n"
        "  - {id: batch, zh: 批次, en: Batch, type: str, required: false}",
    )
    compiled = compile_process(load_text(signalling, process_id="review"))
    assert needed(compiled, "pending", "approve") == ("cohort",)
    unrelated = REVIEW.replace('"parent != null && rank <= parent.quota"', '"rank <= 9"')
    plain = compile_process(load_text(unrelated, process_id="review"))
    assert needed(plain, "pending", "approve") == ()
