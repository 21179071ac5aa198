"""Guarded events per second: policyflow's pure runtime against python-statemachine and transitions.

The same two-state machine in all three, in one run, on one core:

* ``submit`` (open → review), guarded by "a legal person's budget of ¥1,000,000.00 or
  more" (科学技术部令第20号 第四十一条-style threshold, ``以上`` inclusive), and
* ``withdraw`` (review → open), guarded by "not yet decided".

In policyflow, ``submit`` also starts a 20-working-day deadline on the 2023 calendar
(a due date from legaltime) and ``withdraw`` cancels it, with the journal entry, timer
changes and a new frozen snapshot per event. python-statemachine 3.2.2 and transitions
0.9.3 run the same machine with their guards as Python callables and no deadline.

Two policyflow figures: the same data on every event, and a different budget on every
event from a pool of 50,000. The guard is simple enough to run as a Python closure
(``definition/quick.py``, checked against CEL); the last line compares that closure with
the CEL engine itself on the same guard.

Prints a Markdown table. Run: ``.venv/bin/python benchmarks/bench_runtime.py``.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal

import cel
from machine import describe
from statemachine import State, StateMachine
from transitions import Machine

from policyflow.definition.expressions import compile_expression, to_cel
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
            if varied:  # the harness swaps the data in (counted in the figure)
                s = s._replace(data=datas[i % n])
            s = apply(compiled, s, "submit", at=times[i]).snapshot
            s = apply(compiled, s, "withdraw", at=times[i + 1]).snapshot
        best = max(best, EVENTS / (time.perf_counter() - began))
        assert s.state == "open" and len(s.timers) == 1  # the latest run of the deadline
        snap = snap._replace(timers=())
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
        assert machine.open.is_active
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


def bench_guard() -> tuple[float, float]:
    """Guard evaluations per second, a new budget each time: policyflow, and CEL alone.

    policyflow's ``Expression.evaluate`` runs this guard as a Python closure
    (``definition/quick.py``); the second figure calls the CEL engine itself
    (``cel.compile(...).execute``) on the same values, converted as the runtime converts them.
    """
    source = "party_type == 'legal_person' && budget >= 1000000"
    fields = {f.id: f for f in load_text(PROCESS).fields}
    expression = compile_expression(source, fields, expect="bool")
    program = cel.compile(expression.cel_source)  # the budget in fen, as CEL reads money
    n = 200_000
    scopes = [{"party_type": "legal_person", "budget": Decimal(i)} for i in range(n)]
    began = time.perf_counter()
    for s in scopes:
        expression.evaluate(s)
    quick = n / (time.perf_counter() - began)
    began = time.perf_counter()
    for s in scopes:
        program.execute({name: to_cel(value) for name, value in s.items()})
    engine = n / (time.perf_counter() - began)
    # the same answers both ways, either side of the ¥1,000,000 boundary (以上: inclusive)
    for budget, expected in ((Decimal("999999.99"), False), (Decimal("1000000.00"), True)):
        scope = {"party_type": "legal_person", "budget": budget}
        assert expression.evaluate(scope) is expected
        assert program.execute({k: to_cel(v) for k, v in scope.items()}) is expected
    return quick, engine


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
    quick, engine = bench_guard()
    print(f"Machine: {describe()}")
    print(f"{EVENTS:,} events (submit/withdraw alternately), best of {REPEAT}, one core\n")
    print("| engine | events / s |")
    print("|---|---:|")
    for name, rate in results:
        print(f"| {name} | {rate:,.0f} |")
    print(
        f"\nThe guard alone, a new budget each time: {quick:,.0f} evaluations/s "
        f"(policyflow), {engine:,.0f}/s (the CEL engine itself)"
    )


if __name__ == "__main__":
    main()
