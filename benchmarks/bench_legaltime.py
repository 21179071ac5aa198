"""Working-day due dates per second: policyflow's table lookup against chinese-calendar.

Three ways to find the 15th working day after a start day, on the same 2,000 start days
spread over 2004–2026, in one run and on one core:

* ``cal.due(d, "15wd")``: policyflow, a lookup in precomputed arrays;
* a day-by-day loop over ``chinese_calendar.is_workday`` (what most code does);
* ``chinese_calendar.find_workday(14, d + 1 day)`` (its own helper, aligned to the law's
  count: find_workday first moves a day off to the next workday).

Prints a Markdown table. Run: ``.venv/bin/python benchmarks/bench_legaltime.py``.
"""

from __future__ import annotations

import os
import platform
import random
import time
from collections.abc import Callable
from datetime import date, timedelta

import chinese_calendar
from machine import cpu_model

from policyflow import legaltime

N = 15
STARTS = 2000
REPEAT = 5


def loop_is_workday(start: date) -> date:
    day, counted = start, 0
    while counted < N:
        day += timedelta(days=1)
        if chinese_calendar.is_workday(day):
            counted += 1
    return day


def best_rate(fn: Callable[[date], object], starts: list[date], rounds: int) -> float:
    """Calls per second, best of REPEAT runs of `rounds` passes over `starts`."""
    best = float("inf")
    for _ in range(REPEAT):
        began = time.perf_counter()
        for _ in range(rounds):
            for start in starts:
                fn(start)
        best = min(best, time.perf_counter() - began)
    return rounds * len(starts) / best


def main() -> None:
    rng = random.Random(20231001)
    first, last = date(2004, 1, 1).toordinal(), date(2026, 11, 30).toordinal()
    starts = [date.fromordinal(rng.randint(first, last)) for _ in range(STARTS)]
    cal = legaltime.china()
    period = f"{N}wd"

    def policyflow_due(start: date) -> date:
        return cal.due(start, period).date

    def find_workday(start: date) -> date:
        return chinese_calendar.find_workday(N - 1, start + timedelta(days=1))

    # Same answers first (2005-12-31 is chinese-calendar's known error: skip starts near it).
    for start in starts:
        if date(2005, 12, 1) <= start <= date(2006, 1, 1):
            continue
        assert policyflow_due(start) == loop_is_workday(start) == find_workday(start), start

    rows = [
        ('policyflow `cal.due(d, "15wd")`', best_rate(policyflow_due, starts, 50)),
        ("loop over `chinese_calendar.is_workday`", best_rate(loop_is_workday, starts, 1)),
        ("`chinese_calendar.find_workday`", best_rate(find_workday, starts, 1)),
    ]
    ours = rows[0][1]
    print(
        f"Machine: {os.cpu_count()} CPUs (nproc), {cpu_model()}, "
        f"Python {platform.python_version()}, chinese-calendar {chinese_calendar.__version__}"
    )
    print(f"{STARTS} start days 2004–2026, {N} working days each, best of {REPEAT}, one core\n")
    print("| method | due dates / s | policyflow is |")
    print("|---|---:|---:|")
    for name, rate in rows:
        ratio = "—" if rate == ours else f"{ours / rate:,.0f}× faster"
        print(f"| {name} | {rate:,.0f} | {ratio} |")


if __name__ == "__main__":
    main()
