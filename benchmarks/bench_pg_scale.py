"""Benchmark policyflow on PostgreSQL at scale: concurrent fire, tick by workers, a soak.

Each part starts its own throwaway cluster (benchmarks/pgserver.py: the newest server in
/usr/lib/postgresql, a temporary folder on the machine's disk, the server's durable
defaults, ``pg_stat_statements`` loaded) and prints the load average (``/proc/loadavg``)
beside every figure: the machine is shared.

1. ``fire``: 1, 2 and 4 client processes fire ``filed`` (an internal transition of
   benchmarks/processes/bench-filing.yaml) for ``--seconds`` each, on distinct cases (every
   event on a case nobody else touches) and on one hot case (every client on the same
   case), with ``synchronous_commit`` on (durable) and off. Reports events/s, latency,
   errors the clients saw, and the optimistic retries (the engine's cached case found
   stale: ``UPDATE cases`` calls that matched no row, from pg_stat_statements).
2. ``tick``: 1,000,000 open tiny-permit cases, 100,000 of them due, swept by 1, 2 and 4
   ``policyflow worker --once`` processes (each run on its own copy of the loaded
   database, ``CREATE DATABASE … TEMPLATE``). The cases are two real ones made by the
   engine, cloned in SQL (benchmarks/pgclone.py); ``verify`` is run on a sample of
   clones before, and on a sample of swept cases after. Load time is reported apart.
3. ``soak``: 4 ``policyflow worker`` processes for ``--minutes``, SIGKILLed at random
   (and just after bursts of timers fall due) and restarted, while a feeder starts
   bench-filing cases whose one-hour reply limit falls due seconds later and fires
   ``filed``/``closed`` on open ones. At the end: every due timer fired exactly once
   (journal entries counted per deadline), none lost, and ``verify`` clean.
4. ``midkill``: one ``worker --once`` after another over ``--due`` timers due at one
   instant, each SIGKILLed 3–6 s into its sweep (inside a page's transaction, as the
   server's log confirms), then a last one finishes: each fired once, ``verify`` clean.

Usage: PYTHONPATH=src .venv/bin/python benchmarks/bench_pg_scale.py fire|tick|soak|midkill [options]
Results go to docs/benchmarks.md (section "2026-12: PostgreSQL at scale").
"""

from __future__ import annotations

import argparse
import json
import os
import pstats
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from machine import describe
from pgclone import clone, timer_firings
from pgserver import Cluster, cluster

from policyflow.engine import Engine
from policyflow.engine.clock import SystemClock
from policyflow.errors import ConcurrentUpdate, PolicyflowError

HERE = Path(__file__).resolve().parent
FILING = HERE / "processes" / "bench-filing.yaml"
TINY = HERE.parent / "tests" / "engine" / "processes" / "tiny-permit.yaml"
SCRIPT = Path(__file__).resolve()
# the server as shipped, but for memory and checkpoint spacing sized for a bulk load
SETTINGS = {
    "shared_preload_libraries": "pg_stat_statements",
    "shared_buffers": "1GB",
    "max_wal_size": "8GB",
    "maintenance_work_mem": "512MB",
}


def load() -> str:
    """The 1-, 5- and 15-minute load averages, as ``uptime`` prints them."""
    return ", ".join(Path("/proc/loadavg").read_text().split()[:3])


def say(text: str) -> None:
    print(f"[{datetime.now():%H:%M:%S} load {load()}] {text}", flush=True)


def child_env() -> dict[str, str]:
    """This process's environment, with its PYTHONPATH (the tree under test) kept."""
    return {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}


def top_statements(server: Cluster, database: str, limit: int = 6) -> list[str]:
    """The statements on `database` that took the most server time since the last reset."""
    rows = server.sql(
        "SELECT calls, rows, round(total_exec_time::numeric, 0), "
        "regexp_replace(left(query, 90), '\\s+', ' ', 'g') FROM pg_stat_statements "
        f"WHERE dbid = (SELECT oid FROM pg_database WHERE datname = '{database}') "
        f"ORDER BY total_exec_time DESC LIMIT {limit}"
    )
    return [f"{ms:>8} ms {calls:>8} calls {n:>8} rows  {query}" for calls, n, ms, query in rows]


def server_ms(server: Cluster, database: str) -> tuple[float, int]:
    """Total execution time (ms) and calls of every statement on `database` since reset."""
    ((ms, calls),) = server.sql(
        "SELECT coalesce(sum(total_exec_time), 0), coalesce(sum(calls), 0) "
        "FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid "
        f"WHERE d.datname = '{database}'"
    )
    return float(ms), int(calls)


# ------------------------------------------------------------------------------- fire


def client(arguments: argparse.Namespace) -> None:
    """One fire client (a subprocess): fire ``filed`` until the time is up; print JSON."""
    ids = sys.stdin.readline().split()  # the cases to fire on, sent first
    with Engine(arguments.url) as engine:
        warm = ids.pop()  # a case of its own: connection, definition and cache warm
        engine.fire(warm, "filed")
        print("ready", flush=True)
        sys.stdin.readline()  # "go", sent to every client at once
        cpu, began = time.process_time(), time.perf_counter()
        stop = began + arguments.seconds
        latencies: list[float] = []
        errors: dict[str, int] = {}
        position = 0
        while time.perf_counter() < stop and position < len(ids):
            case_id = ids[position] if arguments.mode == "distinct" else ids[0]
            before = time.perf_counter()
            try:
                engine.fire(case_id, "filed")
            except (ConcurrentUpdate, PolicyflowError) as error:
                errors[type(error).__name__] = errors.get(type(error).__name__, 0) + 1
                continue  # the same case again
            latencies.append(time.perf_counter() - before)
            position += 1 if arguments.mode == "distinct" else 0
        elapsed = time.perf_counter() - began
    print(
        json.dumps(
            {
                "events": len(latencies),
                "elapsed": elapsed,
                "cpu": time.process_time() - cpu,
                "errors": errors,
                "latencies": latencies,
            }
        )
    )


def fire_run(server: Cluster, ids: list[list[str]], mode: str, seconds: float) -> dict[str, Any]:
    """Run one client process per id list at once; return the summed result."""
    server.sql("SELECT pg_stat_statements_reset()")
    children = [
        subprocess.Popen(
            [
                sys.executable,
                str(SCRIPT),
                "_client",
                "--url",
                server.url("fire"),
                "--mode",
                mode,
                "--seconds",
                str(seconds),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=child_env(),
        )
        for chunk in ids
    ]
    for child, chunk in zip(children, ids, strict=True):
        assert child.stdin is not None
        child.stdin.write(" ".join(chunk) + "\n")
        child.stdin.flush()
    for child in children:  # each has imported, connected and fired once
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"
    for child in children:
        assert child.stdin is not None
        child.stdin.write("go\n")
        child.stdin.flush()
    results = [json.loads(child.communicate()[0]) for child in children]
    latencies = sorted(x for r in results for x in r["latencies"])
    errors: dict[str, int] = {}
    for result in results:
        for name, count in result["errors"].items():
            errors[name] = errors.get(name, 0) + count
    ((calls, matched),) = server.sql(
        "SELECT coalesce(sum(calls), 0), coalesce(sum(rows), 0) FROM pg_stat_statements "
        "WHERE query LIKE 'UPDATE cases SET%'"
    )
    events = len(latencies)
    return {
        "events": events,
        "rate": events / max(r["elapsed"] for r in results),
        "cpu_per_event_ms": 1000 * sum(r["cpu"] for r in results) / max(events, 1),
        "p50_ms": 1000 * latencies[events // 2] if events else 0,
        "p99_ms": 1000 * latencies[int(events * 0.99)] if events else 0,
        "errors": errors,
        "stale_retries": int(calls) - int(matched),
        "server_ms_per_event": server_ms(server, "fire")[0] / max(events, 1),
    }


def bench_fire(arguments: argparse.Namespace) -> None:
    print(describe())
    with cluster(SETTINGS) as server:
        server.sql("CREATE DATABASE fire")
        url = server.url("fire")
        with Engine(url) as engine:
            engine.start(FILING, {"applicant": "模板甲"}, case_id="tpl-open")
        pool = arguments.pool
        began = time.perf_counter()
        with server.connect("fire", autocommit=False) as connection:
            clone(connection, "tpl-open", pool, seed="fire", marker="模板甲")
            connection.commit()
            rows = connection.execute("SELECT id FROM cases ORDER BY id").fetchall()
        say(f"cloned {pool:,} open cases in {time.perf_counter() - began:.1f}s")
        free = [row[0] for row in rows if row[0] != "tpl-open"]
        hot = free.pop()
        for durable in (True, False):
            setting = "on" if durable else "off"
            server.sql(f"ALTER SYSTEM SET synchronous_commit = {setting}")
            server.sql("SELECT pg_reload_conf()")
            for count in (1, 2, 4):
                for mode in ("distinct", "hot"):
                    chunks = []
                    for _ in range(count):
                        size = arguments.per_client if mode == "distinct" else 1
                        taken, free = free[:size], free[size:]
                        chunks.append(([hot] if mode == "hot" else []) + taken + [free.pop()])
                    result = fire_run(server, chunks, mode, arguments.seconds)
                    say(
                        f"fire synchronous_commit={setting} clients={count} {mode}: "
                        f"{result['rate']:,.0f} events/s ({result['events']:,} in "
                        f"{arguments.seconds:g}s), p50 {result['p50_ms']:.1f} ms, p99 "
                        f"{result['p99_ms']:.1f} ms, client CPU {result['cpu_per_event_ms']:.2f}"
                        f" ms/event, errors {result['errors']}, stale-cache retries "
                        f"{result['stale_retries']}, server "
                        f"{result['server_ms_per_event']:.2f} ms/event"
                    )
        with Engine(url) as engine:
            checked = engine.verify(hot)
            filings = engine.get(hot).data["filings"]
        say(f"hot case {hot}: {filings:,} filings, verify clean ({checked:,} entries)")


# ------------------------------------------------------------------------------- tick


def build_tick_base(server: Cluster, total: int, due: int) -> None:
    """Database ``base``: `total` open tiny-permit cases, `due` of them due now."""
    server.sql("CREATE DATABASE base")
    url = server.url("base")
    began = time.perf_counter()
    with Engine(url) as engine:
        # due: decision limit 2023-11-07; not due: accepted 2026-11-25, due 2026-12-24
        for case_id, submitted, accepted in (
            ("tpl-due", datetime(2023, 9, 28, 10), datetime(2023, 10, 9, 10)),
            ("tpl-later", datetime(2026, 11, 20, 10), datetime(2026, 11, 25, 10)),
        ):
            engine.start(TINY, {"applicant": "模板甲"}, at=submitted, case_id=case_id)
            engine.fire(case_id, "accepted", at=accepted)
    with server.connect("base", autocommit=False) as connection:
        clone(connection, "tpl-due", due - 1, seed="due", marker="模板甲")
        clone(connection, "tpl-later", total - due - 1, seed="later", marker="模板甲")
        connection.commit()
    loaded = time.perf_counter() - began
    server.sql("VACUUM ANALYZE", "base")
    vacuumed = time.perf_counter() - began - loaded
    ((size,),) = server.sql("SELECT pg_size_pretty(pg_database_size('base'))")
    say(
        f"loaded {total:,} cases ({due:,} due) in {loaded:.1f}s by cloning; "
        f"VACUUM ANALYZE {vacuumed:.1f}s; database {size}"
    )
    sample = server.sql(
        "SELECT id FROM cases TABLESAMPLE SYSTEM (1) REPEATABLE (7) LIMIT 200", "base"
    )
    with Engine(url) as engine:
        rows = sum(engine.verify(case_id) for (case_id,) in sample)
    say(f"verify: {len(sample)} sampled clones clean ({rows} journal rows)")


def worker_command(url: str, *extra: str, profile: Path | None = None) -> list[str]:
    """``policyflow worker`` on `url` with JSON logs (under cProfile, to `profile`)."""
    profiled = ["-m", "cProfile", "-o", str(profile)] if profile else []
    return [
        sys.executable,
        *profiled,
        "-m",
        "policyflow",
        "worker",
        "--db",
        url,
        "--log-json",
        *extra,
    ]


def bench_tick(arguments: argparse.Namespace) -> None:
    print(describe())
    with cluster(SETTINGS) as server:
        build_tick_base(server, arguments.total, arguments.due)

        def profile(count: int, number: int) -> Path | None:
            folder = arguments.profile
            return None if folder is None else folder / f"worker-{count}-{number}.prof"

        for count in arguments.workers:
            name = f"tick{count}"
            began = time.perf_counter()
            server.sql(f"CREATE DATABASE {name} TEMPLATE base STRATEGY FILE_COPY")
            copied = time.perf_counter() - began
            server.sql("SELECT pg_stat_statements_reset()")
            url = server.url(name)
            began = time.perf_counter()
            children = [
                subprocess.Popen(
                    worker_command(url, "--once", profile=profile(count, number)),
                    stdout=subprocess.PIPE,
                    text=True,
                    env=child_env(),
                )
                for number in range(count)
            ]
            outputs = [child.communicate()[0] for child in children]
            wall = time.perf_counter() - began
            codes = [child.returncode for child in children]
            fired, spans = [], []
            for output in outputs:
                lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
                sweep = [r for r in lines if r["event"] == "sweep"]
                fired.append(sum(r["fired"] for r in sweep))
                stamps = [datetime.fromisoformat(r["ts"].rstrip("Z")) for r in lines]
                spans.append((min(stamps), max(stamps)))
            sweep_span = (max(e for _, e in spans) - min(s for s, _ in spans)).total_seconds()
            ms, calls = server_ms(server, name)
            top = top_statements(server, name)
            with server.connect(name) as connection:
                counts = timer_firings(connection, SystemClock().now())
                first, last = connection.execute(
                    "SELECT min(recorded_at), max(recorded_at) FROM journal "
                    "WHERE event = 'deemed_granted'"
                ).fetchone()
            firing = (last - first).total_seconds()
            say(
                f"tick workers={count}: {sum(fired):,} fired ({fired}) in {firing:.1f}s from the "
                f"first expiry recorded to the last = {sum(fired) / firing:,.0f}/s; "
                f"{sweep_span:.1f}s from the first 'started' to the last 'stopped'; "
                f"{wall:.1f}s with process start; exit {codes}; server time "
                f"{ms / 1000:.1f}s in {calls:,} statements; {counts}; copy of base {copied:.0f}s"
            )
            for line in top:
                print("   ", line)
            if arguments.profile is not None:
                stats = pstats.Stats(str(profile(count, 0)))
                stats.sort_stats("tottime").print_stats(15)
            sample = server.sql(
                "SELECT case_id FROM journal WHERE event = 'deemed_granted' "
                "ORDER BY md5(case_id) LIMIT 100",
                name,
            )
            with Engine(url) as engine:
                rows = sum(engine.verify(case_id) for (case_id,) in sample)
            say(f"verify: {len(sample)} swept cases clean ({rows} rows)")
            server.sql(f"DROP DATABASE {name}")


# ------------------------------------------------------------------------------- soak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    fire = commands.add_parser("fire", help="fire throughput, 1/2/4 clients")
    fire.add_argument("--seconds", type=float, default=10.0)
    fire.add_argument("--per-client", type=int, default=8000)
    fire.add_argument("--pool", type=int, default=120_000)
    tick = commands.add_parser("tick", help="1/2/4 workers over a million cases")
    tick.add_argument("--total", type=int, default=1_000_000)
    tick.add_argument("--due", type=int, default=100_000)
    tick.add_argument("--workers", type=lambda s: [int(n) for n in s.split(",")], default=[1, 2, 4])
    tick.add_argument("--profile", type=Path, default=None, help="cProfile the workers here")
    from pgsoak import add_soak_arguments, feeder, kill_mid_sweep, soak

    add_soak_arguments(commands.add_parser("soak", help="workers killed and restarted"))
    mid = commands.add_parser("midkill", help="workers killed inside a large sweep")
    mid.add_argument("--due", type=int, default=20_000)
    mid.add_argument("--kills", type=int, default=8)
    mid.add_argument("--seed", type=int, default=2026)
    one = commands.add_parser("_client")
    for name in ("--url", "--mode"):
        one.add_argument(name, required=True)
    one.add_argument("--seconds", type=float, required=True)
    feed = commands.add_parser("_feeder")
    feed.add_argument("--url", required=True)
    feed.add_argument("--until", type=float, required=True)
    feed.add_argument("--rate", type=float, required=True)
    feed.add_argument("--burst", type=int, required=True)
    feed.add_argument("--burst-every", type=float, required=True)
    feed.add_argument("--out", type=Path, required=True)
    arguments = parser.parse_args()
    handlers = {
        "fire": bench_fire,
        "tick": bench_tick,
        "soak": soak,
        "_client": client,
        "_feeder": feeder,
        "midkill": kill_mid_sweep,
    }
    handlers[arguments.command](arguments)


if __name__ == "__main__":
    main()
