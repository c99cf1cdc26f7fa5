"""Running this machine's server programs for the scale tests: as the ``postgres`` user
when the tests run as root (PostgreSQL and PgBouncer refuse root), in directories that
user can enter, on free ports."""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SERVICE_USER = "postgres"
BIN = Path(sys.executable).parent  # this virtualenv's programs (gunicorn, flask)
# Settings of the test run's own environment that must not leak into the app's processes.
NOT_INHERITED = ("OTAGAI_", "GUNICORN_", "DATABASE_", "DB_", "DASHBOARD_", "FCM_", "STRIPE_",
                 "FLASK_")  # fmt: skip


def running_as_root() -> bool:
    return os.geteuid() == 0


def as_service_user(args: list[str]) -> list[str]:
    """``args`` run as the postgres user when we are root; as ourselves otherwise."""
    return ["runuser", "-u", SERVICE_USER, "--", *args] if running_as_root() else args


def give_to_service_user(path: Path) -> None:
    if running_as_root():
        entry = pwd.getpwnam(SERVICE_USER)
        for found in [path, *path.rglob("*")]:
            os.chown(found, entry.pw_uid, entry.pw_gid)


@contextmanager
def scratch_directory(prefix: str) -> Iterator[Path]:
    """A directory under /tmp (short: socket paths must stay under 108 bytes) that the
    postgres user owns and may enter; deleted afterwards, whatever happened."""
    root = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    try:
        root.chmod(0o755)
        give_to_service_user(root)
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(
    port: int, process: subprocess.Popen[bytes] | None = None, *, timeout: float = 20.0
) -> None:
    """Until something accepts TCP connections on 127.0.0.1:``port`` (and ``process``,
    which is to listen there, has not died meanwhile)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            if process is not None and process.poll() is not None:
                raise RuntimeError(f"{process.args} exited with {process.returncode}") from None
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"nothing listens on 127.0.0.1:{port} after {timeout} s"
                ) from None
            time.sleep(0.05)


def app_environment(**settings: str) -> dict[str, str]:
    """The environment for a process of the app (gunicorn, the flask CLI) in test mode
    with emulator sign-in, with ``settings`` and nothing of the test run's own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(NOT_INHERITED)}
    env.update(
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        OTAGAI_ENV="test",
        FIREBASE_AUTH_EMULATOR_HOST="127.0.0.1:9099",
        FIREBASE_PROJECT_ID="demo-otagai",
        **settings,
    )
    return env


def stop_all(processes: list[subprocess.Popen[bytes]], sig: int = signal.SIGTERM) -> None:
    """``sig`` to every process still running, all at once, then wait for each; one that
    has not stopped after 30 s is killed."""
    running = [p for p in processes if p.poll() is None]
    for process in running:
        process.send_signal(sig)
    for process in running:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
