"""Production serving: gunicorn with gunicorn.conf.py, as `make serve` starts it, and the
reverse-proxy settings (PROXY_HOPS)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from otagai import create_app
from otagai.config import Settings
from otagai.extensions.auth import mint_emulator_token
from tests.conftest import ROOT, bound_to
from tests.factories import UserFactory
from tests.helpers import ApiClient

BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Served:
    url: str
    process: subprocess.Popen[str]

    def get(self, path: str, **headers: str) -> tuple[int, dict[str, Any]]:
        request = urllib.request.Request(self.url + path, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")


@pytest.fixture(scope="module")
def served(database_url: str) -> Iterator[Served]:
    """gunicorn with the project's configuration and two workers, on the test database."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OTAGAI_", "GUNICORN_"))}
    env.update(
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        DATABASE_URL=database_url,
        OTAGAI_ENV="test",
        FIREBASE_AUTH_EMULATOR_HOST="127.0.0.1:9099",
        FIREBASE_PROJECT_ID="demo-otagai",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="2",
    )
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "otagai.wsgi:app"],
        cwd=ROOT, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    served = Served(f"http://127.0.0.1:{port}", process)
    deadline = time.monotonic() + 30
    while True:
        try:
            if served.get("/healthz")[0] == 200:
                break
        except OSError:
            pass
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        assert time.monotonic() < deadline, "gunicorn did not answer within 30 s"
        time.sleep(0.2)
    yield served
    if process.poll() is None:
        process.kill()
        process.wait()


def _stop(served: Served) -> tuple[int, list[str]]:
    served.process.send_signal(signal.SIGTERM)
    code = served.process.wait(timeout=40)
    assert served.process.stderr is not None
    return code, served.process.stderr.read().splitlines()


def test_gunicorn_serves_reads_signs_in_and_stops_cleanly_on_sigterm(served):
    assert served.get("/readyz")[0] == 200
    token = mint_emulator_token("served-member", "demo-otagai")
    status, body = served.get("/v1/me", Authorization=f"Bearer {token}")
    assert (status, body["code"]) == (404, "profile_not_found")
    # A query string with coordinates, to look for in the logs below.
    served.get("/v1/share-requests/feed?lat=35.871234&lng=139.654321",
               Authorization=f"Bearer {token}")  # fmt: skip
    code, lines = _stop(served)
    assert code == 0
    records = [json.loads(line) for line in lines]  # every line is JSON
    booted = [r for r in records if r["msg"].startswith("Booting worker")]
    assert len(booted) == 2
    access = [r for r in records if r["logger"] == "otagai.access"]
    assert {r["path"] for r in access} >= {"/healthz", "/readyz", "/v1/me"}
    assert all(r.get("request_id") for r in access)
    assert "871234" not in "\n".join(lines) and "654321" not in "\n".join(lines)
    assert any("Shutting down" in r["msg"] for r in records)


@pytest.fixture
def behind_a_proxy(settings: Settings, connection: Any) -> Iterator[Any]:
    app = create_app(replace(settings, proxy_hops=1))
    with bound_to(app, connection):
        yield app.test_client()


FORWARDED = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "api.otagai.example"}


def _return_url(client: Any, stripe_api: Any, settings: Settings) -> str:
    user = UserFactory()
    api = ApiClient(client, user.firebase_uid, settings.firebase_project_id)
    assert api.post("/v1/me/payout-account", headers=FORWARDED).status_code == 200
    [link] = stripe_api.calls("POST", "/v1/account_links")
    return str(link.params["return_url"])


def test_behind_one_proxy_links_use_the_forwarded_scheme_and_host(
    behind_a_proxy, stripe_api, settings
):
    url = _return_url(behind_a_proxy, stripe_api, settings)
    assert url == "https://api.otagai.example/payout-account/return"


def test_without_proxy_hops_forwarded_headers_are_ignored(client, stripe_api, settings):
    url = _return_url(client, stripe_api, settings)
    assert url == "http://localhost/payout-account/return"


def test_workers_are_forked_with_what_the_master_loaded_frozen_out_of_the_collector(tmp_path):
    import gc
    import runpy
    from unittest import mock

    # The configuration sets pool sizes in the environment, and makes a metrics directory
    # unless one is given.
    with mock.patch.dict(os.environ, {"PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}):
        config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert gc.get_freeze_count() == 0
    try:
        config["pre_fork"](None, None)
        assert gc.get_freeze_count() > 10_000  # the app and its libraries, loaded here
    finally:
        gc.unfreeze()
