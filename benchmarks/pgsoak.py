"""The soak of bench_pg_scale.py: workers killed and restarted while timers fall due.

- **Workers**: ``--workers`` ``policyflow worker --interval 1`` processes on one database.
  A killer sends SIGKILL to a random one every ``--kill-every`` seconds (a random span),
  and to another just after each burst falls due (while its page is likely in flight),
  then restarts it after 0.5–3 s.
- **Feeder** (one process): starts bench-filing cases whose one-hour reply limit falls due
  5–60 s later (started with ``at`` = now − 1 h + that span: the registration is dated a
  little earlier than it is entered), ``--rate`` a second, and every minute a burst of
  ``--burst`` cases due at one instant 30 s later; between them it fires ``filed`` or
  ``closed`` on open cases, so events and expiries race on the same cases.
- **At the end** the feeder stops 70 s before the time is up, the workers sweep until
  nothing is due, then get SIGTERM (exit 0 expected). Checked: each deadline fired by at
  most one journal entry, every ``fired`` timer has its entry and every entry its timer,
  no armed timer due (none lost), every lapsed case fired once, and ``verify`` clean. The
  server's log is searched for clients that vanished inside a transaction (the kills that
  landed mid-page).
"""

from __future__ import annotations

import argparse
import json
import random
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench_pg_scale import FILING, SCRIPT, SETTINGS, child_env, say, worker_command
from machine import describe
from pgclone import timer_firings
from pgserver import cluster

from policyflow.engine import Engine
from policyflow.engine.clock import SystemClock
from policyflow.errors import PolicyflowError

BURST_LEAD = 30.0


def add_soak_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--rate", type=float, default=3.0, help="cases started a second")
    parser.add_argument("--burst", type=int, default=500, help="cases due at once, a minute")
    parser.add_argument("--kill-every", type=float, nargs=2, default=(10.0, 40.0))
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--logs", type=Path, default=None, help="keep worker logs here")


def _cst_in(seconds: float) -> Any:
    """China Standard Time `seconds` from now (naive), as the engine's clock reads it."""
    return SystemClock().now() + timedelta(seconds=seconds)


def feeder(arguments: argparse.Namespace) -> None:
    """Start cases due soon, in a stream and in bursts; fire events on open ones."""
    rng = random.Random(arguments.until)
    stats = {"started": 0, "burst_started": 0, "filed": 0, "closed": 0, "refused": 0}
    t0 = time.time()
    next_burst = t0 + arguments.burst_every
    open_ids: list[str] = []
    with Engine(arguments.url) as engine:
        while time.time() < arguments.until:
            if time.time() >= next_burst:
                at = _cst_in(BURST_LEAD) - timedelta(hours=1)  # one instant for all
                for number in range(arguments.burst):
                    engine.start(FILING, {"applicant": f"乙{number}"}, at=at)
                stats["burst_started"] += arguments.burst
                next_burst += arguments.burst_every
            at = _cst_in(rng.uniform(5, 60)) - timedelta(hours=1)
            open_ids.append(engine.start(FILING, {"applicant": "甲"}, at=at).id)
            stats["started"] += 1
            del open_ids[:-500]
            for event in ("filed", "closed"):
                if rng.random() < (0.5 if event == "filed" else 0.2):
                    try:
                        engine.fire(rng.choice(open_ids), event)
                        stats[event] += 1
                    except PolicyflowError:
                        stats["refused"] += 1  # closed already, or lapsed first
            time.sleep(max(0.0, 1 / arguments.rate - 0.01))
    arguments.out.write_text(json.dumps(stats))


class Workers:
    """The worker processes, each slot restarted after a kill; logs kept per incarnation."""

    def __init__(self, url: str, count: int, logs: Path) -> None:
        self.url, self.logs = url, logs
        self.slots: list[subprocess.Popen[bytes] | None] = [None] * count
        self.started = [0] * count
        self.kills = 0
        self.targeted = 0  # kills of a worker seen inside a transaction
        for slot in range(count):
            self.spawn(slot)

    def spawn(self, slot: int) -> None:
        self.started[slot] += 1
        log = (self.logs / f"worker-{slot}-{self.started[slot]}.jsonl").open("wb")
        self.slots[slot] = subprocess.Popen(
            worker_command(self.url, "--interval", "1"),
            stdout=log,
            stderr=subprocess.STDOUT,
            env=child_env(),
        )

    def in_transaction(self, watch: Any) -> list[int]:
        """The slots of the workers whose connection is inside a transaction now.

        Args:
            watch: an open psycopg connection (autocommit) to read pg_stat_activity with.
        """
        import psutil

        ports = {
            row[0]
            for row in watch.execute(
                "SELECT client_port FROM pg_stat_activity WHERE datname = 'soak' "
                "AND xact_start IS NOT NULL AND pid <> pg_backend_pid()"
            ).fetchall()
        }
        found = []
        for slot, process in enumerate(self.slots):
            if process is None:
                continue
            try:
                mine = {c.laddr.port for c in psutil.Process(process.pid).net_connections("tcp")}
            except psutil.Error:
                continue
            if mine & ports:
                found.append(slot)
        return found

    def kill(self, rng: random.Random, slot: int | None = None) -> int:
        if slot is None:
            slot = rng.choice([i for i, p in enumerate(self.slots) if p is not None])
        process = self.slots[slot]
        assert process is not None
        process.send_signal(signal.SIGKILL)
        process.wait()
        self.slots[slot] = None
        self.kills += 1
        return slot

    def stop(self) -> list[int]:
        """SIGTERM every live worker once it has started; return their exit codes."""
        for slot, process in enumerate(self.slots):
            log = self.logs / f"worker-{slot}-{self.started[slot]}.jsonl"
            waited = time.time()
            while process is not None and time.time() - waited < 60:
                if '"started"' in log.read_text():
                    break  # its signal handlers are installed
                time.sleep(0.2)
        live = [p for p in self.slots if p is not None]
        for process in live:
            process.send_signal(signal.SIGTERM)
        return [process.wait(timeout=120) for process in live]


def _due_now(server: Any) -> int:
    ((count,),) = server.sql(
        "SELECT count(*) FROM timers WHERE status = 'armed' AND expires_at <= "
        f"'{SystemClock().now().isoformat(' ')}'",
        "soak",
    )
    return int(count)


def soak(arguments: argparse.Namespace) -> None:
    print(describe())
    rng = random.Random(arguments.seed)
    with cluster(SETTINGS) as server:
        logs = arguments.logs or server.root / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        server.sql("CREATE DATABASE soak")
        url = server.url("soak")
        with Engine(url) as engine:  # the schema and the definition, before the workers
            engine.start(FILING, {"applicant": "甲"}, at=_cst_in(45) - timedelta(hours=1))
        t0 = time.time()
        end = t0 + arguments.minutes * 60
        every = min(60.0, arguments.minutes * 15)  # four bursts at least
        feed_out = logs / "feeder.json"
        feed = subprocess.Popen(
            [
                sys.executable,
                str(SCRIPT),
                "_feeder",
                "--url",
                url,
                "--until",
                str(end - 70),
                "--rate",
                str(arguments.rate),
                "--burst",
                str(arguments.burst),
                "--burst-every",
                str(every),
                "--out",
                str(feed_out),
            ],
            env=child_env(),
        )
        workers = Workers(url, arguments.workers, logs)
        say(
            f"soak: {arguments.workers} workers, feeder {arguments.rate}/s + bursts of "
            f"{arguments.burst} a minute, {arguments.minutes:g} min"
        )
        # feeder's bursts fall due at about t0 + k·every + 30 (+ its start-up): kill just after
        burst_kills = [t0 + k * every + BURST_LEAD for k in range(1, 1000)]
        next_kill = t0 + rng.uniform(*arguments.kill_every)
        restarts: list[tuple[float, int]] = []
        next_report = t0 + 60
        watch = server.connect("postgres")
        while time.time() < end:
            now = time.time()
            if now >= next_kill or (burst_kills and now >= burst_kills[0]):
                target = None
                if now >= next_kill:
                    next_kill = now + rng.uniform(*arguments.kill_every)
                else:  # a worker inside its page's transaction, if one is within 6 s
                    burst_kills.pop(0)
                    while target is None and time.time() < now + 6:
                        found = workers.in_transaction(watch)
                        target = rng.choice(found) if found else None
                        workers.targeted += bool(found)
                        time.sleep(0 if found else 0.005)
                if any(p is not None for p in workers.slots):
                    slot = workers.kill(rng, target)
                    restarts.append((time.time() + rng.uniform(0.5, 3), slot))
            for when, slot in list(restarts):
                if time.time() >= when:
                    workers.spawn(slot)
                    restarts.remove((when, slot))
            if now >= next_report:
                next_report += 60
                ((lapsed,),) = server.sql(
                    "SELECT count(*) FROM cases WHERE state = 'lapsed'", "soak"
                )
                say(
                    f"soak {(now - t0) / 60:.0f} min: {lapsed:,} lapsed, {workers.kills} kills, "
                    f"{_due_now(server)} due and not yet swept"
                )
            time.sleep(0.1)
        watch.close()
        for _when, slot in restarts:
            workers.spawn(slot)
        feed.wait(timeout=300)
        waited = time.time()
        while _due_now(server) and time.time() - waited < 180:
            time.sleep(1)
        codes = workers.stop()
        report(server, workers, codes, logs, feed_out, time.time() - waited)


def report(
    server: Any, workers: Workers, codes: list[int], logs: Path, feed_out: Path, drained: float
) -> None:
    """Count, check and print what the soak left; exit 1 if a check fails."""
    url = server.url("soak")
    with server.connect("soak") as connection:
        counts = timer_firings(connection, SystemClock().now())
        states = dict(connection.execute("SELECT state, count(*) FROM cases GROUP BY 1").fetchall())
        ((lapsed_once,),) = connection.execute(
            "SELECT count(*) FROM cases c WHERE state = 'lapsed' AND (SELECT count(*) FROM journal "
            "j WHERE j.case_id = c.id AND j.event = 'lapsed') = 1"
        ).fetchall()
    logged = 0
    for path in logs.glob("worker-*.jsonl"):
        for line in path.read_text().splitlines():
            if line.startswith("{") and json.loads(line)["event"] == "deadline_expired":
                logged += 1
    mid_transaction = server.log.read_text().count(
        "unexpected EOF on client connection with an open transaction"
    )
    began = time.perf_counter()
    with Engine(url) as engine:
        checked = engine.verify()
    verified = time.perf_counter() - began
    feed = json.loads(feed_out.read_text()) if feed_out.exists() else {}
    say(
        f"soak done: {workers.kills} SIGKILLs ({workers.targeted} aimed at a worker seen inside "
        f"a transaction; {mid_transaction} inside one by the server's log), "
        f"{sum(workers.started)} worker starts, SIGTERM exit codes {codes}; "
        f"drained in {drained:.0f}s; cases {states}; feeder {feed}; timers {counts}; lapsed "
        f"cases with exactly one 'lapsed' entry {lapsed_once:,}; 'deadline_expired' log lines "
        f"{logged:,}; verify clean, {checked:,} entries in {verified:.1f}s"
    )
    failed = [
        name
        for name, bad in (
            ("a deadline fired twice", counts["fired_twice"]),
            ("a fired timer without its entry", counts["status_without_entry"]),
            ("an entry without its fired timer", counts["entry_without_status"]),
            ("a due timer never fired", counts["lost"]),
            ("a lapsed case without exactly one lapse", states.get("lapsed", 0) - lapsed_once),
            ("a worker that did not exit 0 on SIGTERM", sum(1 for c in codes if c != 0)),
        )
        if bad
    ]
    if failed:
        say(f"SOAK FAILED: {', '.join(failed)}")
        raise SystemExit(1)
    say("soak: every due timer fired exactly once, none lost, verify clean")


def kill_mid_sweep(arguments: argparse.Namespace) -> None:
    """SIGKILL workers in the middle of a large sweep; the last one finishes it; check.

    The soak's workers are mostly idle between small pages, so few of its kills land
    inside a transaction. Here each worker is killed 3–6 s into a sweep of
    ``--due`` timers due at one instant (tiny-permit cases cloned in SQL), which it spends
    in page transactions; the server's log says which kills landed inside one.
    """
    from datetime import datetime

    from bench_pg_scale import TINY
    from pgclone import clone

    print(describe())
    rng = random.Random(arguments.seed)
    with cluster(SETTINGS) as server:
        server.sql("CREATE DATABASE soak")
        url = server.url("soak")
        with Engine(url) as engine:
            engine.start(
                TINY, {"applicant": "模板甲"}, at=datetime(2023, 9, 28, 10), case_id="tpl-mid"
            )
            engine.fire("tpl-mid", "accepted", at=datetime(2023, 10, 9, 10))
        with server.connect("soak", autocommit=False) as connection:
            clone(connection, "tpl-mid", arguments.due - 1, seed="mid", marker="模板甲")
            connection.commit()
        for _ in range(arguments.kills):
            worker = subprocess.Popen(
                worker_command(url, "--once"), stdout=subprocess.DEVNULL, env=child_env()
            )
            time.sleep(rng.uniform(3, 6))  # its imports, then some pages
            worker.send_signal(signal.SIGKILL)
            worker.wait()
        last = subprocess.run(worker_command(url, "--once"), stdout=subprocess.DEVNULL, check=False)
        inside = server.log.read_text().count(
            "unexpected EOF on client connection with an open transaction"
        )
        with server.connect("soak") as connection:
            counts = timer_firings(connection, SystemClock().now())
        with Engine(url) as engine:
            checked = engine.verify()
    say(f"mid-sweep kills: {arguments.kills} SIGKILLs, {inside} inside a transaction by the "
        f"server's log; the last worker exit {last.returncode}; timers {counts}; verify clean, "
        f"{checked:,} entries")  # fmt: skip
    if counts["fired_twice"] or counts["lost"] or counts["fired"] != arguments.due:
        raise SystemExit(1)
