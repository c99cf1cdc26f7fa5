"""Instances of the web tier as a deployment runs them: ``gunicorn -c gunicorn.conf.py
otagai.wsgi:app``, each master with its own workers, pools and token cache, and the
JSON log it writes on stderr kept in a file of its own. Who answered a request is read
from those logs: the access line carries the ``X-Request-Id`` the caller sent."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.conftest import ROOT

BIN = Path(sys.executable).parent
# Settings of the test run's own environment that must not leak into the instances.
NOT_INHERITED = ("OTAGAI_", "GUNICORN_", "DATABASE_", "DB_", "DASHBOARD_", "FCM_", "STRIPE_")


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    request_id: str

    def json(self) -> Any:
        return json.loads(self.body or b"null")


@dataclass
class Instance:
    name: str
    process: subprocess.Popen[bytes]
    log: Path

    def records(self) -> list[dict[str, Any]]:
        lines = self.log.read_text(errors="replace").splitlines()
        return [json.loads(line) for line in lines if line.startswith("{")]

    def answered(self) -> set[str]:
        """Request ids of the access lines this instance wrote."""
        return {
            r["request_id"]
            for r in self.records()
            if r.get("logger") == "otagai.access" and "request_id" in r
        }

    def booted(self) -> bool:
        """Its worker booted, and then (gunicorn's last step) its control socket."""
        messages = [r["msg"] for r in self.records()]
        return any(m.startswith("Booting worker") for m in messages) and any(
            m.startswith("Control socket listening") for m in messages
        )


def call(port: int, method: str, path: str, body: Any = None, **headers: str) -> Answer:
    """One request on a connection of its own (the kernel picks the instance anew)."""
    request_id = f"scale-{uuid.uuid4().hex}"
    data = None if body is None else json.dumps(body).encode()
    if data is not None:
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=data,
        method=method,
        headers={"X-Request-Id": request_id, "Connection": "close", **headers},
    )
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return Answer(response.status, dict(response.headers), response.read(), request_id)
    except urllib.error.HTTPError as error:
        return Answer(error.code, dict(error.headers), error.read(), request_id)


def _environment(**settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(NOT_INHERITED)}
    env.update(
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        OTAGAI_ENV="test",
        FIREBASE_AUTH_EMULATOR_HOST="127.0.0.1:9099",
        FIREBASE_PROJECT_ID="demo-otagai",
        **settings,
    )
    return env


def _start(name: str, log: Path, **settings: str) -> Instance:
    with open(log, "wb") as stderr:
        process = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "otagai.wsgi:app"],
            cwd=ROOT, env=_environment(**settings), stdout=subprocess.DEVNULL, stderr=stderr,
        )  # fmt: skip
    return Instance(name, process, log)


def _stop(instances: list[Instance]) -> None:
    """SIGTERM to every master at once (a graceful stop takes each a few seconds), then
    wait for them; one that does not stop in time is killed."""
    running = [i.process for i in instances if i.process.poll() is None]
    for process in running:
        process.send_signal(signal.SIGTERM)
    for process in running:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def instances_on_one_port(
    port: int, directory: Path, count: int = 2, **settings: str
) -> Iterator[list[Instance]]:
    """``count`` gunicorn masters (one worker each) bound to 127.0.0.1:``port`` with
    SO_REUSEPORT (GUNICORN_REUSE_PORT=1); stopped with SIGTERM afterwards."""
    started: list[Instance] = []
    try:
        for n in range(count):
            instance = _start(
                f"instance-{n}",
                directory / f"instance-{n}.log",
                GUNICORN_BIND=f"127.0.0.1:{port}",
                GUNICORN_REUSE_PORT="1",
                GUNICORN_WORKERS="1",
                # Each its own: gunicorn's default path is one per user (gunicorn.conf.py).
                GUNICORN_CONTROL_SOCKET=str(directory / f"instance-{n}.ctl"),
                **settings,
            )
            started.append(instance)
        deadline = time.monotonic() + 60
        while not all(i.booted() for i in started):
            for i in started:
                assert i.process.poll() is None, f"{i.name} exited:\n{i.log.read_text()}"
            assert time.monotonic() < deadline, "the instances did not boot within 60 s"
            time.sleep(0.1)
        yield started
    finally:
        _stop(started)
