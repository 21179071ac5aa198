"""The calendar years stored in the database: loaded by every engine, added by a notice.

``policyflow calendar add FILE --db URL`` (:func:`add_notice`) checks a year's holiday
notice (:mod:`policyflow.legaltime.notices`), stores it in ``calendar_years`` and, in the
same transaction, has the runtime count every provisional deadline over that year again
(:func:`policyflow.runtime.calendar_revision.revise`): each case whose dates move gets a
``calendar_revised`` journal entry (old date, new date, the notice as cause); a case whose
provisional date has already had legal effect is reported, and nothing of it is written.

Every engine counts on its calendar with the stored years (:func:`load_history`); a
long-running one (the worker) reloads them before each sweep (:func:`reloaded`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from policyflow.engine.write import Writer
from policyflow.errors import InvalidInput
from policyflow.legaltime import Calendar
from policyflow.legaltime.notices import CalendarHistory, Notice, parse_notice
from policyflow.runtime.calendar_revision import Conflict, revise
from policyflow.runtime.cascade import Outcome, Touched
from policyflow.store import calendar_years
from policyflow.store.cases import Lock
from policyflow.store.database import Database
from policyflow.store.fast import Target

__all__ = ["NoticeReport", "add_notice", "load_history", "reloaded"]


@dataclass
class NoticeReport:
    """What storing a notice did.

    Attributes:
        notice: the notice's name.
        years: the years it schedules.
        revised: case id → (deadline, old due, new due) of each deadline moved.
        conflicts: case id → the deadlines whose provisional date had legal effect and
            that the notice dates otherwise: nothing of the case was written.
        refused: case id → why its deadlines could not be counted (a year still unknown).
    """

    notice: str
    years: tuple[int, ...]
    revised: dict[str, list[tuple[str, str | None, str | None]]] = field(default_factory=dict)
    conflicts: dict[str, tuple[Conflict, ...]] = field(default_factory=dict)
    refused: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        """The report as JSON-ready data."""
        return {
            "notice": self.notice,
            "years": list(self.years),
            "revised": {
                case_id: [{"deadline": d, "from": old, "to": new} for d, old, new in moved]
                for case_id, moved in self.revised.items()
            },
            "conflicts": {
                case_id: [
                    {
                        "deadline": c.deadline,
                        "label": c.label,
                        "status": c.status.value,
                        "due": None if c.due is None else c.due.isoformat(),
                        "recounted": c.recounted.isoformat(),
                        "why": c.why,
                    }
                    for c in found
                ]
                for case_id, found in self.conflicts.items()
            },
            "refused": dict(self.refused),
        }


def _stored(connection: Target, where: str) -> list[tuple[datetime, Notice]]:
    return [
        (row["stored_at"], parse_notice(row["body"], f"{where} calendar_years {row['year']}"))
        for row in calendar_years.stored_years(connection)
    ]


def load_history(database: Database, base: Calendar | None) -> CalendarHistory:
    """`base` with the years stored in `database`, each in force from its storing."""
    with database.read() as connection:
        return CalendarHistory(base, _stored(connection, database.name))


def reloaded(database: Database, history: CalendarHistory) -> CalendarHistory | None:
    """The history with the years stored since `history` was read; None if there are none."""
    with database.read() as connection:
        count = len(calendar_years.stored_years(connection))
    if count == len(history.years):
        return None
    return load_history(database, history.base)


def add_notice(
    writer: Writer, history: CalendarHistory, notice: Notice, *, at: datetime
) -> tuple[NoticeReport, CalendarHistory]:
    """Store `notice` and count every provisional deadline over its years again.

    Args:
        writer: the engine's write path (its database).
        history: the calendars in force so far (the engine's).
        notice: a checked notice (:func:`~policyflow.legaltime.notices.read_notice`).
        at: the business time of the revision entries (the engine clock's now).

    Returns:
        What was revised and the cases reported (:class:`NoticeReport`), and the history
        with the notice, for the engine to count on from now.

    Raises:
        InvalidInput: a year of the notice is already stored (nothing is written).
    """
    database = writer.database
    report = NoticeReport(notice.name, tuple(notice.years))
    with database.transaction() as connection:
        stored = _stored(connection, database.name)
        known = {year for _, earlier in stored for year in earlier.years}
        again = sorted(known & set(notice.years))
        if again:
            raise InvalidInput(
                f"calendar year {again[0]} is already stored in {database.name}: "
                "a stored year is not replaced (its dates have been acted on)"
            )
        recorded_at = writer.now()
        for year in notice.years:
            calendar_years.add_year(connection, year, notice.name, notice.text[year], recorded_at)
        history = CalendarHistory(history.base, [*stored, (recorded_at, notice)])
        calendar = history.current
        assert calendar is not None  # it holds the notice
        for case_id in calendar_years.provisional_cases(connection, notice.years):
            loaded = writer.load(connection, case_id, lock=Lock.WAIT)
            if loaded is None:
                continue
            try:
                revision = revise(
                    loaded.compiled,
                    loaded.snapshot,
                    calendar,
                    notice=notice.name,
                    years=tuple(notice.years),
                    at=at,
                )
            except InvalidInput as error:  # a deadline reaching a year still unknown
                report.refused[case_id] = str(error).splitlines()[0]
                continue
            if revision.conflicts:
                report.conflicts[case_id] = revision.conflicts
                continue
            step = revision.step
            if step is None:
                continue
            touched = Touched(loaded.compiled, loaded.snapshot, (step,))
            writer.commit(
                connection, Outcome((touched,)), {case_id: loaded}, recorded_at=recorded_at
            )
            report.revised[case_id] = [
                (m["deadline"], m["from"], m["to"]) for m in step.entry.payload["moved"]
            ]
    return report, history
