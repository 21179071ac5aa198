"""Guarded events per second: policyflow's pure runtime against python-statemachine and transitions.

The same two-state machine in all three, in one run, on one core:

* ``submit`` (open → review), guarded by "a legal person's budget of ¥1,000,000.00 or
  more" (科学技术部令第20号 第四十一条-style threshold, ``以上`` inclusive), and
* ``withdraw`` (review → open), guarded by "not yet decided".

In policyflow, ``submit`` also starts a 20-working-day deadline on the 2023 calendar
(a due date from legaltime) and ``withdraw`` cancels it, with the journal entry, timer
changes and a new frozen snapshot per event. python-statemachine 3.2.2 and transitions
0.9.3 run the same machine with their guards as Python callables and no deadline.

Two policyflow figures: the same data on every event (the guard's CEL result is
memoised on the values it reads) and a different budget on every event from a pool of
50,000 (the memo misses: CEL evaluates every time).

Prints a Markdown table. Run: ``.venv/bin/python benchmarks/bench_runtime.py``.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal

from machine import describe
from statemachine import State, StateMachine
from transitions import Machine

from policyflow.definition.expressions import compile_expression
from policyflow.definition.loader import load_text
from policyflow.runtime import apply, compile_process, start

EVENTS = 100_000
REPEAT = 5

PROCESS = """
id: bench
title: {zh: 基准, en: Benchmark}
fields:
  - {id: party_type, zh: 当事人类型, en: Party type, type: enum, values: [citizen, legal_person]}
  - {id: budget, zh: 经费, en: Budget, type: money}
  - {id: decided, zh: 已决定, en: Decided, type: bool, default: false}
events:
  - {id: submit, zh: 提交, en: Submit}
  - {id: withdraw, zh: 撤回, en: Withdraw}
states:
  - {id: open, zh: 待提交, en: Open, initial: true, basis: 科学技术部令第20号 第四十一条}
  - {id: review, zh: 审查, en: Review, basis: 科学技术部令第20号 第四十一条}
  - {id: closed, zh: 结束, en: Closed, final: true, basis: 科学技术部令第20号 第四十一条}
transitions:
  - id: submit
    zh: 提交
    en: Submit
    event: submit
    from: open
    to: review
    guard:
      id: is_large_legal_person
      zh: 法人经费一百万元以上
      en: a legal person's budget of ¥1,000,000.00 or more
      when: party_type == 'legal_person' && budget >= 1000000
      basis: 科学技术部令第20号 第四十一条
    basis: 科学技术部令第20号 第四十一条
  - id: withdraw
    zh: 撤回
    en: Withdraw
    event: withdraw
    from: review
    to: open
    guard: {id: is_undecided, zh: 尚未决定, en: not yet decided, when: "!decided",
            basis: 科学技术部令第20号 第四十一条}
    basis: 科学技术部令第20号 第四十一条
  - {id: close, zh: 结束, en: Close, event: withdraw, from: open, to: closed,
     basis: 科学技术部令第20号 第四十一条}
deadlines:
  - id: decision
    zh: 决定期限
    en: Decision
    period: 二十个工作日
    start_on: {events: submit}
    cancelled_by: {events: withdraw}
    basis: 科学技术部令第20号 第五十条
"""


def bench_policyflow(varied: bool) -> float:
    compiled = compile_process(load_text(PROCESS))
    t0 = datetime(2023, 3, 1, 9, 0)
    snap = start(compiled, "b", {"party_type": "legal_person", "budget": "1500000"}, at=t0).snapshot
    rng = random.Random(1)
    pool = [Decimal(rng.randint(100_000_000, 900_000_000)) / 100 for _ in range(50_000)]
    datas = [dict(snap.data, budget=b) for b in pool] if varied else [snap.data]
    times = [t0 + timedelta(minutes=i) for i in range(EVENTS)]
    n = len(datas)
    best = 0.0
    for _ in range(REPEAT):
        s = snap
        began = time.perf_counter()
        for i in range(0, EVENTS, 2):
            if varied:
                s = replace(s, data=datas[i % n])
            s = apply(compiled, s, "submit", at=times[i]).snapshot
            s = apply(compiled, s, "withdraw", at=times[i + 1]).snapshot
        best = max(best, EVENTS / (time.perf_counter() - began))
        assert s.state == "open" and len(s.timers) == 1  # the latest run of the deadline
        snap = replace(snap, timers=())
    return best


class Review(StateMachine):
    open = State(initial=True)
    review = State()
    closed = State(final=True)
    submit = open.to(review, cond="is_large_legal_person")
    withdraw = review.to(open, cond="is_undecided") | open.to(closed)

    def __init__(self) -> None:
        self.party_type = "legal_person"
        self.budget = Decimal("1500000")
        self.decided = False
        super().__init__()

    def is_large_legal_person(self) -> bool:
        return self.party_type == "legal_person" and self.budget >= 1000000

    def is_undecided(self) -> bool:
        return not self.decided


def bench_python_statemachine() -> float:
    best = 0.0
    for _ in range(REPEAT):
        machine = Review()
        began = time.perf_counter()
        for _ in range(EVENTS // 2):
            machine.submit()
            machine.withdraw()
        best = max(best, EVENTS / (time.perf_counter() - began))
        assert machine.current_state == Review.open
    return best


class Case:
    def __init__(self) -> None:
        self.party_type = "legal_person"
        self.budget = Decimal("1500000")
        self.decided = False

    def is_large_legal_person(self) -> bool:
        return self.party_type == "legal_person" and self.budget >= 1000000

    def is_undecided(self) -> bool:
        return not self.decided


def bench_transitions() -> float:
    best = 0.0
    for _ in range(REPEAT):
        case = Case()
        Machine(
            model=case,
            states=["open", "review", "closed"],
            initial="open",
            transitions=[
                {
                    "trigger": "submit",
                    "source": "open",
                    "dest": "review",
                    "conditions": "is_large_legal_person",
                },
                {
                    "trigger": "withdraw",
                    "source": "review",
                    "dest": "open",
                    "conditions": "is_undecided",
                },
                {"trigger": "withdraw", "source": "open", "dest": "closed"},
            ],
            auto_transitions=False,
        )
        began = time.perf_counter()
        for _ in range(EVENTS // 2):
            case.submit()  # type: ignore[attr-defined]
            case.withdraw()  # type: ignore[attr-defined]
        best = max(best, EVENTS / (time.perf_counter() - began))
        assert case.state == "open"  # type: ignore[attr-defined]
    return best


def bench_cel() -> tuple[float, float]:
    """CEL guard evaluations per second: memo hit, and a new value each time."""
    expression = compile_expression("party_type == 'legal_person' && budget >= 1000000")
    scope = {"party_type": "legal_person", "budget": Decimal("1500000")}
    n = 200_000
    began = time.perf_counter()
    for _ in range(n):
        expression.evaluate(scope)
    hit = n / (time.perf_counter() - began)
    scopes = [{"party_type": "legal_person", "budget": Decimal(i)} for i in range(n)]
    began = time.perf_counter()
    for s in scopes:
        expression.evaluate(s)
    miss = n / (time.perf_counter() - began)
    return hit, miss


def main() -> None:
    import statemachine
    import transitions

    rows: list[tuple[str, Callable[[], float]]] = [
        ("policyflow `apply` (guard + 20-wd deadline), same data", lambda: bench_policyflow(False)),
        (
            "policyflow `apply` (guard + 20-wd deadline), new budget each event",
            lambda: bench_policyflow(True),
        ),
        (
            f"python-statemachine {statemachine.__version__} (guard, no deadline)",
            bench_python_statemachine,
        ),
        (f"transitions {transitions.__version__} (guard, no deadline)", bench_transitions),
    ]
    results = [(name, fn()) for name, fn in rows]
    hit, miss = bench_cel()
    print(f"Machine: {describe()}")
    print(f"{EVENTS:,} events (submit/withdraw alternately), best of {REPEAT}, one core\n")
    print("| engine | events / s |")
    print("|---|---:|")
    for name, rate in results:
        print(f"| {name} | {rate:,.0f} |")
    print(
        f"\nCEL guard alone: {hit:,.0f} evaluations/s (memo hit), "
        f"{miss:,.0f}/s (new value each time)"
    )


if __name__ == "__main__":
    main()
