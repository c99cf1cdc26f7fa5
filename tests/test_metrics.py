"""Prometheus metrics: request latency by route (the URL rule, never the raw path) and
status, the outbox's lag and delivery failures read from the database at scrape time, on
/metrics behind METRICS_TOKEN (404 to everybody else); and under gunicorn with several
workers, one scrape sums them all (prometheus multiprocess mode)."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

import firebase_admin
import pytest

from otagai import create_app
from otagai.config import ConfigError, Settings
from otagai.domain.notifications.models import Notification
from otagai.domain.outbox import OutboxEvent
from tests.conftest import ROOT, bound_to
from tests.factories import UserFactory
from tests.helpers import assert_problem
from tests.test_serving import BIN, _free_port

TOKEN = "metrics-token-for-tests-0123456789"
SCRAPE = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def metered_app(settings: Settings) -> Iterator[Any]:
    app = create_app(replace(settings, metrics_token=TOKEN))
    yield app
    app.extensions["otagai.db"].engine.dispose()
    firebase_admin.delete_app(app.extensions["otagai.auth"].firebase_app)


@pytest.fixture
def metered(metered_app: Any, connection: Any) -> Iterator[Any]:
    with bound_to(metered_app, connection):
        yield metered_app.test_client()


def sample(text: str, name: str, **labels: str) -> float | None:
    """The value of one sample of the exposition text, or None."""
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', line.split(" ")[0]))
        if line.split("{")[0].split(" ")[0] == name and all(
            found.get(k) == v for k, v in labels.items()
        ):
            return float(line.rsplit(" ", 1)[1])
    return None


def scrape(client: Any) -> str:
    response = client.get("/metrics", headers=SCRAPE)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    text: str = response.get_data(as_text=True)
    return text


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}, {"X-Metrics-Token": TOKEN}],
    ids=["none", "wrong-token", "no-bearer", "other-header"],
)
def test_metrics_without_the_token_are_404(metered, headers):
    response = metered.get("/metrics", headers=headers)
    assert_problem(response, 404, "not_found")
    assert "flask_http" not in response.get_data(as_text=True)


def test_metrics_are_404_when_no_token_is_configured(client):
    assert_problem(client.get("/metrics", headers=SCRAPE), 404, "not_found")
    assert_problem(client.get("/metrics", headers={"Authorization": "Bearer "}), 404)


def test_a_short_metrics_token_is_refused():
    with pytest.raises(ConfigError, match="METRICS_TOKEN"):
        Settings.from_env({"OTAGAI_ENV": "test", "METRICS_TOKEN": "short"})


def test_latency_is_labelled_by_route_and_status_never_by_path(metered, client_as):
    match_id = uuid.uuid4()
    metered.get(f"/v1/matches/{match_id}")  # 401: no token
    metered.get("/healthz")
    metered.get(f"/no/such/path/{match_id}")
    text = scrape(metered)
    assert str(match_id) not in text
    rules = set(re.findall(r'route="([^"]*)"', text))
    assert "/v1/matches/<uuid:match_id>" in rules
    assert "<unmatched>" in rules
    assert "/metrics" not in rules  # scrapes are not requests worth timing
    count = sample(
        text,
        "flask_http_request_duration_seconds_count",
        method="GET",
        route="/v1/matches/<uuid:match_id>",
        status="401",
    )
    assert count is not None and count >= 1
    assert sample(text, "flask_http_request_duration_seconds_bucket", route="/healthz", le="+Inf")


def test_outbox_lag_and_delivery_failures_are_read_at_scrape(metered, db):
    before = scrape(metered)
    assert sample(before, "otagai_metrics_database_up") == 1
    assert sample(before, "otagai_outbox_lag_seconds") == 0
    now = dt.datetime.now(dt.UTC)
    waiting = OutboxEvent(
        id=uuid.uuid4(),
        kind="offer.created",
        payload={},
        recipients=[],
        created_at=now - dt.timedelta(minutes=10),
    )
    done = OutboxEvent(
        id=uuid.uuid4(), kind="offer.created", payload={}, recipients=[], processed_at=now
    )
    db.add_all([waiting, done])
    db.flush()
    for status, attempts in (("failed", 8), ("pending", 2), ("sent", 1)):
        db.add(
            Notification(
                outbox_event_id=done.id,
                user_id=UserFactory().id,
                type="new_offer",
                urgent=False,
                data={},
                status=status,
                attempts=attempts,
            )
        )
    db.flush()
    text = scrape(metered)
    lag = sample(text, "otagai_outbox_lag_seconds")
    assert lag is not None and 600 <= lag < 3600
    assert sample(text, "otagai_outbox_undelivered") == 1
    assert sample(text, "otagai_notifications_failed") == 1
    assert sample(text, "otagai_notifications_retrying") == 1


# --- under gunicorn, several workers --------------------------------------------------


@pytest.fixture(scope="module")
def gunicorn(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    port = _free_port()
    directory = tmp_path_factory.mktemp("prometheus")
    (directory / "counter_99999.db").write_bytes(b"stale")  # a previous run's leftovers
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OTAGAI_", "GUNICORN_"))}
    env.update(
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        DATABASE_URL=database_url,
        OTAGAI_ENV="test",
        FIREBASE_AUTH_EMULATOR_HOST="127.0.0.1:9099",
        FIREBASE_PROJECT_ID="demo-otagai",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="3",
        METRICS_TOKEN=TOKEN,
        PROMETHEUS_MULTIPROC_DIR=str(directory),
    )
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "otagai.wsgi:app"],
        cwd=ROOT, env=env, stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if _get(url + "/healthz")[0] == 200:
                break
        except OSError:
            pass
        assert process.poll() is None, "gunicorn exited"
        assert time.monotonic() < deadline, "gunicorn did not answer within 30 s"
        time.sleep(0.2)
    yield url, directory
    process.terminate()
    process.wait(timeout=40)


def _get(url: str, **headers: str) -> tuple[int, str]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_under_gunicorn_one_scrape_counts_every_workers_requests(gunicorn):
    url, directory = gunicorn
    assert not (directory / "counter_99999.db").exists()  # cleared on start
    first = _get(url + "/metrics", **SCRAPE)
    assert first[0] == 200
    assert sample(first[1], "otagai_metrics_database_up") == 1
    assert sample(first[1], "otagai_outbox_lag_seconds") is not None
    already = sample(first[1], "flask_http_request_duration_seconds_count", route="/healthz") or 0
    # Concurrent, so that several workers answer (each sync worker takes one at a time).
    with ThreadPoolExecutor(max_workers=10) as pool:
        statuses = list(pool.map(lambda _: _get(url + "/healthz")[0], range(30)))
    assert statuses == [200] * 30
    # Whichever worker answers the scrape, it sums all of them.
    counts = set()
    for _ in range(5):
        status, text = _get(url + "/metrics", **SCRAPE)
        assert status == 200
        counts.add(
            sample(
                text, "flask_http_request_duration_seconds_count", route="/healthz", status="200"
            )
        )
    assert counts == {already + 30}
    assert len({p.name for p in Path(directory).glob("histogram_*.db")}) >= 2  # several wrote
    assert _get(url + "/metrics")[0] == 404
