"""Test-only helper: run engine writes in a child process and die mid-transaction.

Usage: python kill_helper.py DB_URL MODE CASE_ID

MODE ``journal``: fire ``accepted`` on CASE_ID and SIGKILL ourselves right after the
journal INSERT has run, before COMMIT (when the next statement starts). MODE ``case``:
the same, right after the case UPDATE (when the journal INSERT starts). MODE ``loop``:
start and fire cases in a busy loop until killed from outside, printing each committed
case id. The hook is SQLite's own statement trace, installed here, so the engine itself
carries no test switch.
"""

from __future__ import annotations

import os
import signal
import sys
from datetime import datetime

from sqlalchemy import event

from policyflow.engine import Engine

TINY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "processes", "tiny-permit.yaml")


def main() -> None:
    url, mode, case_id = sys.argv[1:4]
    engine = Engine(url)
    if mode in ("journal", "case"):
        seen = []

        def trace(statement: str) -> None:
            if seen and mode == "journal":
                os.kill(os.getpid(), signal.SIGKILL)
            if statement.startswith("INSERT INTO journal"):
                if mode == "case":
                    os.kill(os.getpid(), signal.SIGKILL)
                seen.append(statement)

        engine.database.dispose()  # new connections only: they get the trace below

        @event.listens_for(engine.database.engine, "connect")
        def _on_connect(dbapi_connection, _record):
            dbapi_connection.set_trace_callback(trace)

        engine.fire(case_id, "accepted", at=datetime(2023, 10, 9, 10))
        print("not killed", flush=True)
        return
    number = 0
    while True:
        number += 1
        case = engine.start(
            TINY,
            {"applicant": f"甲{number}"},
            at=datetime(2023, 9, 28, 10),
            case_id=f"{case_id}-{number}",
        )
        engine.fire(case.id, "accepted", at=datetime(2023, 10, 9, 10))
        print(case.id, flush=True)


if __name__ == "__main__":
    main()
