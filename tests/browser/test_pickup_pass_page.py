"""The pickup pass page in a real browser (issue 14): nursery staff open the supporter's
link in headless Chromium and see exactly the supporter's and the requester's display
names, the children's nicknames, the pickup's time in Asia/Tokyo and the code; after the
match is cancelled, the same link says so and shows no name at all.

The app is served on a local port on the test's transaction (``live_server``, as the
dashboard's browser test does); the clock is the test's (time-machine moves the serving
thread's time too, never Chromium's). A screenshot is kept under test-artifacts/. Without
a Chromium it skips with the reason, except under CI=true, where it fails.
"""

from __future__ import annotations

from datetime import timedelta
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import pytest

from otagai.domain.clock import TOKYO
from tests.api.safety.pickup import other_child, pickup_world
from tests.browser.test_dashboard_page import ARTIFACTS, chromium, run_chromium
from tests.browser.test_dashboard_page import live_server as live_server  # a fixture

SHOWN_IDS = ("pass-status", "pass-supporter", "pass-children", "pass-window", "pass-requester",
             "pass-code")  # fmt: skip


class Texts(HTMLParser):
    """The text of every element with an id, and all the visible text of the page."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.by_id: dict[str, str] = {}
        self._open: list[str | None] = []
        self.text: list[str] = []
        self._skip = 0
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "script", "title", "head"):
            self._skip += 1
        ident = dict(attrs).get("id")
        self._open.append(ident)
        if ident:
            self.by_id[ident] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script", "title", "head"):
            self._skip -= 1
        if self._open:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        self.text.append(data)
        for ident in filter(None, self._open):
            self.by_id[ident] += data

    @property
    def visible(self) -> str:
        return " ".join(" ".join(self.text).split())


def _dump(browser: str, tmp_path: Any, url: str) -> Texts:
    dumped = run_chromium(browser, tmp_path / "profile", "--dump-dom", url)
    console = [line for line in dumped.stderr.splitlines() if ":CONSOLE" in line]
    assert not console, console
    return Texts(dumped.stdout)


@pytest.mark.slow
def test_browser_shows_exactly_the_allowed_fields_then_nothing_once_cancelled(
    client_as, db, clock, live_server, tmp_path
):
    browser = chromium()
    world = pickup_world()
    hidden = other_child(world)
    world.children[0].notes = "卵アレルギー"
    db.flush()
    clock.set(world.start - timedelta(minutes=5))
    issued = client_as(world.supporter).get(f"/v1/matches/{world.match.id}/pass").get_json()
    url = live_server + urlsplit(issued["url"]).path

    page = _dump(browser, tmp_path, url)
    assert set(page.by_id) == set(SHOWN_IDS), page.by_id
    start = world.start.astimezone(TOKYO)
    assert page.by_id["pass-supporter"].strip() == f"{world.supporter.display_name} さん"
    assert page.by_id["pass-requester"].strip() == f"{world.parent.display_name} さん"
    assert page.by_id["pass-children"].strip() == "、".join(c.nickname for c in world.children)
    assert page.by_id["pass-window"].strip() == (
        f"{start.year}年{start.month}月{start.day}日"
        f"({'月火水木金土日'[start.weekday()]}) 22:00 〜 23:30"
    )
    assert page.by_id["pass-code"].strip() == issued["code"]
    for secret in (
        hidden.nickname,
        "卵アレルギー",
        world.request.title,
        world.partner.display_name,
    ):
        assert secret not in page.visible

    ARTIFACTS.mkdir(exist_ok=True)
    screenshot = ARTIFACTS / "pickup-pass.png"
    screenshot.unlink(missing_ok=True)
    run_chromium(
        browser,
        tmp_path / "profile",
        "--hide-scrollbars",
        "--window-size=480,800",
        f"--screenshot={screenshot}",
        url,
    )
    assert screenshot.stat().st_size > 5_000

    cancelled = client_as(world.parent).post(
        f"/v1/matches/{world.match.id}/cancel", json={"reason": "熱が出たため"}
    )
    assert cancelled.status_code == 200
    page = _dump(browser, tmp_path, url)
    assert "取り消されました" in page.visible
    for name in (
        world.supporter.display_name,
        world.parent.display_name,
        *(c.nickname for c in world.children),
        issued["code"],
    ):
        assert name not in page.visible


@pytest.mark.slow
def test_full_pickup_with_the_pass_opened_in_a_browser(client_as, db, clock, live_server, tmp_path):
    """The whole pickup: nursery staff open the pass in Chromium, the supporter checks in
    at each step, the handover takes the code from the requester's app, and both parties'
    timeline and the children's access log tell it in order."""
    browser = chromium()
    world = pickup_world()
    match = f"/v1/matches/{world.match.id}"
    clock.set(world.start - timedelta(minutes=10))
    issued = client_as(world.supporter).get(f"{match}/pass").get_json()
    page = _dump(browser, tmp_path, live_server + urlsplit(issued["url"]).path)
    assert page.by_id["pass-code"].strip() == issued["code"]

    clock.advance(minutes=12)
    for type_ in ("picked_up", "arrived"):
        done = client_as(world.supporter).post(f"{match}/checkins", json={"type": type_})
        assert done.status_code == 201, done.get_json()
        clock.advance(minutes=20)
    code = client_as(world.partner).get(f"{match}/handover-code").get_json()["code"]
    handed = client_as(world.supporter).post(
        f"{match}/checkins", json={"type": "handed_over", "code": code}
    )
    assert handed.status_code == 201, handed.get_json()

    for reader in (world.parent, world.supporter):
        items = client_as(reader).get(f"{match}/timeline").get_json()["items"]
        told = [i["type"] for i in items if i["type"] in ("pass_opened", "picked_up", "arrived",
                                                          "handed_over")]  # fmt: skip
        assert told == ["pass_opened", "picked_up", "arrived", "handed_over"], items
    log = client_as(world.parent).get(f"/v1/me/children/{world.children[0].id}/access-log")
    assert [(i["via"], i["reader"]) for i in log.get_json()["items"]] == [("pickup_pass", None)]
