"""SimulationResult: what a simulation produced, as tables, KPIs, an event log and plots.

The runner hands over one :class:`~policyflow.sim.record.CaseRecord` per case
(``record.py``): its arrival, initial data, how it ended, and its journal (the runtime's
own :class:`~policyflow.runtime.journal.JournalEntry` values). Everything else is derived
from those journals here: the per-case table, the KPIs and the event log (built by
:mod:`policyflow.render.eventlog`, the same code that turns the engine's journal into one).
pandas and matplotlib are imported only when a table or a plot is asked for.
"""

from __future__ import annotations

import html
import importlib
from collections.abc import Container, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from policyflow.definition.model import Process
from policyflow.errors import InvalidInput, MissingExtra
from policyflow.legaltime import Calendar
from policyflow.runtime.journal import JournalEntry
from policyflow.sim.record import CaseRecord, deadline_outcomes
from policyflow.sim.scenario import Scenario

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

__all__ = ["KPIs", "SimulationResult"]


@dataclass(frozen=True, slots=True)
class KPIs:
    """Summary indicators of a simulation.

    Attributes:
        outcomes: cases per outcome, with their share.
        deadlines: per deadline, counts of runs: ``started``, ``met_in_time``,
            ``met_late``, ``lapsed`` (ran out and its consequence applied by itself: a
            deemed waiver is a lawful end, not a breach), ``overdue`` (ran out, not met),
            ``cancelled``, ``running``; and ``share_late_or_overdue``, the runs met late or
            overdue among those that ended (met, lapsed or overdue).
        states: per state: visits and the percentiles of natural days spent per visit.
    """

    outcomes: pd.DataFrame
    deadlines: pd.DataFrame
    states: pd.DataFrame

    def _repr_html_(self) -> str:
        parts = [
            f"<h4>{title}</h4>{frame.to_html(index=False, float_format=lambda v: f'{v:,.3g}')}"
            for title, frame in (
                ("Outcomes", self.outcomes),
                ("Deadlines", self.deadlines),
                ("Time in state (natural days)", self.states),
            )
        ]
        return "".join(parts)


class SimulationResult:
    """The cases of one simulation run, with tables, KPIs, an event log and plots.

    Attributes:
        process: the process simulated.
        scenario: the scenario used.
        seed: the random seed.
        records: one record per case, in arrival order.
        calendar: the legal calendar the cases ran on.
        cohorts: the records of the cohort cases the scenario started (a nomination's
            round), which the tables and KPIs leave out: they are not the process simulated.
    """

    def __init__(
        self,
        *,
        process: Process,
        scenario: Scenario,
        seed: int,
        records: tuple[CaseRecord, ...],
        calendar: Calendar,
        cohorts: tuple[CaseRecord, ...] = (),
    ) -> None:
        self.process = process
        self.scenario = scenario
        self.seed = seed
        self.records = records
        self.calendar = calendar
        self.cohorts = cohorts

    def __len__(self) -> int:
        return len(self.records)

    def __iter__(self) -> Iterator[CaseRecord]:
        return iter(self.records)

    def __repr__(self) -> str:
        return (
            f"SimulationResult(process={self.process.id!r}, cases={len(self)}, "
            f"events={self.event_count}, seed={self.seed})"
        )

    @property
    def event_count(self) -> int:
        """Journal entries over all cases and their children (starts and expiries included)."""
        return sum(len(case.journal) for record in self.records for case in record.family())

    def journal(self, case_id: str) -> tuple[JournalEntry, ...]:
        """Return the journal of one case (a main case or a child case).

        Raises:
            UnknownCase: no simulated case has that id.
        """
        for record in self.records:
            for case in record.family():
                if case.case_id == case_id:
                    return case.journal
        from policyflow.errors import UnknownCase

        raise UnknownCase(
            f"no simulated case {case_id!r} (ids run sim-000001 to sim-{len(self):06d})"
        )

    # --- tables ---

    def cases(self) -> pd.DataFrame:
        """One row per case: outcome, durations, deadlines by how they ended, data.

        Durations count days as the law does (the arrival day not counted): natural days,
        and working days on the result's calendar. Cases that did not reach a final state
        have no end and no duration. Initial data fields appear as ``data.<field>``.
        """
        pd = _pandas()
        rows = []
        for record in self.records:
            ended = record.ended_at
            outcomes = deadline_outcomes(record)
            row: dict[str, Any] = {
                "case_id": record.case_id,
                "arrived_at": record.arrived_at,
                "ended_at": ended,
                "outcome": record.outcome,
                "state": record.state,
                "status": record.status,
                "events": len(record.journal),
                "automatic_events": sum(1 for entry in record.journal if entry.automatic),
                "duration_days": None
                if ended is None
                else (ended.date() - record.arrived_at.date()).days,
                "duration_working_days": None
                if ended is None
                else self.calendar.working_days_between(record.arrived_at.date(), ended.date()),
                "deadlines_met_in_time": sum(1 for o in outcomes if o.outcome == "met"),
                "deadlines_late_or_overdue": sum(1 for o in outcomes if o.is_late_or_overdue),
                "deadlines_lapsed": sum(1 for o in outcomes if o.outcome == "lapsed"),
                "deadlines_extended": sum(1 for o in outcomes if o.extensions),
            }
            for name, value in record.data.items():
                row[f"data.{name}"] = _plain(value)
            rows.append(row)
        frame = pd.DataFrame(rows)
        if not frame.empty:
            frame["arrived_at"] = pd.to_datetime(frame["arrived_at"])
            frame["ended_at"] = pd.to_datetime(frame["ended_at"])
            for column in ("duration_days", "duration_working_days"):
                frame[column] = frame[column].astype("Int64")
        return frame

    def deadlines(self) -> pd.DataFrame:
        """One row per deadline run per case: dates, outcome, extensions, suspensions.

        Each occurrence of a recurring deadline is a run of its own, named by ``label``
        (None for a deadline that does not recur).
        """
        pd = _pandas()
        rows = [
            {
                "case_id": o.case_id,
                "deadline": o.deadline,
                "started_on": o.started_on,
                "due": o.due,
                "outcome": o.outcome,
                "ended_on": o.ended_on,
                "extensions": o.extensions,
                "suspensions": o.suspensions,
                "late_or_overdue": o.is_late_or_overdue,
                "label": o.label,
            }
            for record in self.records
            for o in deadline_outcomes(record)
        ]
        columns = [
            "case_id",
            "deadline",
            "started_on",
            "due",
            "outcome",
            "ended_on",
            "extensions",
            "suspensions",
            "late_or_overdue",
            "label",
        ]
        return pd.DataFrame(rows, columns=columns)

    def state_visits(self) -> pd.DataFrame:
        """One row per visit of a case to a state: entered, left, natural days spent."""
        pd = _pandas()
        rows = []
        for record in self.records:
            entered: datetime | None = None
            state: str | None = None
            for entry in record.journal:
                if entry.from_state == entry.to_state and entry.sequence > 1:
                    continue
                if state is not None and entered is not None:
                    rows.append(
                        (
                            record.case_id,
                            state,
                            entered,
                            entry.at,
                            (entry.at - entered).total_seconds() / 86400,
                        )
                    )
                state, entered = entry.to_state, entry.at
        return pd.DataFrame(rows, columns=["case_id", "state", "entered_at", "left_at", "days"])

    def refusals(self) -> pd.DataFrame:
        """Every refused attempt: the scenario chose an event the rules did not allow."""
        pd = _pandas()
        rows = [
            (record.case_id, state, event, reason)
            for record in self.records
            for state, event, reason in record.refused
        ]
        return pd.DataFrame(rows, columns=["case_id", "state", "event", "reason"])

    def kpis(self, percentiles: tuple[float, ...] = (0.5, 0.9, 0.95)) -> KPIs:
        """Summary indicators: outcomes, how each deadline's runs ended, time in state.

        Args:
            percentiles: the quantiles of time in state to report, as fractions.
        """
        pd = _pandas()
        cases = self.cases()
        outcomes = (
            cases.groupby("outcome").size().rename("cases").reset_index()
            if not cases.empty
            else pd.DataFrame({"outcome": [], "cases": []})
        )
        outcomes["share"] = outcomes["cases"] / max(len(cases), 1)
        outcomes = outcomes.sort_values(
            ["cases", "outcome"], ascending=[False, True], ignore_index=True
        )

        runs = self.deadlines()
        labels = {d.id: d for d in self.process.deadlines}
        deadline_rows = []
        for name in sorted(set(runs["deadline"]) | set(labels)):
            mine = runs[runs["deadline"] == name]
            counts = mine["outcome"].value_counts()
            met = int(counts.get("met", 0))
            late = int(counts.get("met_late", 0))
            overdue = int(counts.get("overdue", 0))
            lapsed = int(counts.get("lapsed", 0))
            ended = met + late + lapsed + overdue
            definition = labels.get(name)
            deadline_rows.append(
                {
                    "deadline": name,
                    "zh": None if definition is None else definition.zh,
                    "period": None if definition is None else definition.period,
                    "started": len(mine),
                    "met_in_time": met,
                    "met_late": late,
                    "lapsed": lapsed,
                    "overdue": overdue,
                    "cancelled": int(counts.get("cancelled", 0)),
                    "running": int(counts.get("running", 0)),
                    "share_late_or_overdue": (late + overdue) / ended if ended else float("nan"),
                    "basis": None if definition is None else definition.basis_text,
                }
            )
        deadlines = pd.DataFrame(deadline_rows)

        visits = self.state_visits()
        state_rows = []
        for name, group in visits.groupby("state", sort=True):
            row: dict[str, Any] = {
                "state": name,
                "visits": len(group),
                "mean": float(group["days"].mean()),
            }
            for q in percentiles:
                row[f"p{round(q * 100):d}"] = float(group["days"].quantile(q))
            row["max"] = float(group["days"].max())
            state_rows.append(row)
        states = pd.DataFrame(state_rows)
        return KPIs(outcomes=outcomes, deadlines=deadlines, states=states)

    def summary(self) -> dict[str, Any]:
        """What ``policyflow simulate`` prints, in plain values, without pandas.

        The same figures as :meth:`kpis` and :meth:`cases` give (a test holds them equal):
        the outcomes (most cases first), each deadline that started a run with its runs by
        how they ended, and the median and 90th percentile of natural days to a final state
        (linear between ranks, as pandas' quantile). The command line prints it; importing
        pandas for it would cost more than simulating a round of 200 cases.
        """
        outcomes: dict[str, int] = {}
        durations: list[int] = []
        for record in self.records:
            outcomes[record.outcome] = outcomes.get(record.outcome, 0) + 1
            if record.ended_at is not None:
                durations.append((record.ended_at.date() - record.arrived_at.date()).days)
        runs: dict[str, dict[str, int]] = {}
        for record in self.records:
            for run in deadline_outcomes(record):
                counts = runs.setdefault(run.deadline, {})
                counts[run.outcome] = counts.get(run.outcome, 0) + 1
        deadlines = []
        for name in sorted(runs):
            counts = runs[name]
            met, late = counts.get("met", 0), counts.get("met_late", 0)
            lapsed, overdue = counts.get("lapsed", 0), counts.get("overdue", 0)
            ended = met + late + lapsed + overdue
            deadlines.append(
                {
                    "deadline": name,
                    "started": sum(counts.values()),
                    "met_in_time": met,
                    "met_late": late,
                    "lapsed": lapsed,
                    "overdue": overdue,
                    "cancelled": counts.get("cancelled", 0),
                    "running": counts.get("running", 0),
                    "share_late_or_overdue": (late + overdue) / ended if ended else None,
                }
            )
        durations.sort()
        first = min((record.arrived_at for record in self.records), default=None)
        return {
            "process": self.process.id,
            "cases": len(self),
            "events": self.event_count,
            "seed": self.seed,
            "first_arrival": None if first is None else first.date().isoformat(),
            "duration_days": {
                "median": _quantile(durations, 0.5),
                "p90": _quantile(durations, 0.9),
            },
            "outcomes": [
                {"outcome": outcome, "cases": count, "share": count / max(len(self), 1)}
                for outcome, count in sorted(outcomes.items(), key=lambda i: (-i[1], i[0]))
            ],
            "deadlines": deadlines,
        }

    def event_log(self) -> pd.DataFrame:
        """The journals of every case as one event log with the XES column names.

        Built by :func:`policyflow.render.eventlog.to_dataframe`, as the engine's event log
        is: ``case:concept:name``, ``concept:name``, ``time:timestamp``, ``org:resource``,
        and the rest of each journal entry.
        """
        from policyflow.render import eventlog

        return eventlog.to_dataframe(self._journals(), processes=self._processes())

    def write_xes(self, path: str | Path) -> Path:
        """Write the event log as an XES file (process-mining tools read it)."""
        from policyflow.render import eventlog

        target = Path(path)
        target.write_text(
            eventlog.to_xes(self._journals(), processes=self._processes()), encoding="utf-8"
        )
        return target

    def write_cases(self, path: str | Path) -> Path:
        """Write the per-case table to a ``.csv`` or ``.parquet`` file.

        Raises:
            InvalidInput: for another suffix.
            MissingExtra: ``.parquet`` without pyarrow installed.
        """
        target = Path(path)
        suffix = target.suffix.lower()
        if suffix == ".csv":
            self.cases().to_csv(target, index=False)
        elif suffix == ".parquet":
            try:
                importlib.import_module("pyarrow")
            except ImportError:
                raise MissingExtra(
                    f"writing {target} (Parquet; .csv needs nothing more)",
                    extra="notebook",
                    package="pyarrow",
                ) from None
            self.cases().to_parquet(target, index=False)
        else:
            raise InvalidInput(f"cannot write {target}: expected a .csv or .parquet file name")
        return target

    def _journals(self) -> list[tuple[str, tuple[JournalEntry, ...]]]:
        return [(case.case_id, case.journal) for record in self.records for case in record.family()]

    def _processes(self) -> dict[str, str]:
        return {
            case.case_id: case.process_id for record in self.records for case in record.family()
        }

    # --- plots ---

    def plot_durations(
        self, ax: Axes | None = None, *, unit: str = "d", by: str | None = None, bins: int = 40
    ) -> Axes:
        """Draw a histogram of case durations (arrival to final state).

        Args:
            ax: the axes to draw on (a new figure if None).
            unit: ``d`` natural days or ``wd`` working days.
            by: a column of :meth:`cases` to split the histogram by (``data.party_type``).
            bins: the number of bins.
        """
        ax = _axes(ax)
        column = "duration_days" if unit == "d" else "duration_working_days"
        cases = self.cases().dropna(subset=[column])
        groups = [(None, cases)] if by is None else list(cases.groupby(by, sort=True))
        for name, group in groups:
            ax.hist(
                group[column].astype(float),
                bins=bins,
                alpha=0.6 if by else 0.9,
                label=None if name is None else str(name),
            )
        ax.set_xlabel("natural days" if unit == "d" else "working days")
        ax.set_ylabel("cases")
        ax.set_title(f"{self.process.id}: time to a final state ({len(cases):,} cases)")
        if by is not None:
            ax.legend(title=by)
        return ax

    def plot_deadlines(self, ax: Axes | None = None) -> Axes:
        """Draw each deadline's share of runs met late or overdue as horizontal bars."""
        ax = _axes(ax)
        frame = self.kpis().deadlines.dropna(subset=["share_late_or_overdue"])
        ax.barh(frame["deadline"], frame["share_late_or_overdue"] * 100)
        ax.set_xlabel("% of ended runs met late or overdue (a lapse is neither)")
        ax.set_xlim(0, 100)
        ax.invert_yaxis()
        return ax

    def plot_states(self, ax: Axes | None = None) -> Axes:
        """Draw the distribution of natural days spent per visit of each state (box plot)."""
        ax = _axes(ax)
        visits = self.state_visits()
        names = sorted(set(visits["state"]))
        ax.boxplot(
            [visits.loc[visits["state"] == n, "days"] for n in names],
            vert=False,
            tick_labels=names,
            showfliers=False,
        )
        ax.set_xlabel("natural days per visit")
        ax.invert_yaxis()
        return ax

    def _head_html(self) -> str:
        finals = sum(1 for r in self.records if r.status == "final")
        return (
            f"<p><b>{html.escape(self.process.id)}</b>: {len(self):,} simulated cases, "
            f"{self.event_count:,} events, {finals:,} reached a final state "
            f"(seed {self.seed})</p>"
        )

    def _repr_html_(self) -> str:
        return self._head_html() + self.kpis()._repr_html_()

    def _repr_mimebundle_(
        self, include: Container[str] | None = None, exclude: Container[str] | None = None
    ) -> dict[str, str]:
        """In a notebook: the summary, the process drawn (SVG, else Mermaid) and the KPIs."""
        from policyflow.render.notebook import report_bundle

        bundle = report_bundle(
            self.process, self._head_html(), self.kpis()._repr_html_(), plain=repr(self)
        )
        return {
            mime: text
            for mime, text in bundle.items()
            if (include is None or mime in include) and (exclude is None or mime not in exclude)
        }


def _plain(value: Any) -> Any:
    """A table-friendly value: money as float, everything else as it is."""
    if isinstance(value, Decimal):
        return float(value)
    return value


def _pandas() -> Any:
    try:
        return importlib.import_module("pandas")
    except ImportError:
        raise MissingExtra("a simulation's tables", extra="pandas", package="pandas") from None


def _axes(ax: Axes | None) -> Axes:
    if ax is not None:
        return ax
    try:
        pyplot = importlib.import_module("matplotlib.pyplot")
    except ImportError:
        raise MissingExtra("a simulation's plots", extra="notebook", package="matplotlib") from None
    _, new = pyplot.subplots(figsize=(8, 4.5))
    return new  # type: ignore[no-any-return]


def _quantile(ordered: list[int], q: float) -> float | None:
    """The `q` quantile of sorted values, linear between ranks (pandas' default), or None."""
    if not ordered:
        return None
    position = q * (len(ordered) - 1)
    below = int(position)
    above = min(below + 1, len(ordered) - 1)
    return float(ordered[below] + (ordered[above] - ordered[below]) * (position - below))
