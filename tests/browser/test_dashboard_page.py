"""The municipal dashboard page (issue 7): a signed link opens a server-rendered page with
the key figures, monthly charts per kind and a CSV download; a suppressed figure is a gap,
never a zero.

The plain tests read the page through Flask's test client. The browser test serves the app
on a local port (one request at a time, on the test's transaction) and opens the page in
headless Chromium: the charts must be drawn, and the months the statistics suppressed must
be exactly the gaps Chart.js left. Its screenshot is kept under test-artifacts/. Without a
Chromium it skips with the reason, except under CI=true, where it fails.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy.engine import Connection
from werkzeug.serving import make_server

from otagai.api.dashboard.pages import CHART_JS, requested_range
from otagai.domain.clock import TOKYO, today_tokyo
from otagai.domain.partners.dashboard_links import make_link
from otagai.domain.statistics.csv_export import csv_filename
from otagai.domain.statistics.months import Month
from otagai.domain.statistics.service import municipal_statistics
from tests.conftest import ROOT
from tests.factories import (
    CommunityFactory,
    HouseholdFactory,
    MunicipalityFactory,
    ShareRequestFactory,
    UserFactory,
    add_match,
)

SAITAMA = "111007"
SETAGAYA = "131121"
STATIC = ROOT / "src" / "otagai" / "api" / "dashboard" / "static"
ARTIFACTS = ROOT / "test-artifacts"
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
BOM = b"\xef\xbb\xbf"
# A key figure of the page: its metric and the number written.
KEY_FIGURE = re.compile(
    r'data-metric="(\w+)">\s*<dt>[^<]*</dt>\s*<dd>\s*<span class="value">([^<]*)<'
)


# --- the town and its activity ----------------------------------------------------------


def months_ago(count: int) -> Month:
    today = today_tokyo()
    index = today.year * 12 + today.month - 1 - count
    return Month(index // 12, index % 12 + 1)


def noon_on_the_10th(month: Month) -> datetime:
    return datetime(month.year, month.month, 10, 12, tzinfo=TOKYO).astimezone(UTC)


def post(requester: Any, community: Any, kind: str, month: Month, *, matched_by: Any = None):
    at = noon_on_the_10th(month)
    request = ShareRequestFactory(requester=requester, community=community, kind=kind)
    request.created_at = at
    if matched_by is not None:
        match = add_match(request, matched_by)
        request.matched_at = match.created_at = at + timedelta(hours=1)
    return request


@pytest.fixture
def saitama(db: Any) -> SimpleNamespace:
    """Saitama's last two months: last month 6 pickups (3 matched) and 5 babysittings, all
    shown; the month before, 2 pickups, a count the statistics must suppress."""
    community = CommunityFactory(municipality=MunicipalityFactory())
    MunicipalityFactory(code=SETAGAYA, name_ja="世田谷区", name_en="Setagaya")
    parents = [UserFactory(household=HouseholdFactory(municipality_code=SAITAMA)) for _ in range(3)]
    supporter = UserFactory(household=HouseholdFactory(municipality_code=SAITAMA))
    shown, suppressed = months_ago(1), months_ago(2)
    for i in range(6):
        post(parents[i % 3], community, "pickup", shown, matched_by=supporter if i < 3 else None)
    for i in range(5):
        post(parents[i % 3], community, "babysitting", shown)
    for i in range(2):
        post(parents[i], community, "pickup", suppressed)
    db.flush()
    return SimpleNamespace(code=SAITAMA, shown=shown, suppressed=suppressed)


@pytest.fixture
def token(settings: Any) -> str:
    link, _ = make_link(SAITAMA, secret=settings.dashboard_link_signing_secret)
    return link


def page_path(token: str, code: str = SAITAMA, **query: str) -> str:
    extra = "".join(f"&{key}={value}" for key, value in query.items())
    return f"/municipalities/{code}/dashboard?token={token}{extra}"


class Elements(HTMLParser):
    """The attributes of every element of a page, by tag, in document order."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: dict[str, list[dict[str, str]]] = {}
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.setdefault(tag, []).append({k: v or "" for k, v in attrs})

    def by_id(self, tag: str) -> dict[str, dict[str, str]]:
        return {a["id"]: a for a in self.tags.get(tag, []) if "id" in a}


def report_gaps(report: dict[str, Any], metric: str) -> set[str]:
    """``kind:YYYY-MM`` of every suppressed (null) cell of ``metric`` in the report."""
    return {
        f"{kind}:{month['month']}"
        for month in report["months"]
        for kind, figures in month["by_kind"].items()
        if figures[metric] is None
    }


# --- the link ---------------------------------------------------------------------------


def test_page_without_a_token_is_a_403_page_without_data(client, saitama):
    response = client.get(f"/municipalities/{SAITAMA}/dashboard")
    assert response.status_code == 403
    assert response.mimetype == "text/html"
    body = response.get_data(as_text=True)
    assert "有効期限" in body
    assert "さいたま市" not in body and "chart" not in body


def test_page_with_another_towns_token_is_403(client, saitama, settings):
    other, _ = make_link(SETAGAYA, secret=settings.dashboard_link_signing_secret)
    response = client.get(page_path(other))
    assert response.status_code == 403
    assert "さいたま市" not in response.get_data(as_text=True)


def test_page_with_an_expired_token_is_403(client, saitama, settings):
    issued = datetime.now(UTC) - timedelta(minutes=16)
    expired, _ = make_link(SAITAMA, secret=settings.dashboard_link_signing_secret, now=issued)
    assert client.get(page_path(expired)).status_code == 403


def test_csv_with_a_tampered_token_is_403(client, saitama, token):
    response = client.get(f"/municipalities/{SAITAMA}/dashboard.csv?token={token}x&lang=ja")
    assert response.status_code == 403
    assert response.mimetype == "text/html"


def test_link_from_the_partner_api_opens_the_page(client, client_as, saitama):
    answer = client_as("operator-uid", operator=True).post(
        f"/v1/municipalities/{SAITAMA}/dashboard-links"
    )
    url = urlsplit(answer.get_json()["url"])
    response = client.get(f"{url.path}?{url.query}")
    assert response.status_code == 200
    assert "<title>さいたま市" in response.get_data(as_text=True)


# --- the page ---------------------------------------------------------------------------


def test_page_is_private_and_loads_nothing_but_its_own_files(client, saitama, token):
    for response in (client.get(page_path(token)), client.get(page_path("bad"))):
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        policy = response.headers["Content-Security-Policy"]
        assert "default-src 'none'" in policy and "script-src 'self'" in policy
        assert "unsafe" not in policy and "http" not in policy


def test_page_names_no_other_host_anywhere(client, saitama, token):
    html = client.get(page_path(token)).get_data(as_text=True)
    own_files = [html, *((STATIC / name).read_text() for name in ("dashboard.js", "dashboard.css"))]
    assert not [url for text in own_files for url in re.findall(r"https?://\S+", text)]
    elements = Elements(html)
    references = [
        attrs[name]
        for found in elements.tags.values()
        for attrs in found
        for name in ("src", "href", "action")
        if name in attrs
    ]
    assert references, "the page links its script, style and CSV"
    assert all(ref.startswith("/") and not ref.startswith("//") for ref in references)
    assert f"/dashboard-static/{CHART_JS}" in references


def test_page_shows_the_latest_months_totals_as_numbers(client, saitama, token):
    path = page_path(token, **{"from": str(saitama.suppressed), "to": str(saitama.shown)})
    html = client.get(path).get_data(as_text=True)
    figures = re.findall(
        r'data-metric="(\w+)">\s*<dt>[^<]*</dt>\s*<dd>\s*<span class="value">([^<]*)<', html
    )
    shown = dict(figures)
    assert shown["requests_posted"] == "11"
    assert shown["requests_matched"] == "—"  # 3 matches: suppressed, not zero
    assert f"{saitama.shown.year}年{saitama.shown.month}月の主な数値" in html


def test_suppressed_cell_reads_non_public_in_the_table_not_zero(client, saitama, token):
    html = client.get(page_path(token)).get_data(as_text=True)
    assert f'data-gap="pickup:{saitama.suppressed}">非公開</td>' in html
    assert "0 件という意味ではありません" in html


def test_page_by_default_covers_the_last_12_months_to_this_tokyo_month(client, saitama, token):
    html = client.get(page_path(token)).get_data(as_text=True)
    this_month = months_ago(0)
    assert f'name="to" value="{this_month}"' in html
    assert f'name="from" value="{months_ago(11)}"' in html


def test_default_range_turns_the_year_in_tokyo_before_utc():
    new_years_night = datetime(2026, 12, 31, 15, 30, tzinfo=UTC)  # 00:30 on 1 Jan in Tokyo
    first, last = requested_range({}, today=today_tokyo(new_years_night))
    assert (str(first), str(last)) == ("2026-02", "2027-01")
    first, last = requested_range({"to": "2026-03"}, today=today_tokyo())
    assert (str(first), str(last)) == ("2025-04", "2026-03")


@pytest.mark.parametrize("month", ["2026-13", "0001-01", "9999-12"])
def test_page_with_a_malformed_month_is_a_400_page(client, saitama, token, month):
    # Year 1 in Tokyo is year 0 in UTC: it once overflowed into a 500.
    response = client.get(page_path(token, **{"from": month, "to": month}))
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert response.headers["Cache-Control"] == "no-store"


def test_page_whose_default_range_starts_before_2000_is_a_422_page(client, saitama, token):
    # to=2000-03 puts the default from in 1999: the statistics refuse it, in a page.
    response = client.get(page_path(token, to="2000-03"))
    assert response.status_code == 422
    assert response.mimetype == "text/html"


# --- the CSV ----------------------------------------------------------------------------


def test_csv_link_of_the_page_downloads_the_report_with_a_bom(app, client, saitama, token):
    path = page_path(token, **{"from": str(saitama.suppressed), "to": str(saitama.shown)})
    links = [a["href"] for a in Elements(client.get(path).get_data(as_text=True)).tags["a"]]
    csv_link = next(href for href in links if ".csv?" in href)
    query = parse_qs(urlsplit(csv_link).query)
    assert query["lang"] == ["ja"] and query["token"] == [token]
    response = client.get(csv_link)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.data.startswith(BOM)
    assert response.headers["Cache-Control"] == "no-store"
    with app.app_context():
        report = municipal_statistics(SAITAMA, saitama.suppressed, saitama.shown)
    disposition = response.headers["Content-Disposition"]
    assert disposition == f'attachment; filename="{csv_filename(report)}"'


# --- the vendored chart library ---------------------------------------------------------


def test_vendored_chart_js_is_the_one_the_readme_pins():
    readme = (STATIC / "vendor" / "README.md").read_text()
    recorded = re.search(r"sha256 `([^`]+)`: `([0-9a-f]{64})`", readme)
    assert recorded, "the README records the file's sha256"
    name, digest = recorded.groups()
    assert f"vendor/{name}" == CHART_JS
    assert hashlib.sha256((STATIC / CHART_JS).read_bytes()).hexdigest() == digest


# --- in a real browser ------------------------------------------------------------------


def chromium() -> str:
    """The browser `make test` provides (CHROMIUM), else one on PATH. Without one: fail
    under CI=true, else skip with the reason."""
    found = os.environ.get("CHROMIUM") or next(filter(None, map(shutil.which, BROWSERS)), None)
    if found:
        return found
    if os.environ.get("CI") == "true":
        pytest.fail("CI=true needs a browser for this test: no Chromium found")
    pytest.skip(reason="no Chromium found: `make test` installs it, or set CHROMIUM=/path/to/it")


def run_chromium(browser: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Headless Chromium that can reach this machine only (every other host name fails to
    resolve) and writes the page's console messages to stderr."""
    command = [
        browser,
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-extensions",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-default-apps",
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        f"--user-data-dir={profile}",
        "--enable-logging=stderr",
        "--v=0",
        *args,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


@pytest.fixture
def live_server(app: Any, connection: Connection) -> Iterator[str]:
    """The app on a free local port. The `connection` fixture binds the app's sessions to
    the test's transaction, so the server sees the test's data; it serves one request at
    a time, as a single connection must be used."""
    server = make_server("127.0.0.1", 0, app, threaded=False)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.mark.slow
def test_browser_draws_the_charts_with_suppressed_months_as_gaps(
    app, client_as, saitama, live_server, tmp_path
):
    browser = chromium()
    answer = client_as("operator-uid", operator=True).post(
        f"/v1/municipalities/{SAITAMA}/dashboard-links"
    )
    link = urlsplit(answer.get_json()["url"])
    url = f"{live_server}{link.path}?{link.query}"
    with app.app_context():
        report = municipal_statistics(SAITAMA, months_ago(11), months_ago(0))

    dumped = run_chromium(browser, tmp_path / "profile", "--dump-dom", url)
    console = [line for line in dumped.stderr.splitlines() if ":CONSOLE" in line]
    assert not console, console
    elements = Elements(dumped.stdout)
    assert elements.tags["body"][0].get("data-charts-drawn") == "3", dumped.stdout[:2000]
    canvases = elements.by_id("canvas")
    for chart_id, metric in (
        ("chart-requests", "requests_posted"),
        ("chart-matches", "requests_matched"),
        ("chart-resolution", "resolution_rate"),
    ):
        canvas = canvases[chart_id]
        assert int(canvas["data-inked-pixels"]) > 5000, chart_id
        gaps = set(canvas["data-gaps"].split())
        assert gaps == report_gaps(report, metric), chart_id
    requests_gaps = canvases["chart-requests"]["data-gaps"].split()
    assert f"pickup:{saitama.suppressed}" in requests_gaps
    assert f"pickup:{saitama.shown}" not in requests_gaps

    ARTIFACTS.mkdir(exist_ok=True)
    screenshot = ARTIFACTS / "dashboard.png"
    screenshot.unlink(missing_ok=True)
    run_chromium(
        browser,
        tmp_path / "profile",
        "--hide-scrollbars",
        "--window-size=1280,2000",
        f"--screenshot={screenshot}",
        url,
    )
    assert screenshot.stat().st_size > 20_000
