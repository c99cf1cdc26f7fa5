"""A PgBouncer of the test's own in front of the test server: transaction pooling, a
config file and a free port of its own (never the package's service on 6432), a few
server connections for many clients."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from otagai.config import normalize_database_url
from tests.scale.processes import (
    SERVICE_USER,
    free_port,
    give_to_service_user,
    running_as_root,
    scratch_directory,
    wait_for_port,
)

INSTALL_HINT = "`make scale-check` installs it (scripts/ensure-pgbouncer.sh), or set PGBOUNCER"


def pgbouncer_binary() -> str:
    """PGBOUNCER (the Makefile's), else one on PATH or in /usr/sbin. Without one: fail
    under CI=true (CI installs it), else skip with the reason."""
    found = os.environ.get("PGBOUNCER") or shutil.which("pgbouncer")
    if not found and os.access("/usr/sbin/pgbouncer", os.X_OK):
        found = "/usr/sbin/pgbouncer"
    if found:
        return found
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true needs PgBouncer for tests/scale/: {INSTALL_HINT}")
    pytest.skip(reason=f"no pgbouncer found: {INSTALL_HINT}")


@dataclass(frozen=True)
class Bouncer:
    port: int
    log: Path

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{SERVICE_USER}@127.0.0.1:{self.port}/{database}"

    def admin(self, command: str) -> None:
        """A command on PgBouncer's admin console (the ``pgbouncer`` database)."""
        console = self.url("pgbouncer").replace("+psycopg", "")
        with psycopg.connect(console, autocommit=True, prepare_threshold=None) as conn:
            conn.execute(command.encode())

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def _config(server_url: str, port: int, root: Path, pool_size: int, extra: dict[str, str]) -> str:
    server = make_url(normalize_database_url(server_url))
    target = f"host={server.host or '127.0.0.1'} port={server.port or 5432}"
    if server.password:
        target += f" password={server.password}"
    settings = {
        "listen_addr": "127.0.0.1",
        "listen_port": str(port),
        "unix_socket_dir": "",
        "auth_type": "trust",
        "auth_file": str(root / "userlist.txt"),
        "pool_mode": "transaction",
        # Many more clients than server connections: transactions really share them.
        "max_client_conn": "200",
        "default_pool_size": str(pool_size),
        "reserve_pool_size": "0",
        "logfile": str(root / "pgbouncer.log"),
        "pidfile": "",
        "admin_users": server.username or SERVICE_USER,  # RECONNECT, SHOW ... on the console
        **extra,
    }
    lines = ["[databases]", f"* = {target}", "", "[pgbouncer]"]
    lines += [f"{name} = {value}" for name, value in settings.items()]
    return "\n".join(lines) + "\n"


@contextmanager
def running_pgbouncer(
    binary: str, server_url: str, *, pool_size: int = 3, **extra: str
) -> Iterator[Bouncer]:
    """PgBouncer on a free port forwarding every database of ``server_url``'s server with
    ``pool_size`` server connections per database; ``extra`` settings added to its
    [pgbouncer] section. Stopped and its directory deleted afterwards."""
    with scratch_directory("otagai-pgb-") as root:
        port = free_port()
        user = make_url(normalize_database_url(server_url)).username or SERVICE_USER
        (root / "userlist.txt").write_text(f'"{user}" ""\n')
        (root / "pgbouncer.ini").write_text(_config(server_url, port, root, pool_size, extra))
        give_to_service_user(root)
        # PgBouncer refuses to run as root; -u makes it drop to the postgres user.
        user_flag = ["-u", SERVICE_USER] if running_as_root() else []
        process = subprocess.Popen(
            [binary, *user_flag, str(root / "pgbouncer.ini")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        bouncer = Bouncer(port=port, log=root / "pgbouncer.log")
        try:
            wait_for_port(port, process)
            yield bouncer
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
