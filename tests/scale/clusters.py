"""Throwaway PostgreSQL clusters of this machine's binaries: a primary that streams its
WAL, and a hot standby made from it with ``pg_basebackup -R``. Both are stopped and
deleted when the block ends, whatever happened inside."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from otagai.config import normalize_database_url
from tests.scale.processes import (
    SERVICE_USER,
    as_service_user,
    free_port,
    give_to_service_user,
    scratch_directory,
)

INSTALL_HINT = "install postgresql-<major> and its postgis-3 package, or set PG_BINDIR"


def _test_server_major() -> int:
    """The major version of the server the suite runs on (DATABASE_URL): the clusters use
    the same binaries, whose PostGIS scripts/ensure-postgres.sh made sure of."""
    url = make_url(normalize_database_url(os.environ["DATABASE_URL"]))
    with psycopg.connect(url.set(drivername="postgresql").render_as_string(False)) as conn:
        row = conn.execute("SHOW server_version_num").fetchone()
    return int(row[0]) // 10000 if row else 0


def server_binaries() -> Path:
    """PG_BINDIR, else Debian's binaries of the test server's version. Without them: fail
    under CI=true, else skip with the reason."""
    found = os.environ.get("PG_BINDIR")
    bindir = Path(found) if found else Path(f"/usr/lib/postgresql/{_test_server_major()}/bin")
    if all((bindir / name).is_file() for name in ("initdb", "pg_ctl", "pg_basebackup")):
        return bindir
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true needs PostgreSQL's server programs in {bindir}: {INSTALL_HINT}")
    pytest.skip(reason=f"no PostgreSQL server programs in {bindir}: {INSTALL_HINT}")


@dataclass(frozen=True)
class Cluster:
    bindir: Path
    data: Path
    port: int

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{SERVICE_USER}@127.0.0.1:{self.port}/{database}"

    def libpq(self, database: str = "postgres") -> str:
        return self.url(database).replace("+psycopg", "")

    def query(self, sql: str, database: str = "postgres") -> object:
        """The first value of the first row (if any), in autocommit."""
        with psycopg.connect(self.libpq(database), autocommit=True) as conn:
            cursor = conn.execute(sql.encode())
            row = cursor.fetchone() if cursor.description else None
            return row[0] if row else None

    def run(self, program: str, *args: str) -> None:
        done = subprocess.run(
            as_service_user([str(self.bindir / program), *args]),
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        if done.returncode:
            raise RuntimeError(f"{program} failed ({done.returncode}): {done.stderr.strip()}")

    def start(self) -> None:
        socket_dir = self.data.parent  # short and ours: sockets need < 108 bytes
        options = f"-p {self.port} -k {socket_dir} -c listen_addresses=127.0.0.1"
        log = self.data.parent / f"{self.data.name}.log"
        self.run("pg_ctl", "-D", str(self.data), "-l", str(log), "-o", options, "-w", "start")

    def stop(self) -> None:
        subprocess.run(
            as_service_user([str(self.bindir / "pg_ctl"), "-D", str(self.data),
                             "-m", "immediate", "-w", "stop"]),
            capture_output=True, timeout=60, check=False,
        )  # fmt: skip


# Speed over durability (the clusters live for seconds); the rest is what replication needs.
PRIMARY_SETTINGS = """
wal_level = replica
max_wal_senders = 4
hot_standby = on
fsync = off
full_page_writes = off
shared_buffers = 32MB
"""
# Replication connections from this machine, and ordinary ones, without passwords.
PRIMARY_HBA = """
local all all trust
host all all 127.0.0.1/32 trust
host replication all 127.0.0.1/32 trust
"""


def _init_primary(primary: Cluster) -> None:
    primary.run("initdb", "-D", str(primary.data), "-U", SERVICE_USER, "--auth=trust",
                "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")  # fmt: skip
    with open(primary.data / "postgresql.conf", "a") as conf:
        conf.write(PRIMARY_SETTINGS)
    (primary.data / "pg_hba.conf").write_text(PRIMARY_HBA)
    give_to_service_user(primary.data)


def _back_up(primary: Cluster, standby: Cluster) -> None:
    """A base backup of ``primary`` streamed into ``standby``'s directory; ``-R`` writes
    ``standby.signal`` and ``primary_conninfo``, so it starts as a hot standby."""
    source = ["-h", "127.0.0.1", "-p", str(primary.port), "-U", SERVICE_USER]
    primary.run("pg_basebackup", *source, "-D", str(standby.data), "-R", "-X", "stream",
                "-c", "fast", "--no-sync")  # fmt: skip


@dataclass(frozen=True)
class Replication:
    primary: Cluster
    standby: Cluster

    def caught_up(self, timeout: float = 30.0) -> None:
        """Until the standby has replayed everything the primary had written."""
        target = self.primary.query("SELECT pg_current_wal_lsn()::text")
        deadline = time.monotonic() + timeout
        while True:
            behind = self.standby.query(
                f"SELECT pg_wal_lsn_diff('{target}', pg_last_wal_replay_lsn()) > 0"
            )
            if behind is False:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"the standby did not replay up to {target} in {timeout} s")
            time.sleep(0.05)

    def pause_replay(self, timeout: float = 30.0) -> None:
        self.standby.query("SELECT pg_wal_replay_pause()")
        deadline = time.monotonic() + timeout
        while self.standby.query("SELECT pg_get_wal_replay_pause_state()") != "paused":
            if time.monotonic() > deadline:
                raise TimeoutError(f"replay on the standby did not pause in {timeout} s")
            time.sleep(0.02)

    def resume_replay(self) -> None:
        self.standby.query("SELECT pg_wal_replay_resume()")


@contextmanager
def primary_and_standby() -> Iterator[Replication]:
    """A primary, and a hot standby streaming from it; stopped and deleted afterwards."""
    bindir = server_binaries()
    with scratch_directory("otagai-pg-") as root, ExitStack() as stops:
        primary = Cluster(bindir, root / "primary", free_port())
        standby = Cluster(bindir, root / "standby", free_port())
        _init_primary(primary)
        stops.callback(primary.stop)  # before starting: a start that times out still runs
        primary.start()
        _back_up(primary, standby)
        stops.callback(standby.stop)
        standby.start()
        yield Replication(primary, standby)
