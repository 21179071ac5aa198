"""The tables: definitions, cases, journal, timers, ledger, delegations, keys, calendar years.

SQLModel classes, declared on a registry of their own so that an application's
``SQLModel.metadata`` never sees (or creates) them. Rows hold plain column values only;
turning a row into a runtime value (a :class:`~policyflow.runtime.snapshot.CaseSnapshot`,
a :class:`~policyflow.runtime.journal.JournalEntry`) and back lives in one place,
:mod:`policyflow.store.convert`. The schema itself is created and evolved by the Alembic
migrations in ``store/migrations``; a test checks that they match these classes.

JSON parts (case data, payloads, timer changes) are stored as canonical JSON text, not as a
database JSON type: the journal's hash chain is computed over that exact text, and a JSON
type (PostgreSQL ``jsonb``) would reorder the keys.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

__all__ = [
    "CALENDAR_YEARS",
    "CASES",
    "CASE_KEYS",
    "DEFINITIONS",
    "DELEGATIONS",
    "JOURNAL",
    "LEDGER",
    "TIMERS",
    "CalendarYearRow",
    "CaseRow",
    "DefinitionRow",
    "DelegationRow",
    "JournalRow",
    "KeyRow",
    "LedgerRow",
    "StoreModel",
    "TimerRow",
    "metadata",
]

ID_LENGTH = 64
NAME_LENGTH = 200
HASH_LENGTH = 64
KEY_VALUE_LENGTH = 200


class StoreModel(SQLModel, registry=registry()):
    """Base of policyflow's tables: its own registry, so its own metadata."""


metadata = StoreModel.metadata


class DefinitionRow(StoreModel, table=True):
    """One version of one process definition, as canonical JSON.

    A case names the definition it started under by (process id, version), so it keeps
    running under it after the YAML file changes.
    """

    __tablename__ = "definitions"

    process_id: str = Field(sa_column=Column(String(NAME_LENGTH), primary_key=True))
    version: str = Field(sa_column=Column(String(HASH_LENGTH), primary_key=True))
    body: str = Field(sa_column=Column(Text, nullable=False))
    stored_at: datetime = Field(sa_column=Column(DateTime, nullable=False))


class CaseRow(StoreModel, table=True):
    """One case: where it stands, its data, and the head of its journal."""

    __tablename__ = "cases"
    __table_args__ = (
        ForeignKeyConstraint(
            ["process_id", "process_version"],
            ["definitions.process_id", "definitions.version"],
            name="fk_cases_definition",
        ),
        Index("ix_cases_process_state", "process_id", "state"),
    )

    id: str = Field(sa_column=Column(String(ID_LENGTH), primary_key=True))
    process_id: str = Field(sa_column=Column(String(NAME_LENGTH), nullable=False))
    process_version: str = Field(sa_column=Column(String(HASH_LENGTH), nullable=False))
    state: str = Field(sa_column=Column(String(NAME_LENGTH), nullable=False))
    previous_state: str | None = Field(default=None, sa_column=Column(String(NAME_LENGTH)))
    data: str = Field(sa_column=Column(Text, nullable=False))
    parent_id: str | None = Field(
        default=None,
        sa_column=Column(
            String(ID_LENGTH),
            ForeignKey("cases.id", name="fk_cases_parent"),
            nullable=True,
            index=True,
        ),
    )
    version: int = Field(sa_column=Column(Integer, nullable=False))
    overdue: bool = Field(sa_column=Column(Boolean, nullable=False))
    started_at: datetime = Field(sa_column=Column(DateTime, nullable=False))
    updated_at: datetime = Field(sa_column=Column(DateTime, nullable=False))
    created_at: datetime = Field(sa_column=Column(DateTime, nullable=False))
    modified_at: datetime = Field(sa_column=Column(DateTime, nullable=False))
    last_hash: str = Field(sa_column=Column(String(HASH_LENGTH), nullable=False))


class JournalRow(StoreModel, table=True):
    """One applied event of one case; append-only, chained by hash to the row before."""

    __tablename__ = "journal"

    case_id: str = Field(
        sa_column=Column(
            String(ID_LENGTH),
            ForeignKey("cases.id", name="fk_journal_case"),
            primary_key=True,
        )
    )
    sequence: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    event: str = Field(sa_column=Column(String(NAME_LENGTH), nullable=False))
    from_state: str | None = Field(default=None, sa_column=Column(String(NAME_LENGTH)))
    to_state: str = Field(sa_column=Column(String(NAME_LENGTH), nullable=False))
    at: datetime = Field(sa_column=Column(DateTime, nullable=False))
    recorded_at: datetime = Field(sa_column=Column(DateTime, nullable=False))
    actor: str | None = Field(default=None, sa_column=Column(String(NAME_LENGTH)))
    payload: str = Field(sa_column=Column(Text, nullable=False))
    basis: str = Field(sa_column=Column(Text, nullable=False))
    timer_changes: str = Field(sa_column=Column(Text, nullable=False))
    automatic: bool = Field(sa_column=Column(Boolean, nullable=False))
    overrides: str | None = Field(default=None, sa_column=Column(Text))
    # the role the act was taken in (policyflow.runtime.roles); NULL: unidentified actor
    role: str | None = Field(default=None, sa_column=Column(String(NAME_LENGTH)))
    # what the step read of other cases (policyflow.runtime.relations); NULL: none
    reads: str | None = Field(default=None, sa_column=Column(Text))
    prev_hash: str = Field(sa_column=Column(String(HASH_LENGTH), nullable=False))
    hash: str = Field(sa_column=Column(String(HASH_LENGTH), nullable=False))


class TimerRow(StoreModel, table=True):
    """One deadline of one case, at the position it has in the case's snapshot.

    ``expires_at`` (the first instant the deadline has passed) is indexed with ``status``,
    so finding the due timers reads only the due rows, however many cases are open; then
    with ``case_id`` and ``position`` (migration 0008), so that tick's pages, in that order,
    are read off the index: a day's deadlines all expire at the same midnight, and with the
    first two columns alone each page sorted every due timer left (on PostgreSQL).
    """

    __tablename__ = "timers"
    __table_args__ = (Index("ix_timers_due", "status", "expires_at", "case_id", "position"),)

    case_id: str = Field(
        sa_column=Column(
            String(ID_LENGTH),
            ForeignKey("cases.id", name="fk_timers_case"),
            primary_key=True,
        )
    )
    position: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    deadline: str = Field(sa_column=Column(String(NAME_LENGTH), nullable=False))
    status: str = Field(sa_column=Column(String(16), nullable=False))
    started_on: date = Field(sa_column=Column(Date, nullable=False))
    period: str = Field(sa_column=Column(String(NAME_LENGTH), nullable=False))
    due: date | None = Field(default=None, sa_column=Column(Date))
    due_at: datetime | None = Field(default=None, sa_column=Column(DateTime))
    expires_at: datetime | None = Field(default=None, sa_column=Column(DateTime))
    suspensions: str = Field(sa_column=Column(Text, nullable=False))
    extensions: str = Field(sa_column=Column(Text, nullable=False))
    extensions_used: int = Field(sa_column=Column(Integer, nullable=False))
    remaining: int | None = Field(default=None, sa_column=Column(Integer))
    provisional: bool = Field(sa_column=Column(Boolean, nullable=False))
    rollover: bool = Field(sa_column=Column(Boolean, nullable=False))
    label: str | None = Field(default=None, sa_column=Column(String(NAME_LENGTH)))


class LedgerRow(StoreModel, table=True):
    """One case ever started, written with its first journal row; never deleted.

    ``verify`` finds a deleted case by its ledger row left behind. No foreign key: the
    row must outlive the case it records.
    """

    __tablename__ = "ledger"

    case_id: str = Field(sa_column=Column(String(ID_LENGTH), primary_key=True))
    first_hash: str = Field(sa_column=Column(String(HASH_LENGTH), nullable=False))


class DelegationRow(StoreModel, table=True):
    """A grant of a role to a person or body, for one case (or all) until a date (第七条).

    Read by the grantee's id before every act; chained by hash, one chain for all grants,
    so that ``verify`` finds one edited or deleted (:mod:`policyflow.store.delegations`).
    """

    __tablename__ = "delegations"
    __table_args__ = (
        Index("ix_delegations_grantee_id", "grantee_id"),
        Index("ux_delegations_sequence", "sequence", unique=True),
    )

    id: str = Field(sa_column=Column(String(ID_LENGTH), primary_key=True))
    grantee_id: str = Field(sa_column=Column(String(ID_LENGTH), nullable=False))
    role: str = Field(sa_column=Column(String(NAME_LENGTH), nullable=False))
    case_id: str | None = Field(default=None, sa_column=Column(String(ID_LENGTH)))
    until: date = Field(sa_column=Column(Date, nullable=False))
    basis: str = Field(sa_column=Column(Text, nullable=False))
    granted_at: datetime = Field(sa_column=Column(DateTime, nullable=False))
    # its place in the one chain of all grants, and the links verify checks (migration 0007)
    sequence: int = Field(sa_column=Column(Integer, nullable=False))
    prev_hash: str = Field(sa_column=Column(String(HASH_LENGTH), nullable=False))
    hash: str = Field(sa_column=Column(String(HASH_LENGTH), nullable=False))


class KeyRow(StoreModel, table=True):
    """One value of one key of one case: what other cases find it by (issue #18).

    A process's ``keys`` (and ``@cohort``, the cohort case a case belongs to) give each
    case a few (name, value) pairs, rewritten whenever the case is written. ``entered_at``
    is the instant the case entered its current state, the same on each of its rows: a
    lookup's ``since`` bound and its hits' order read it here. The index on (process_id,
    name, value) is the path of every lookup and every cohort's members, so their cost
    stays the same however many cases are stored.
    """

    __tablename__ = "case_keys"
    __table_args__ = (Index("ix_case_keys_process_name_value", "process_id", "name", "value"),)

    case_id: str = Field(
        sa_column=Column(
            String(ID_LENGTH),
            ForeignKey("cases.id", name="fk_case_keys_case"),
            primary_key=True,
        )
    )
    process_id: str = Field(sa_column=Column(String(NAME_LENGTH), nullable=False))
    name: str = Field(sa_column=Column(String(NAME_LENGTH), primary_key=True))
    value: str = Field(sa_column=Column(String(KEY_VALUE_LENGTH), primary_key=True))
    entered_at: datetime = Field(sa_column=Column(DateTime, nullable=False))


class CalendarYearRow(StoreModel, table=True):
    """One year's holiday notice, added with ``policyflow calendar add`` (migration 0006).

    ``body`` is the year as calendar-file text (its year line, naming the notice and its
    date, and its day lines); ``stored_at`` is the wall-clock time from which it is in
    force: acts recorded before it were counted without it (``verify`` replays them so).
    """

    __tablename__ = "calendar_years"

    year: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    notice: str = Field(sa_column=Column(Text, nullable=False))
    body: str = Field(sa_column=Column(Text, nullable=False))
    stored_at: datetime = Field(sa_column=Column(DateTime, nullable=False))


# The Core tables, for the hot paths (plain INSERT/UPDATE, no ORM unit of work).
DEFINITIONS = metadata.tables["definitions"]
CASES = metadata.tables["cases"]
JOURNAL = metadata.tables["journal"]
TIMERS = metadata.tables["timers"]
LEDGER = metadata.tables["ledger"]
DELEGATIONS = metadata.tables["delegations"]
CASE_KEYS = metadata.tables["case_keys"]
CALENDAR_YEARS = metadata.tables["calendar_years"]
