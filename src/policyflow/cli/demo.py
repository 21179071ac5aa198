"""`policyflow demo`: the main job for now, a walk through real due dates on the 2023 calendar.

Each example is a time limit from the sources, counted on China's official 2023 schedule,
with the legal basis of every rule applied. A later issue replaces this with a real case
run end to end; it lives in its own module so that it can go without touching ``due``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated

import typer
from rich.panel import Panel

from policyflow import legaltime
from policyflow.cli import app
from policyflow.cli.due import render_due
from policyflow.cli.output import console, print_json
from policyflow.legaltime import DueDate, Interval


@dataclass(frozen=True, slots=True)
class Example:
    """One worked time limit: what the source says and how it is counted."""

    title: str
    source: str
    result: DueDate


def examples() -> list[Example]:
    """The demo's worked examples, counted on the shipped calendar."""
    cal = legaltime.china()
    return [
        Example(
            "A clue registered just before National Day 2023",
            "科学技术部令第20号 第二十条: 在线索登记之日起十五个工作日内，对线索进行初步核实",
            cal.due(date(2023, 9, 28), "十五个工作日"),
        ),
        Example(
            "A 90-day case limit, suspended for a hearing",
            "科学技术部令第20号 第五十一条: 行政处罚决定应当自立案之日起九十日内作出; "
            "a hearing 2023-04-10..21 does not count",
            cal.due(
                date(2023, 3, 1),
                "九十日",
                suspensions=[Interval(date(2023, 4, 10), date(2023, 4, 21))],
            ),
        ),
        Example(
            "The last day to apply for a renewal",
            "科学技术部令第21号 第五十五条: 应当在该备案有效期限届满三十个工作日前提出申请 "
            "(a filing valid until 2023-10-31)",
            cal.before(date(2023, 10, 31), "30wd"),
        ),
        Example(
            "A hearing request window across Spring Festival 2023",
            "科学技术部令第20号 第四十二条: 自《行政处罚意见告知书》送达之日起五个工作日内"
            "书面提出 (notice served 2023-01-19; late means 视为放弃)",
            cal.due(date(2023, 1, 19), "五个工作日"),
        ),
        Example(
            "A natural-day period ending on a holiday",
            "民法典 第二百零三条: 期间的最后一日是法定休假日的，以法定休假日结束的次日为最后一日",
            cal.due(date(2023, 9, 16), "15d"),
        ),
    ]


@app.command()
def demo(
    as_json: Annotated[bool, typer.Option("--json", help="Print the examples as JSON.")] = False,
) -> None:
    """Walk through real due dates on China's 2023 calendar, each with its legal basis."""
    worked = examples()
    if as_json:
        print_json([{"title": e.title, "source": e.source, **e.result.to_dict()} for e in worked])
        return
    console.print(
        Panel.fit(
            "policyflow counts time limits as Chinese law does: the start day is not counted, "
            "working days skip weekends, statutory holidays and 调休 rest days and count "
            "make-up workdays, natural-day periods roll over a holiday, suspensions pause.",
            title="legal time on the 2023 calendar",
        )
    )
    for number, example in enumerate(worked, start=1):
        console.rule(f"{number}. {example.title}")
        console.print(f"[italic]{example.source}[/italic]")
        render_due(example.result, explain=number in (1, 4))
