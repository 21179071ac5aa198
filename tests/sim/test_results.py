"""SimulationResult: per-case table, deadline outcomes and KPIs derived from journals."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from policyflow.legaltime import china
from policyflow.runtime.journal import JournalEntry, TimerAction, TimerChange
from policyflow.sim import Scenario
from policyflow.sim.record import CaseRecord, deadline_outcomes
from policyflow.sim.results import SimulationResult

BASIS = "科学技术部令第20号 第五十一条"


def _entry(sequence, event, from_state, to_state, at, *changes, automatic=False):
    return JournalEntry(
        sequence, event, from_state, to_state, at, None, {}, BASIS, tuple(changes), automatic
    )


def _change(deadline, action, on, due):
    return TimerChange(deadline, action, on, due, BASIS)


def _record(case_id, journal, *, status="final", state="decided"):
    return CaseRecord(
        index=0,
        case_id=case_id,
        arrived_at=journal[0].at,
        data={"party_type": "citizen"},
        status=status,
        state=state,
        journal=tuple(journal),
        process_id="notice",
    )


FILED = datetime(2023, 9, 27, 9, 30)
LATE = _record(
    "late",
    [
        _entry(
            1,
            "start",
            None,
            "filed",
            FILED,
            _change("case_limit", TimerAction.STARTED, date(2023, 9, 27), date(2023, 12, 26)),
        ),
        _entry(
            2,
            "deadline_expired",
            "filed",
            "filed",
            datetime(2023, 12, 27),
            _change("case_limit", TimerAction.OVERDUE, date(2023, 12, 27), date(2023, 12, 26)),
            automatic=True,
        ),
        _entry(
            3,
            "decision_made",
            "filed",
            "decided",
            datetime(2023, 12, 28, 10, 0),
            _change("case_limit", TimerAction.MET, date(2023, 12, 28), None),
        ),
    ],
)
EXTENDED = _record(
    "extended",
    [
        _entry(
            1,
            "start",
            None,
            "filed",
            FILED,
            _change("case_limit", TimerAction.STARTED, date(2023, 9, 27), date(2023, 12, 26)),
        ),
        _entry(
            2,
            "limit_extended",
            "filed",
            "filed",
            datetime(2023, 12, 1, 10, 0),
            _change("case_limit", TimerAction.EXTENDED, date(2023, 12, 1), date(2024, 2, 26)),
        ),
        _entry(
            3,
            "decision_made",
            "filed",
            "decided",
            datetime(2024, 1, 10, 16, 0),
            _change("case_limit", TimerAction.MET, date(2024, 1, 10), None),
        ),
    ],
)
OPEN = _record(
    "open",
    [
        _entry(
            1,
            "start",
            None,
            "filed",
            FILED,
            _change("case_limit", TimerAction.STARTED, date(2023, 9, 27), date(2023, 12, 26)),
        ),
    ],
    status="open",
    state="filed",
)


SILENT = _record(
    "silent",
    [
        _entry(
            1,
            "notice_served",
            None,
            "rights_window_open",
            FILED,
            _change("statement_window", TimerAction.STARTED, date(2023, 9, 27), date(2023, 10, 11)),
        ),
        _entry(
            2,
            "rights_window_closed",
            "rights_window_open",
            "review",
            datetime(2023, 10, 12),
            _change("statement_window", TimerAction.FIRED, date(2023, 10, 12), date(2023, 10, 11)),
            automatic=True,
        ),
    ],
    state="review",
)


def test_deadline_outcomes_follow_timer_changes():
    """Overdue then met is met late; extended then met is met in time; never ended is running."""
    (late,) = deadline_outcomes(LATE)
    assert (late.outcome, late.is_late_or_overdue, late.ended_on) == (
        "met_late",
        True,
        date(2023, 12, 28),
    )
    (extended,) = deadline_outcomes(EXTENDED)
    assert (extended.outcome, extended.extensions, extended.due) == ("met", 1, date(2024, 2, 26))
    (running,) = deadline_outcomes(OPEN)
    assert (running.outcome, running.ended_on) == ("running", None)


def test_a_window_that_runs_out_into_a_deemed_waiver_lapses_and_is_not_late(notice):
    """第三十九条: a party silent for five working days waives; the window lapsed, no breach."""
    (window,) = deadline_outcomes(SILENT)
    assert (window.outcome, window.is_late_or_overdue) == ("lapsed", False)
    silent = SimulationResult(
        process=notice, scenario=Scenario(), seed=0, records=(SILENT,), calendar=china()
    )
    row = silent.kpis().deadlines.set_index("deadline").loc["statement_window"]
    assert (row["started"], row["lapsed"], row["met_in_time"], row["overdue"]) == (1, 1, 0, 0)
    assert row["share_late_or_overdue"] == 0.0
    case = silent.cases().iloc[0]
    assert (case["deadlines_lapsed"], case["deadlines_late_or_overdue"]) == (1, 0)


@pytest.fixture
def result(notice):
    return SimulationResult(
        process=notice,
        scenario=Scenario(),
        seed=0,
        records=(LATE, EXTENDED, OPEN),
        calendar=china(),
    )


def test_cases_table_counts_days_as_the_law_does(result):
    """2023-09-27 → 2023-12-28: 92 natural days; working days skip 国庆节 and weekends.

    By hand: 2023-09-28 .. 2023-12-28 holds 92 days. Working days: 28 Sep (1), 7-8 Oct
    make-up days (2), then 9 Oct – 28 Dec: 12 weeks minus 3 days (weeks of 9 Oct ... 25
    Dec: 9 Oct Mon to 29 Dec Fri is 60 working days; minus 29 Dec = 59), total 1 + 2 + 59 = 62.
    """
    cases = result.cases().set_index("case_id")
    assert cases.loc["late", "duration_days"] == 92
    assert cases.loc["late", "duration_working_days"] == 62
    assert cases.loc["late", "deadlines_late_or_overdue"] == 1
    assert cases.loc["late", "deadlines_met_in_time"] == 0
    assert cases.loc["extended", "deadlines_extended"] == 1
    assert cases.loc["extended", "deadlines_met_in_time"] == 1
    assert cases.loc["open", "outcome"] == "open"
    assert cases["duration_days"].isna().tolist() == [False, False, True]
    assert cases.loc["late", "data.party_type"] == "citizen"


def test_kpis_give_each_deadlines_share_late_or_overdue(result):
    """One of the two decided runs met the 90-day limit late: share 0.5; one still runs."""
    kpis = result.kpis()
    limit = kpis.deadlines.set_index("deadline").loc["case_limit"]
    assert (limit["started"], limit["met_in_time"], limit["met_late"], limit["running"]) == (
        3,
        1,
        1,
        1,
    )
    assert limit["lapsed"] == 0 and limit["overdue"] == 0
    assert limit["share_late_or_overdue"] == 0.5
    assert limit["period"] == "九十日"
    outcomes = kpis.outcomes.set_index("outcome")
    assert outcomes.loc["decided", "cases"] == 2 and outcomes.loc["open", "share"] == pytest.approx(
        1 / 3
    )
    filed = kpis.states.set_index("state").loc["filed"]
    assert filed["visits"] == 2  # the open case has not left 'filed'
    # 'extended' spent 2023-09-27 09:30 → 2024-01-10 16:00 there: 105 days and 6.5 hours
    assert filed["max"] == pytest.approx(105 + 6.5 / 24)


def test_write_cases_refuses_other_suffixes(result, tmp_path):
    """Only .csv and .parquet are written; another suffix is refused and nothing is written."""
    from policyflow.errors import InvalidInput

    with pytest.raises(InvalidInput, match=r"expected a \.csv or \.parquet file name"):
        result.write_cases(tmp_path / "cases.xlsx")
    assert not (tmp_path / "cases.xlsx").exists()
    written = result.write_cases(tmp_path / "cases.csv")
    assert written.read_text(encoding="utf-8").splitlines()[0].startswith("case_id,arrived_at")


def _summary_by_pandas(result):
    """The summary as `policyflow simulate` built it from the pandas tables, before it had
    its own: the reference the plain summary must equal."""
    kpis = result.kpis()
    cases = result.cases()
    durations = cases["duration_days"].dropna().astype(float)
    nan = float("nan")
    return {
        "process": result.process.id,
        "cases": len(result),
        "events": result.event_count,
        "seed": result.seed,
        "first_arrival": cases["arrived_at"].min().date().isoformat(),
        "duration_days": {
            "median": float(durations.median()) if len(durations) else None,
            "p90": float(durations.quantile(0.9)) if len(durations) else None,
        },
        "outcomes": [
            {"outcome": row.outcome, "cases": int(row.cases), "share": float(row.share)}
            for row in kpis.outcomes.itertuples()
        ],
        "deadlines": [
            {
                "deadline": row.deadline,
                **{
                    key: int(getattr(row, key))
                    for key in (
                        "started",
                        "met_in_time",
                        "met_late",
                        "lapsed",
                        "overdue",
                        "cancelled",
                        "running",
                    )
                },
                "share_late_or_overdue": None
                if row.share_late_or_overdue is nan
                or row.share_late_or_overdue != row.share_late_or_overdue
                else float(row.share_late_or_overdue),
            }
            for row in kpis.deadlines.itertuples()
            if row.started
        ],
    }


@pytest.mark.parametrize(
    ("process_id", "cases"),
    [("most-penalty", 300), ("henan-nrdi.evaluation", 200), ("henan-workplan", 12)],
)
def test_the_plain_summary_gives_the_figures_of_the_pandas_tables(process_id, cases):
    """A penalty run (deadlines met, late, lapsed and running), a ranked round of 200, and a
    recurring monthly duty: `summary()` (no pandas) equals what the KPIs give."""
    from policyflow.sim import simulate

    result = simulate(process_id, cases=cases, seed=2, workers=1)
    summary = result.summary()
    assert summary == _summary_by_pandas(result)
    assert summary["deadlines"], "a run with no deadline would not test the counts"
