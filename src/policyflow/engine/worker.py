"""The worker: sweeps due deadlines on a schedule, stops cleanly, and says what it does.

``policyflow worker --db URL`` runs :class:`Worker` over an engine: every `interval`
seconds a sweep, the engine's own tick (:mod:`policyflow.engine.tick`, page by page,
each page one transaction), on the calendar with every year stored so far (reloaded
before each sweep, :meth:`~policyflow.engine.Engine.reload_calendars`).

- **Stopping.** :meth:`Worker.stop` (SIGTERM, SIGINT) lets the current page commit and
  ends the sweep before the next one: nothing is left half-written (a page is one
  transaction), and what was not reached is due for the next worker.
- **Several copies.** On PostgreSQL each page locks its cases with ``FOR UPDATE SKIP
  LOCKED``: copies share the due cases, each timer fires once. On SQLite one writer works
  at a time anyway, so a second worker on the same file is refused
  (:func:`sqlite_lock`), naming the one that runs.
- **Cases that cannot expire** (a deadline reaching a year no notice has published) are
  logged and counted, and tried again at the next sweep; they never stop the sweep. A
  sweep that fails (the database unreachable) is logged and counted, and the worker goes
  on at the next interval.
- **Logs and metrics.** One structured line per event (``key=value``, or JSON), and
  :class:`Metrics` as Prometheus text (:func:`serve_metrics`).
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from sqlalchemy.exc import SQLAlchemyError

from policyflow.engine import tick as sweep
from policyflow.errors import DatabaseUnavailable, PolicyflowError
from policyflow.store import timers

if TYPE_CHECKING:
    from policyflow.engine.case import TickReport
    from policyflow.engine.engine import Engine

__all__ = ["Metrics", "StructuredLog", "Worker", "serve_metrics", "sqlite_lock"]


class StructuredLog:
    """One line per event: ``time level event key=value …``, or one JSON object.

    Args:
        stream: where lines go (flushed after each).
        as_json: JSON objects (``ts``, ``level``, ``event`` and the fields) instead.
    """

    def __init__(self, stream: TextIO, *, as_json: bool = False) -> None:
        self.stream = stream
        self.as_json = as_json
        self._lock = threading.Lock()

    def __call__(self, level: str, event: str, /, **fields: Any) -> None:
        """Write one line."""
        stamp = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        if self.as_json:
            line = json.dumps(
                {"ts": stamp, "level": level, "event": event, **fields},
                ensure_ascii=False,
                default=str,
            )
        else:
            pairs = " ".join(f"{key}={_plain(value)}" for key, value in fields.items())
            line = f"{stamp} {level} {event} {pairs}".rstrip()
        with self._lock:
            self.stream.write(line + "\n")
            self.stream.flush()


def _plain(value: Any) -> str:
    text = str(value)
    return json.dumps(text, ensure_ascii=False) if not text or " " in text else text


class Metrics:
    """What the worker did, as Prometheus counters and gauges (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.fired = 0
        self.overdue = 0
        self.pages = 0
        self.sweeps = 0
        self.errors = 0
        self.refused = 0
        self.lag_seconds = 0.0
        self.last_sweep = 0.0

    def add(self, **counts: float) -> None:
        """Add to counters (or, for ``lag_seconds`` and ``last_sweep``, set)."""
        with self._lock:
            for name, value in counts.items():
                if name in ("lag_seconds", "last_sweep"):
                    setattr(self, name, float(value))
                else:
                    setattr(self, name, getattr(self, name) + value)

    def text(self) -> str:
        """The metrics in the Prometheus text exposition format (version 0.0.4)."""
        with self._lock:
            rows: list[tuple[str, str, str, list[tuple[str, float]]]] = [
                ("timers_fired_total", "counter", "Deadlines expired by the worker.", [
                    ('{action="fired"}', self.fired),
                    ('{action="overdue"}', self.overdue),
                ]),
                ("pages_total", "counter", "Pages of due timers swept.", [("", self.pages)]),
                ("sweeps_total", "counter", "Sweeps run.", [("", self.sweeps)]),
                ("errors_total", "counter", "Sweeps that failed.", [("", self.errors)]),
                ("refused_total", "counter", "Cases that could not expire (retried).",
                 [("", self.refused)]),
                ("lag_seconds", "gauge", "Age of the oldest due timer after the last sweep.",
                 [("", self.lag_seconds)]),
                ("last_sweep_timestamp_seconds", "gauge", "When the last sweep ended (Unix).",
                 [("", self.last_sweep)]),
            ]  # fmt: skip
        lines = []
        for name, kind, help_text, samples in rows:
            lines.append(f"# HELP policyflow_worker_{name} {help_text}")
            lines.append(f"# TYPE policyflow_worker_{name} {kind}")
            lines.extend(f"policyflow_worker_{name}{labels} {value:g}" for labels, value in samples)
        return "\n".join(lines) + "\n"


def serve_metrics(metrics: Metrics, host: str, port: int) -> ThreadingHTTPServer:
    """Serve ``GET /metrics`` on `host`:`port` (0: any free port) from a daemon thread.

    Raises:
        OSError: the port cannot be bound.
    """

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path.split("?", 1)[0] not in ("/metrics", "/"):
                self.send_error(404, "only /metrics is served")
                return
            body = metrics.text().encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # scrapes are not the worker's events

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    return server


@contextmanager
def sqlite_lock(engine: Engine) -> Iterator[None]:
    """Hold the one-worker lock of an SQLite file (a no-op on PostgreSQL).

    The lock is ``FILE-worker.lock`` beside the database, taken with ``flock``: released
    by the kernel when the process ends, however it ends.

    Raises:
        DatabaseUnavailable: another worker holds it (naming its process id).
    """
    database = engine.database
    if not database.is_sqlite or database.url.database in (None, "", ":memory:"):
        yield
        return
    import fcntl

    path = Path(f"{database.url.database}-worker.lock")
    handle = path.open("a+", encoding="utf-8")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise DatabaseUnavailable(
                f"another worker is sweeping {database.name} (pid {holder}, lock {path}): "
                "on SQLite one worker at a time; stop it first, or run several on PostgreSQL",
                database=database.name,
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        yield
    finally:
        handle.close()


class Worker:
    """Sweep an engine's due deadlines every `interval` seconds until stopped.

    Args:
        engine: the engine (its database, calendar, clock and roles mode).
        interval: seconds between the end of one sweep and the start of the next.
        log: where structured lines go (:class:`StructuredLog`).
        metrics: the counters to keep (a new :class:`Metrics` by default).
    """

    def __init__(
        self,
        engine: Engine,
        *,
        interval: float = 60.0,
        log: Callable[..., None],
        metrics: Metrics | None = None,
    ) -> None:
        self.engine = engine
        self.interval = interval
        self.log = log
        self.metrics = Metrics() if metrics is None else metrics
        self._stopping = threading.Event()
        self._reason = ""

    def stop(self, reason: str = "stop") -> None:
        """Finish the current page, then stop; `reason` is logged (e.g. ``SIGTERM``).

        Safe from a signal handler: it only sets a flag (it writes no log line: the
        handler may run while the main thread holds the log's lock).
        """
        self._reason = reason
        self._stopping.set()

    @property
    def stopping(self) -> bool:
        """Whether :meth:`stop` was called."""
        return self._stopping.is_set()

    def sweep(self) -> TickReport:
        """One sweep: expire every deadline due now, page by page, unless stopped between."""
        engine = self.engine
        if engine.reload_calendars():
            self.log("info", "calendar_reloaded", years=sorted(engine.calendars.years))
        now = engine.clock.now()
        report = sweep.tick(
            engine._writer,
            now,
            engine._forget,
            stop=self._stopping.is_set,
            on_page=lambda _size: self.metrics.add(pages=1),
        )
        for action in report.actions:
            self.log(
                "info",
                "deadline_expired",
                case=action.case_id,
                deadline=action.deadline,
                action=action.action,
                at=action.at.isoformat(sep=" "),
                case_event=action.event,
                state=action.to_state,
            )
        for case_id, reason in report.refused:
            self.log("warning", "case_refused", case=case_id, reason=reason, retry="next sweep")
        with engine.database.read() as connection:
            oldest = timers.oldest_due(connection, now)
        lag = 0.0 if oldest is None else max(0.0, (now - oldest).total_seconds())
        self.metrics.add(
            sweeps=1,
            fired=len(report.fired),
            overdue=len(report.overdue),
            refused=len(report.refused),
            lag_seconds=lag,
            last_sweep=datetime.now(UTC).timestamp(),
        )
        self.log(
            "info",
            "sweep",
            now=now.isoformat(sep=" ", timespec="seconds"),
            fired=len(report.fired),
            overdue=len(report.overdue),
            refused=len(report.refused),
            skipped=len(report.skipped),
            lag_seconds=round(lag, 3),
            stopped_early=self.stopping,
        )
        return report

    def run(self, *, once: bool = False) -> int:
        """Sweep until stopped (or once); return the exit code: 0, or 1 if `once` failed."""
        failed = False
        while not self.stopping:
            try:
                self.sweep()
                failed = False
            except (PolicyflowError, SQLAlchemyError, OSError) as error:
                failed = True
                self.metrics.add(errors=1)
                first = str(error).strip().splitlines()
                self.log("error", "sweep_failed", error=type(error).__name__,
                         message=first[0] if first else "", retry_in=self.interval)  # fmt: skip
            if once:
                break
            self._stopping.wait(self.interval)
        if self.stopping:
            self.log("info", "stopping", signal=self._reason)
        self.log("info", "stopped", reason=self._reason if self.stopping else "once")
        return 1 if once and failed else 0
