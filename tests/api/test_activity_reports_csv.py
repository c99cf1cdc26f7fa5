"""The coordinators' CSV of a community's activity reports for a Tokyo month: UTF-8 with a
BOM, one row per report, nothing of the children, no addresses, no incident text."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid

import pytest

from otagai.domain.clock import TOKYO
from tests.api.safety.reports import add_reported_match
from tests.factories import (
    ChildFactory,
    CommunityFactory,
    CommunityMemberFactory,
    MunicipalityFactory,
    UserFactory,
)
from tests.helpers import assert_problem

CSV = "/v1/communities/{}/activity-reports.csv"


def tokyo(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=TOKYO).astimezone(dt.UTC)


@pytest.fixture
def town(db):
    municipality = MunicipalityFactory()
    community = CommunityFactory(municipality=municipality)
    coordinator = UserFactory()
    CommunityMemberFactory(community=community, user=coordinator, role="coordinator")
    parent = UserFactory(display_name="佐藤みか")
    ChildFactory(household=parent.household, nickname="はるちゃん", notes="卵アレルギー")
    supporter = UserFactory(display_name='=HYPERLINK("https://evil.example")')
    matches = {
        # 00:30 on 1 December in Tokyo is still 30 November in UTC: December's.
        "first": add_reported_match(
            community, parent, supporter, tokyo(2026, 12, 1, 0, 30), status="confirmed"
        ),
        "incident": add_reported_match(
            community,
            parent,
            supporter,
            tokyo(2026, 12, 10, 17, 0),
            incident=True,
            incident_text="右膝をすりむきました",
            status="disputed",
        ),
        # 23:59 on 30 November in Tokyo: November's, not December's.
        "november": add_reported_match(community, parent, supporter, tokyo(2026, 11, 30, 23, 59)),
        "january": add_reported_match(community, parent, supporter, tokyo(2027, 1, 1, 0, 0)),
    }
    other = CommunityFactory(municipality=municipality)
    add_reported_match(other, parent, supporter, tokyo(2026, 12, 5, 10, 0))
    community.other = other
    return community, coordinator, parent, supporter, matches


def _rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.get_data(as_text=True)
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def test_csv_has_one_row_per_report_of_the_tokyo_month(client_as, town):
    community, coordinator, _, _, matches = town
    response = client_as(coordinator).get(CSV.format(community.id) + "?month=2026-12")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    header, *rows = _rows(response)
    assert header == [
        "マッチID",
        "種類",
        "予定開始",
        "予定終了",
        "実際の開始",
        "実際の終了",
        "サポーター",
        "依頼者（世帯）",
        "状態",
        "事故・ケガ",
    ]
    assert [row[0] for row in rows] == [str(matches["first"].id), str(matches["incident"].id)]
    first = rows[0]
    assert first[1:6] == [
        "pickup",
        "2026-12-01 00:30",
        "2026-12-01 02:00",
        "2026-12-01 00:30",
        "2026-12-01 02:00",
    ]
    assert first[7:] == ["佐藤みか", "confirmed", "0"]
    assert rows[1][8:] == ["disputed", "1"]


def test_csv_headers_in_english(client_as, town):
    community, coordinator, *_ = town
    header, *_ = _rows(
        client_as(coordinator).get(CSV.format(community.id) + "?month=2026-12&lang=en")
    )
    assert header[:2] == ["match_id", "kind"] and header[-1] == "incident"


def test_csv_holds_no_child_no_address_no_incident_text(client_as, town):
    community, coordinator, *_ = town
    text = (
        client_as(coordinator)
        .get(CSV.format(community.id) + "?month=2026-12")
        .get_data(as_text=True)
    )
    for secret in ("はるちゃん", "アレルギー", "すりむき", "35.86", "139.6"):
        assert secret not in text


def test_csv_cell_that_looks_like_a_formula_is_not_one(client_as, town):
    community, coordinator, *_ = town
    _, *rows = _rows(client_as(coordinator).get(CSV.format(community.id) + "?month=2026-12"))
    assert rows[0][6] == '\'=HYPERLINK("https://evil.example")'


def test_csv_of_a_month_without_reports_is_the_header_only(client_as, town):
    community, coordinator, *_ = town
    assert len(_rows(client_as(coordinator).get(CSV.format(community.id) + "?month=2026-06"))) == 1


@pytest.mark.parametrize("who", ["member", "parent", "supporter", "elsewhere"])
def test_csv_is_for_this_communitys_coordinators_only(client_as, town, who):
    community, _, parent, supporter, _ = town
    user = {"parent": parent, "supporter": supporter}.get(who) or UserFactory()
    if who == "member":
        CommunityMemberFactory(community=community, user=user)
    if who == "elsewhere":
        CommunityMemberFactory(community=community.other, user=user, role="coordinator")
    response = client_as(user).get(CSV.format(community.id) + "?month=2026-12")
    assert_problem(response, 403, "coordinator_only")


def test_csv_of_an_unknown_community_is_404(client_as, town):
    _, coordinator, *_ = town
    response = client_as(coordinator).get(CSV.format(uuid.uuid4()) + "?month=2026-12")
    assert_problem(response, 404, "community_not_found")


@pytest.mark.parametrize("query", ["", "?month=2026-13", "?month=1999-12", "?month=2026-1"])
def test_csv_needs_a_month(client_as, town, query):
    community, coordinator, *_ = town
    assert_problem(client_as(coordinator).get(CSV.format(community.id) + query), 422)
