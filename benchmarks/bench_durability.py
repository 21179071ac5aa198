"""Benchmark durability: events per second on SQLite (normal, full) and PostgreSQL (fsync on).

The same work on each: start N cases of the tiny permit process, then fire ``accepted`` on
each, every event its own transaction (case row, hash-chained journal row, timer rows),
from one client. SQLite runs in a file on the machine's disk (not a tmpfs, where a sync
costs nothing) with ``durability="normal"`` (``synchronous=NORMAL``) and ``"full"``
(``synchronous=FULL``). PostgreSQL is a throwaway cluster started here with the server's
defaults for durability (``fsync=on``, ``synchronous_commit=on``, ``full_page_writes=on``),
on the same disk; ``durability="full"`` is the same there (it only insists on
``synchronous_commit=on``).

Usage: .venv/bin/python benchmarks/bench_durability.py [--events 2000] [--folder DIR]
Results go to docs/benchmarks.md (section "Durability").
"""

from __future__ import annotations

import argparse
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from machine import describe

from policyflow.engine import Engine

TINY = Path(__file__).resolve().parents[1] / "tests" / "engine" / "processes" / "tiny-permit.yaml"
SUBMITTED = datetime(2023, 9, 28, 10)
ACCEPTED = datetime(2023, 10, 9, 10)


def run(url: str, durability: str, count: int) -> tuple[float, float]:
    """Starts per second and fires per second, `count` of each, on `url`."""
    with Engine(url, durability=durability) as engine:
        warm = engine.start(TINY, {"applicant": "warm"}, at=SUBMITTED)
        engine.fire(warm.id, "accepted", at=ACCEPTED)
        began = time.perf_counter()
        ids = [engine.start(TINY, {"applicant": f"甲{i}"}, at=SUBMITTED).id for i in range(count)]
        started = time.perf_counter()
        for case_id in ids:
            engine.fire(case_id, "accepted", at=ACCEPTED)
        fired = time.perf_counter()
    return count / (started - began), count / (fired - started)


def fsync_rate(folder: Path, count: int = 300) -> float:
    """Small writes each followed by fsync, per second: the disk's floor for a synced commit."""
    path = folder / "fsync.bin"
    with path.open("wb") as file:
        began = time.perf_counter()
        for _ in range(count):
            file.write(b"x" * 100)
            file.flush()
            os.fsync(file.fileno())
        return count / (time.perf_counter() - began)


def _run_as(user: str | None, *command: str, cwd: Path) -> None:
    if user is not None:
        command = ("runuser", "-u", user, "--", *command)
    subprocess.run(command, check=True, capture_output=True, cwd=cwd)


@contextmanager
def postgres(folder: Path) -> Iterator[str]:
    """A throwaway PostgreSQL cluster in `folder`, durable as shipped; yields its URL."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    bindir = Path(found[-1]).parent if found else Path(shutil.which("initdb") or "").parent
    user = "postgres" if os.geteuid() == 0 else None
    root = Path(tempfile.mkdtemp(prefix="pg-", dir=folder))
    if user is not None:
        entry = pwd.getpwnam(user)
        os.chown(root, entry.pw_uid, entry.pw_gid)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    data = root / "data"
    _run_as(user, str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
            "-E", "UTF8", "--no-locale", cwd=root)  # fmt: skip
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1"
    _run_as(user, str(bindir / "pg_ctl"), "-D", str(data), "-l", str(root / "log"), "-o",
            options, "-w", "start", cwd=root)  # fmt: skip
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        _run_as(user, str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop",
                cwd=root)  # fmt: skip
        shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    """Run each configuration once and print a table row for each."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--folder", type=Path, default=Path(tempfile.gettempdir()))
    parser.add_argument("--no-postgres", action="store_true")
    arguments = parser.parse_args()
    print(describe(), datetime.now().isoformat(timespec="minutes"))
    with tempfile.TemporaryDirectory(dir=arguments.folder) as temporary:
        folder = Path(temporary)
        folder.chmod(0o755)  # the server's user must reach its cluster inside
        print(f"| write + fsync, raw (the disk's floor) | | {fsync_rate(folder):,.0f} / s |")
        for durability in ("normal", "full"):
            starts, fires = run(str(folder / f"{durability}.db"), durability, arguments.events)
            print(f"| SQLite, {durability} | {starts:,.0f} / s | {fires:,.0f} / s |")
        if not arguments.no_postgres:
            with postgres(folder) as url:
                for durability in ("normal", "full"):
                    starts, fires = run(url, durability, arguments.events)
                    print(f"| PostgreSQL (fsync on), {durability} | {starts:,.0f} / s | "
                          f"{fires:,.0f} / s |")  # fmt: skip


if __name__ == "__main__":
    main()
