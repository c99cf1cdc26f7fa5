"""The activity report as a one-page PDF in Japanese (`Accept: application/pdf`), read back
with pypdf: what it must say, what it must never say, and a clear 503 without its font."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import timedelta

import firebase_admin
import pytest
from pypdf import PdfReader

from otagai import create_app
from otagai.domain.clock import TOKYO
from otagai.extensions.db import EXTENSION_KEY
from tests.api.safety.pickup import pickup_world
from tests.api.safety.test_activity_report import REPORT, decide, draft
from tests.conftest import _clients_of, bound_to
from tests.helpers import assert_problem

PDF = {"Accept": "application/pdf"}
NOTES = "卵アレルギー、エピペンはかばんの中"
ACTIVITIES = "保育園へお迎えに行き、自宅で絵本を読みました。\n夕食は持参のお弁当を食べました。"
INCIDENT = "公園で転んで右膝をすりむきました。消毒して絆創膏を貼りました。"


@pytest.fixture
def world(db, clock):
    world = pickup_world()
    world.children[0].notes = NOTES
    world.community.name = "浦和みんなの子育てシェア"
    db.flush()
    clock.set(world.end + timedelta(minutes=20))
    return world


def _pdf(response) -> tuple[int, str]:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.get_data()))
    # Line breaks fall wherever the page's width puts them: compare without them.
    text = "".join(page.extract_text() for page in reader.pages)
    return len(reader.pages), "".join(text.split())


def _hhmm(moment) -> str:
    return f"{moment.astimezone(TOKYO):%H:%M}"


def test_confirmed_report_pdf_says_everything_on_one_page(client_as, world, clock):
    assert (
        draft(
            client_as,
            world.supporter,
            world,
            activities=ACTIVITIES,
            incident=True,
            incident_text=INCIDENT,
        ).status_code
        == 201
    )
    clock.advance(minutes=40)
    decide(client_as, world.parent, world)
    pages, text = _pdf(client_as(world.parent).get(REPORT.format(world.match.id), headers=PDF))
    assert pages == 1
    day = world.start.astimezone(TOKYO)
    expected = [
        "援助活動報告書",
        "浦和みんなの子育てシェア",
        "お迎え",
        f"{day:%Y年%m月%d日}",
        f"{_hhmm(world.start)}〜{_hhmm(world.end)}",  # scheduled, Tokyo time
        f"{_hhmm(world.start + timedelta(minutes=5))}〜{_hhmm(world.end - timedelta(minutes=10))}",
        world.supporter.display_name,
        world.parent.display_name,
        *(child.nickname for child in world.children),
        "".join(ACTIVITIES.split()),
        "事故・ケガあり",
        "".join(INCIDENT.split()),
        f"確認済み（{clock.at.astimezone(TOKYO):%Y年%m月%d日}",
        _hhmm(clock.at),
    ]
    missing = [s for s in expected if "".join(s.split()) not in text]
    assert not missing, text


def test_pdf_holds_no_address_and_no_child_notes(client_as, world):
    draft(client_as, world.supporter, world)
    _, text = _pdf(client_as(world.supporter).get(REPORT.format(world.match.id), headers=PDF))
    assert "アレルギー" not in text
    for point in (world.request.location, world.request.dropoff):
        assert point is None or str(point)[:8] not in text
    assert "未確認（下書き）" in text
    assert "事故・ケガなし" in text


def test_pdf_of_the_longest_report_still_fits_one_page(client_as, world):
    draft(
        client_as,
        world.supporter,
        world,
        activities="あ" * 1999 + "終",
        incident=True,
        incident_text="い" * 1999 + "止",
    )
    pages, text = _pdf(client_as(world.parent).get(REPORT.format(world.match.id), headers=PDF))
    assert pages == 1
    assert "あ" * 1999 + "終" in text and "い" * 1999 + "止" in text


def test_pdf_is_preferred_by_quality(client_as, world):
    draft(client_as, world.supporter, world)
    accept = {"Accept": "application/json;q=0.5, application/pdf"}
    response = client_as(world.parent).get(REPORT.format(world.match.id), headers=accept)
    assert response.mimetype == "application/pdf"
    assert "otagai-report-" in response.headers["Content-Disposition"]


def test_pdf_without_its_font_is_a_clear_503(settings, connection, db, clock, tmp_path):
    app = create_app(replace(settings, report_font=str(tmp_path / "missing.ttf")))
    try:
        with bound_to(app, connection):
            world = pickup_world()
            clock.set(world.end + timedelta(minutes=20))
            as_ = _clients_of(app.test_client(), settings)
            draft(as_, world.supporter, world)
            response = as_(world.parent).get(REPORT.format(world.match.id), headers=PDF)
            problem = assert_problem(response, 503, "report_font_missing")
            assert "フォント" in problem["detail"]
            # The JSON report still works.
            assert as_(world.parent).get(REPORT.format(world.match.id)).status_code == 200
    finally:
        app.extensions[EXTENSION_KEY].engine.dispose()
        firebase_admin.delete_app(app.extensions["otagai.auth"].firebase_app)


def test_supporter_reading_the_pdf_is_in_the_childrens_access_log(client_as, world):
    assert draft(client_as, world.supporter, world).status_code == 201
    path = f"/v1/matches/{world.match.id}/report"
    _pdf(client_as(world.supporter).get(path, headers=PDF))
    _pdf(client_as(world.partner).get(path, headers=PDF))  # the household's own: not logged
    for child in world.children:
        log = client_as(world.parent).get(f"/v1/me/children/{child.id}/access-log").get_json()
        assert [(i["via"], i["shown"], i["reader"]["id"]) for i in log["items"]] == [
            ("activity_report", ["nickname"], str(world.supporter.id))
        ]
