"""Shared fixtures: a temporary SQLite file and a real PostgreSQL server.

The PostgreSQL server is started once per session from the binaries installed on the
machine (``/usr/lib/postgresql/*/bin``), in a temporary folder, listening on loopback on a
free port, and stopped at the end. Tests that need it are marked ``@pytest.mark.postgres``
and take the ``postgres_url`` fixture (a fresh database per test). Without the binaries
they are skipped, saying so, unless ``POLICYFLOW_REQUIRE_POSTGRES=1`` (set by .ci/run):
then they fail.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

REQUIRE_POSTGRES = os.environ.get("POLICYFLOW_REQUIRE_POSTGRES") == "1"


def _postgres_bin() -> Path | None:
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return None if initdb is None else Path(initdb).parent


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _server_user() -> str | None:
    """PostgreSQL refuses to run as root: pick an unprivileged system user when we are root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    raise RuntimeError("running as root and neither a 'postgres' nor a 'nobody' user exists")


class PostgresServer:
    """A throwaway PostgreSQL cluster in a temporary folder."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.user = _server_user()
        self.root = Path(tempfile.mkdtemp(prefix="policyflow-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = _free_port()
        self._names = itertools.count(1)
        if self.user is not None:
            entry = pwd.getpwnam(self.user)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)

    def _run(self, *args: str) -> None:
        command = list(args)
        if self.user is not None:
            command = ["runuser", "-u", self.user, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, cwd=self.root)
        if done.returncode != 0:
            log = self.log.read_text() if self.log.exists() else ""
            raise RuntimeError(
                f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}{done.stderr}{log}"
            )

    def start(self) -> None:
        self._run(
            str(self.bindir / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-locale",
        )
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=60"
        )
        self._run(
            str(self.bindir / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
        )

    def stop(self) -> None:
        try:
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        import psycopg

        name = f"policyflow_test_{next(self._names)}"
        with psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname="postgres", autocommit=True
        ) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return name


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A real PostgreSQL server for the session (skipped, saying why, without the binaries)."""
    bindir = _postgres_bin()
    if bindir is None:
        reason = "PostgreSQL server binaries (initdb, pg_ctl) are not installed on this machine"
        if REQUIRE_POSTGRES:
            pytest.fail(f"POLICYFLOW_REQUIRE_POSTGRES=1 but {reason}")
        pytest.skip(reason)
    server = PostgresServer(bindir)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> str:
    """The URL of a fresh, empty database on the session's PostgreSQL server."""
    return postgres_server.url(postgres_server.create_database())


@pytest.fixture
def sqlite_path(tmp_path: Path) -> Path:
    """The path of a new SQLite database file (not yet created) in a temporary folder."""
    return tmp_path / "policyflow.db"


@pytest.fixture
def frozen_time():
    """freezegun's ``freeze_time``, safe to use with policyflow's lazy top-level names.

    freezegun reads every attribute of every loaded module when it starts; on
    ``policyflow`` that would import the lazy layers (pydantic models built inside frozen
    time fail on freezegun's FakeDate), so they are imported first.
    """
    from freezegun import freeze_time

    import policyflow

    for name in policyflow.__all__:
        getattr(policyflow, name)
    return freeze_time


@pytest.fixture(autouse=True)
def _no_user_calendars(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory):
    """No test counts on calendar years kept in the developer's own folder (calendar add)."""
    empty = tmp_path_factory.getbasetemp() / "no-user-calendars"
    monkeypatch.setenv("POLICYFLOW_CALENDARS", str(empty))
