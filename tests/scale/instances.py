"""Instances of the web tier as a deployment runs them: ``gunicorn -c gunicorn.conf.py
otagai.wsgi:app``, each master with its own workers, pools and token cache, and the
JSON log it writes on stderr kept in a file of its own. Who answered a request is read
from those logs: the access line carries the ``X-Request-Id`` the caller sent."""

from __future__ import annotations

import json
import subprocess
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
from tests.scale.processes import BIN, app_environment, stop_all


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


def _start(name: str, log: Path, **settings: str) -> Instance:
    with open(log, "wb") as stderr:
        process = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "otagai.wsgi:app"],
            cwd=ROOT, env=app_environment(**settings), stdout=subprocess.DEVNULL, stderr=stderr,
        )  # fmt: skip
    return Instance(name, process, log)


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
        # A graceful stop takes each master a few seconds: all at once.
        stop_all([i.process for i in started])
