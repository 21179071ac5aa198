"""`policyflow demo`: the main job, a real penalty case run end to end, and a due-date walk.

``policyflow demo`` runs a case of the built-in ``most-penalty`` process (科学技术部令第20号)
through the persisted engine on an embedded SQLite file: filing, investigation, a penalty
notice served just before the 2023 Mid-Autumn and National Day holiday, a hearing, legal
review, the decision and its execution, with ``tick`` firing the expiries on the way. It then
prints the case's timeline with the legal basis of every step.

``policyflow demo --dates`` walks through real due dates on the 2023 calendar instead: each
a time limit from the sources, counted on China's official schedule.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.panel import Panel

from policyflow import legaltime
from policyflow.cli import app
from policyflow.cli.case import entry_to_dict, render_case
from policyflow.cli.due import render_due
from policyflow.cli.output import console, framed, print_json, rule
from policyflow.legaltime import DueDate, Interval

if TYPE_CHECKING:
    from policyflow.engine import Case, Engine


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


def _at(day: str, hour: int = 10) -> datetime:
    return datetime.combine(date.fromisoformat(day), time(hour))


# The case: (business time, event, payload) in order; ("tick", ...) lets deadlines expire.
PENALTY_CASE: tuple[tuple[datetime, str, dict[str, Any]], ...] = (
    (_at("2023-08-01", 15), "filing_recommendation_submitted", {"recommendation": "file"}),
    (_at("2023-08-15"), "case_filed", {"officers": 2}),
    (
        _at("2023-09-08"),
        "investigation_concluded",
        {
            "report_items": [
                "party_info",
                "course_and_coercive_measures",
                "facts_and_evidence",
                "nature_and_consequence",
            ],
            "disposition": "penalty",
        },
    ),
    (
        _at("2023-09-08", 15),
        "penalty_notice_approved",
        {"party_type": "legal_person", "proposed_fine": "1000000.00"},
    ),
    (_at("2023-09-25"), "notice_served", {}),
    (_at("2023-09-27"), "hearing_requested", {"is_written": True, "materials_submitted": True}),
    (_at("2023-10-08"), "statement_received", {"is_written": True}),
    (_at("2023-10-09", 8), "tick", {}),
    (_at("2023-10-09"), "hearing_notice_served", {"hearing_on": "2023-10-18"}),
    (_at("2023-10-18", 8), "tick", {}),
    (
        _at("2023-10-18", 9),
        "hearing_opened",
        {"investigating_officers_present": 2, "hearing_officers": 1, "recorders": 1},
    ),
    (_at("2023-10-18", 17), "hearing_concluded", {"is_record_signed": True}),
    (_at("2023-10-23"), "opinion_to_legal_review", {"affects_major_rights": True}),
    (_at("2023-10-27"), "legal_review_passed", {}),
    (
        _at("2023-10-30"),
        "collective_decision_made",
        {"decision_kind": "penalty", "fine_amount": "1000000.00"},
    ),
    (_at("2023-11-06"), "decision_document_issued", {}),
    (_at("2023-11-09"), "penalty_decision_served", {"performance_due_on": "2023-11-24"}),
)


def run_penalty_case(engine: Engine) -> Case:
    """Run the demo's penalty case through `engine` and pay the fine; return the main case."""
    case = engine.start(
        "most-penalty", {"clue_source": "report"}, at=_at("2023-08-01"), actor="officer"
    )
    for moment, event, payload in PENALTY_CASE:
        if event == "tick":
            engine.tick(moment)
        else:
            engine.fire(case.id, event, payload, at=moment)
    execution = next(
        c for c in engine.children(case.id) if c.process_id == "most-penalty.execution"
    )
    engine.fire(
        execution.id, "obligation_discharged", {"amount_paid": "1000000.00"}, at=_at("2023-11-20")
    )
    return engine.get(case.id)


def _show_case(engine: Engine, case: Case, *, as_json: bool) -> None:
    today = date(2023, 11, 20)
    cases = [case, *engine.children(case.id)]
    if as_json:
        print_json(
            [
                {**c.to_dict(), "journal": [entry_to_dict(r) for r in engine.history(c.id)]}
                for c in cases
            ]
        )
        return
    framed(
        Panel.fit(
            "A MOST administrative penalty case (科学技术部令第20号), run on the embedded "
            "database: the penalty notice is served on 2023-09-25, just before the "
            "Mid-Autumn and National Day holiday (Sep 29 – Oct 6, make-up workdays Oct 7–8); "
            "the hearing time does not count toward the 90-day limit (第五十一条).",
            title="policyflow demo: a penalty case end to end",
        )
    )
    for shown in cases:
        rule(f"{shown.process_id} · case {shown.id}")
        render_case(shown, engine.history(shown.id), [], today)


@app.command()
def demo(
    dates: Annotated[
        bool, typer.Option("--dates", help="Walk through real due dates instead.")
    ] = False,
    db: Annotated[
        str | None,
        typer.Option("--db", help="Database URL or SQLite file (default: a fresh temporary file)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Run a real penalty case end to end and print its timeline (--dates: a due-date walk)."""
    if not dates:
        from policyflow.engine import Engine

        with tempfile.TemporaryDirectory() as folder:
            url = db or str(Path(folder) / "policyflow-demo.db")
            with Engine(url) as engine:
                _show_case(engine, run_penalty_case(engine), as_json=as_json)
        return
    worked = examples()
    if as_json:
        print_json([{"title": e.title, "source": e.source, **e.result.to_dict()} for e in worked])
        return
    framed(
        Panel.fit(
            "policyflow counts time limits as Chinese law does: the start day is not counted, "
            "working days skip weekends, statutory holidays and 调休 rest days and count "
            "make-up workdays, natural-day periods roll over a holiday, suspensions pause.",
            title="legal time on the 2023 calendar",
        )
    )
    for number, example in enumerate(worked, start=1):
        rule(f"{number}. {example.title}")
        console.print(f"[italic]{example.source}[/italic]")
        render_due(example.result, explain=number in (1, 4))
