"""`policyflow worker`: sweep due deadlines on a schedule, until SIGTERM or SIGINT.

The command around :class:`policyflow.engine.worker.Worker`: opens the engine in roles mode
``required`` (the worker handles real cases; its own acts are the law's, as ``system``),
takes the one-worker lock on SQLite, serves ``--metrics-port``, installs the signal
handlers (finish the current page, exit 0), and runs.
"""

from __future__ import annotations

import signal
import sys
from types import FrameType
from typing import Annotated

import typer

from policyflow.cli import app
from policyflow.cli.calendars import CalendarFile, Provisional, calendar_from
from policyflow.cli.case import DbOption, open_engine
from policyflow.cli.durability import DurabilityOption
from policyflow.errors import InvalidInput


@app.command()
def worker(
    db: DbOption = None,
    interval: Annotated[
        float,
        typer.Option("--interval", metavar="S", help="Seconds between sweeps (default 60)."),
    ] = 60.0,
    log_json: Annotated[
        bool,
        typer.Option("--log-json", "--json", help="Log one JSON object per line (also --json)."),
    ] = False,
    metrics_port: Annotated[
        int | None,
        typer.Option("--metrics-port", metavar="P", help="Serve Prometheus text on /metrics."),
    ] = None,
    metrics_host: Annotated[
        str,
        typer.Option("--metrics-host", metavar="HOST", help="Address to serve metrics on."),
    ] = "127.0.0.1",
    once: Annotated[bool, typer.Option("--once", help="Sweep once and exit.")] = False,
    provisional: Provisional = False,
    calendar_file: CalendarFile = None,
    durability: DurabilityOption = None,
) -> None:
    """Sweep due deadlines every --interval seconds; SIGTERM/SIGINT finish the page, exit 0.

    On PostgreSQL several workers share the due cases (FOR UPDATE SKIP LOCKED); on SQLite
    a second worker on the same file is refused. Cases that cannot expire yet (a year with
    no published notice) are logged and retried at the next sweep.
    """
    from policyflow.engine.worker import StructuredLog, Worker, serve_metrics, sqlite_lock

    if not interval > 0:
        raise InvalidInput(f"--interval must be more than 0 seconds, got {interval:g}")
    log = StructuredLog(sys.stdout, as_json=log_json)
    calendar = calendar_from(provisional, calendar_file)
    with (
        open_engine(db, calendar, roles="required", durability=durability) as engine,
        sqlite_lock(engine),
    ):
        runner = Worker(engine, interval=interval, log=log)

        def on_signal(number: int, _frame: FrameType | None) -> None:
            runner.stop(signal.Signals(number).name)

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        server = None
        if metrics_port is not None:
            try:
                server = serve_metrics(runner.metrics, metrics_host, metrics_port)
            except OSError as error:
                raise InvalidInput(
                    f"cannot serve metrics on {metrics_host}:{metrics_port}: {error.strerror}"
                ) from None
        log(
            "info",
            "started",
            database=engine.database.name,
            interval=interval,
            durability=engine.database.durability,
            metrics=None if server is None else f"{metrics_host}:{server.server_address[1]}",
            pid=_pid(),
        )
        try:
            code = runner.run(once=once)
        finally:
            if server is not None:
                server.shutdown()
    raise typer.Exit(code)


def _pid() -> int:
    import os

    return os.getpid()
