"""A throwaway PostgreSQL cluster for the benchmarks, as tests/conftest.py starts one.

The server binaries come from ``/usr/lib/postgresql/*/bin`` (the newest), the cluster
lives in a temporary folder on the machine's disk, listens on loopback on a free port and
is stopped and deleted at the end. Unlike the tests' cluster it keeps the server's durable
defaults (``fsync``, ``synchronous_commit``, ``full_page_writes`` on) unless told
otherwise, and loads ``pg_stat_statements``.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def bindir() -> Path:
    """The newest installed server's bin folder (initdb, pg_ctl)."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb is None:
        raise SystemExit("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    return Path(initdb).parent


class Cluster:
    """A cluster in `root` (a new folder), started with `settings` (name → value)."""

    def __init__(self, root: Path, settings: dict[str, str]) -> None:
        self.bin = bindir()
        self.user = "postgres" if os.geteuid() == 0 else None  # the server refuses root
        self.root = root
        self.data = root / "data"
        self.log = root / "server.log"
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = int(sock.getsockname()[1])
        self.settings = {"listen_addresses": "127.0.0.1", "max_connections": "60", **settings}
        if self.user is not None:
            entry = pwd.getpwnam(self.user)
            os.chown(root, entry.pw_uid, entry.pw_gid)

    def _run(self, *command: str) -> None:
        if self.user is not None:
            command = ("runuser", "-u", self.user, "--", *command)
        done = subprocess.run(command, capture_output=True, text=True, cwd=self.root)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)}: {done.stdout}{done.stderr}")

    def start(self) -> None:
        """initdb, then pg_ctl start with the settings on the command line."""
        self._run(
            str(self.bin / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-locale",
        )
        options = f"-p {self.port} -k {self.root} " + " ".join(
            f"-c {name}={value}" for name, value in self.settings.items()
        )
        self._run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-o",
            options,
            "-w",
            "-t",
            "120",
            "start",
        )
        if "pg_stat_statements" in self.settings.get("shared_preload_libraries", ""):
            self.sql("CREATE EXTENSION pg_stat_statements")

    def stop(self) -> None:
        """Stop the server (fast shutdown)."""
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def url(self, database: str) -> str:
        """The SQLAlchemy URL of `database` on this cluster."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def connect(self, database: str = "postgres", **options: Any) -> Any:
        """A psycopg connection to `database` (autocommit unless told otherwise)."""
        import psycopg

        options.setdefault("autocommit", True)
        return psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname=database, **options
        )

    def sql(self, statement: str, database: str = "postgres") -> list[tuple[Any, ...]]:
        """Run one statement outside a transaction; return its rows (if any)."""
        with self.connect(database) as connection:
            cursor = connection.execute(statement)
            return list(cursor.fetchall()) if cursor.description else []


@contextmanager
def cluster(settings: dict[str, str], folder: Path | None = None) -> Iterator[Cluster]:
    """A started :class:`Cluster` in a new folder under `folder` (default: the temp dir)."""
    root = Path(tempfile.mkdtemp(prefix="pgscale-", dir=folder))
    root.chmod(0o755)
    server = Cluster(root, settings)
    server.start()
    try:
        yield server
    finally:
        try:
            server.stop()
        finally:
            shutil.rmtree(root, ignore_errors=True)
