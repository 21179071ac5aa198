"""Journals → event logs: rows with the XES attribute names, as a DataFrame, CSV or XES.

Process-mining tools (pm4py, ProM, Disco, Celonis) read event logs whose columns carry
the names of the XES standard (IEEE 1849): ``case:concept:name`` the case,
``concept:name`` the activity (the event), ``time:timestamp`` when it happened,
``org:resource`` who did it, ``lifecycle:transition`` (always ``complete``: a journal
entry records a finished event). policyflow's own facts follow under the ``policyflow:``
prefix. Times are business times in China Standard Time, written with their +08:00
offset.

The engine (persisted journals) and the simulator (in-memory journals) both call this
module, so their logs have the same shape. CSV and XES need nothing beyond the standard
library; the DataFrame needs pandas, imported only then.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import quoteattr

from policyflow.definition.canonical import canonical_json
from policyflow.errors import MissingExtra
from policyflow.runtime.journal import JournalEntry

if TYPE_CHECKING:
    import pandas as pd

    from policyflow.definition.model import Process

__all__ = ["COLUMNS", "Journals", "to_csv", "to_dataframe", "to_records", "to_xes"]

CST = timezone(timedelta(hours=8))

# (case id, its journal entries, oldest first)
Journals = Iterable[tuple[str, Sequence[JournalEntry]]]

COLUMNS = (
    "case:concept:name",
    "concept:name",
    "time:timestamp",
    "org:resource",
    "lifecycle:transition",
    "policyflow:process",
    "policyflow:sequence",
    "policyflow:from_state",
    "policyflow:to_state",
    "policyflow:automatic",
    "policyflow:basis",
    "policyflow:payload",
    "policyflow:timer_changes",
    "policyflow:recorded_at",
)


def _changes(entry: JournalEntry) -> str:
    return canonical_json(
        [
            {
                "deadline": c.deadline,
                "action": c.action.value,
                "on": c.on,
                "due": c.due,
                "basis": c.basis,
                **({} if c.label is None else {"label": c.label}),  # an occurrence's only
            }
            for c in entry.timer_changes
        ]
    )


def to_records(
    journals: Journals,
    *,
    process: Process | None = None,
    processes: Mapping[str, str] | None = None,
    recorded: Mapping[tuple[str, int], datetime] | None = None,
) -> list[dict[str, Any]]:
    """Return one dict per journal entry, keyed by :data:`COLUMNS`, in journal order.

    Args:
        journals: (case id, entries) pairs.
        process: the process every case runs (the simulator's case).
        processes: the process id of each case (the engine's case: several processes).
        recorded: when each (case id, sequence) was written, for persisted journals.
    """
    records: list[dict[str, Any]] = []
    default_process = None if process is None else process.id
    for case_id, entries in journals:
        process_id = default_process if processes is None else processes.get(case_id)
        for entry in entries:
            written = None if recorded is None else recorded.get((case_id, entry.sequence))
            records.append(
                {
                    "case:concept:name": case_id,
                    "concept:name": entry.event,
                    "time:timestamp": entry.at.replace(tzinfo=CST),
                    "org:resource": entry.actor,
                    "lifecycle:transition": "complete",
                    "policyflow:process": process_id,
                    "policyflow:sequence": entry.sequence,
                    "policyflow:from_state": entry.from_state,
                    "policyflow:to_state": entry.to_state,
                    "policyflow:automatic": entry.automatic,
                    "policyflow:basis": entry.basis,
                    "policyflow:payload": canonical_json(dict(entry.payload)),
                    "policyflow:timer_changes": _changes(entry),
                    "policyflow:recorded_at": None
                    if written is None
                    else written.replace(tzinfo=CST),
                }
            )
    return records


def to_dataframe(
    journals: Journals,
    *,
    process: Process | None = None,
    processes: Mapping[str, str] | None = None,
    recorded: Mapping[tuple[str, int], datetime] | None = None,
) -> pd.DataFrame:
    """Return the event log as a pandas DataFrame with the XES column names.

    ``time:timestamp`` is a timezone-aware datetime column (UTC+08:00).

    Raises:
        ImportError: pandas is not installed (the message says how to install it).
    """
    try:
        import pandas as pd
    except ImportError:
        raise MissingExtra(
            "the event log as a DataFrame (`policyflow export --csv FILE` needs nothing more)",
            extra="pandas",
            package="pandas",
        ) from None
    records = to_records(journals, process=process, processes=processes, recorded=recorded)
    frame = pd.DataFrame.from_records(records, columns=list(COLUMNS))
    for column in ("time:timestamp", "policyflow:recorded_at"):
        frame[column] = pd.to_datetime(frame[column])
    return frame


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def to_csv(
    journals: Journals,
    *,
    process: Process | None = None,
    processes: Mapping[str, str] | None = None,
    recorded: Mapping[tuple[str, int], datetime] | None = None,
) -> str:
    """Return the event log as CSV text: a header of the XES column names, one row per entry.

    A cell that a spreadsheet would read as a formula (text starting ``=``, ``+``, ``-``,
    ``@``, a tab or a carriage return, such as an actor typed as ``=HYPERLINK(…)``) is
    written with a leading ``'``, which spreadsheets show as text and do not run (OWASP,
    CSV injection). No cell policyflow itself writes starts so: times and numbers begin
    with a digit, payloads with ``{``, timer changes with ``[``.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for record in to_records(journals, process=process, processes=processes, recorded=recorded):
        writer.writerow([_inert(_text(record[column])) for column in COLUMNS])
    return out.getvalue()


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _inert(cell: str) -> str:
    """`cell`, with a leading ``'`` if a spreadsheet would take it for a formula."""
    return "'" + cell if cell.startswith(_FORMULA_STARTS) else cell


_EXTENSIONS = (
    ("Concept", "concept", "http://www.xes-standard.org/concept.xesext"),
    ("Time", "time", "http://www.xes-standard.org/time.xesext"),
    ("Organizational", "org", "http://www.xes-standard.org/org.xesext"),
    ("Lifecycle", "lifecycle", "http://www.xes-standard.org/lifecycle.xesext"),
)


def _attribute(key: str, value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return f"<boolean key={quoteattr(key)} value={quoteattr(_text(value))}/>"
    if isinstance(value, int):
        return f'<int key={quoteattr(key)} value="{value}"/>'
    if isinstance(value, datetime):
        return f"<date key={quoteattr(key)} value={quoteattr(value.isoformat())}/>"
    return f"<string key={quoteattr(key)} value={quoteattr(str(value))}/>"


def to_xes(
    journals: Journals,
    *,
    process: Process | None = None,
    processes: Mapping[str, str] | None = None,
    recorded: Mapping[tuple[str, int], datetime] | None = None,
) -> str:
    """Return the event log as an XES 1.0 document (one trace per case)."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<log xes.version="1.0" xes.features="nested-attributes" '
        'xmlns="http://www.xes-standard.org/">',
    ]
    lines += [
        f'  <extension name="{name}" prefix="{prefix}" uri="{uri}"/>'
        for name, prefix, uri in _EXTENSIONS
    ]
    lines.append('  <classifier name="Activity" keys="concept:name"/>')
    if process is not None:
        lines.append(f"  {_attribute('concept:name', process.id)}")
    current: str | None = None
    for record in to_records(journals, process=process, processes=processes, recorded=recorded):
        case_id = record["case:concept:name"]
        if case_id != current:
            if current is not None:
                lines.append("  </trace>")
            lines.append("  <trace>")
            lines.append(f"    {_attribute('concept:name', case_id)}")
            process_id = record["policyflow:process"]
            if process_id is not None:
                lines.append(f"    {_attribute('policyflow:process', process_id)}")
            current = case_id
        lines.append("    <event>")
        for key in COLUMNS[1:]:
            if key == "policyflow:process":
                continue
            attribute = _attribute(key, record[key])
            if attribute is not None:
                lines.append(f"      {attribute}")
        lines.append("    </event>")
    if current is not None:
        lines.append("  </trace>")
    lines.append("</log>")
    return "\n".join(lines) + "\n"
