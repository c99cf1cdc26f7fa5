"""GET /v1/municipalities/{code}/stats over a known month (tests/statistics_world.py):
every figure exactly, the Tokyo month boundary, a family that moved, suppression with
its complementary cells, key scoping, and the CSV bytes."""

from __future__ import annotations

import csv
import io

import pytest

from otagai.domain.partners.keys import create_key, revoke_key
from tests import statistics_world
from tests.factories import UserFactory
from tests.helpers import assert_problem

KINDS = ("pickup", "babysitting", "lending")


@pytest.fixture
def world(db):
    return statistics_world.april(db)


@pytest.fixture
def operator(client_as):
    return client_as("stats-operator", operator=True)


def stats(client, code: str, query: str = "from=2026-03&to=2026-05", **headers) -> dict:
    response = client.get(f"/v1/municipalities/{code}/stats?{query}", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def month(report: dict, name: str) -> dict:
    [found] = [m for m in report["months"] if m["month"] == name]
    return found


# --- every figure, exactly -------------------------------------------------------------


LADDER_RUNGS = ("acquaintances", "certified", "friends_of_friends", "neighbouring", "coordinators")
NO_WIDENING = {
    "widening_requests": 0,
    "widening_offered": 0,
    "first_offer_minutes_median": None,
    **{f"resolved_on_{rung}": 0 for rung in LADDER_RUNGS},
}


def test_april_in_town_a_every_figure(operator, world):
    april = month(stats(operator, world.a.code), "2026-04")
    assert april["total"] == {
        "requests_posted": 15,
        "requests_matched": 10,
        "requests_completed": None,  # 3
        "resolution_rate": 0.667,
        "matches_cancelled": None,  # 1
        "households_registered": 21,  # 22 at the end of March; the movers left
        "households_without_connections": 21,  # nobody in A has a connection
        "households_active": 20,  # 15 requesters + 5 supporters
        "certified_supporters": 5,
        "events_held": 5,
        "event_attendances": 12,
        "thank_you_count": 7,  # the failed and the pending card ones do not count
        "thank_you_total_jpy": 7800,
        "insured_matches": 9,
        "uninsured_matches": None,  # 1
        "reports_confirmed": 0,
        "incidents": 0,
        # No widening request in the world: the ladder's counts are 0, its median none.
        **NO_WIDENING,
    }
    assert april["by_kind"]["pickup"] == {
        "requests_posted": 7,  # including 23:30 JST on 30 April
        "requests_matched": 5,
        "requests_completed": None,  # 3
        "resolution_rate": 0.714,
        "matches_cancelled": 0,
        "households_active": 12,
        "certified_supporters": 5,
        "thank_you_count": None,  # 5, hidden so babysitting's 2 = 7 - 5 cannot be worked out
        "thank_you_total_jpy": None,
        "insured_matches": None,  # 5, the partner of babysitting's 4
        "uninsured_matches": 0,
        "reports_confirmed": 0,
        "incidents": 0,
        # No widening request in the world: the ladder's counts are 0, its median none.
        **NO_WIDENING,
    }
    assert april["by_kind"]["babysitting"] == {
        "requests_posted": None,  # 6, the partner of lending's 2
        "requests_matched": 5,
        "requests_completed": 0,
        "resolution_rate": None,  # built from a hidden count
        "matches_cancelled": None,  # 1
        "households_active": 11,
        "certified_supporters": 5,
        "thank_you_count": None,  # 2
        "thank_you_total_jpy": None,
        "insured_matches": None,  # 4
        "uninsured_matches": None,  # 1
        "reports_confirmed": 0,
        "incidents": 0,
        # No widening request in the world: the ladder's counts are 0, its median none.
        **NO_WIDENING,
    }
    assert april["by_kind"]["lending"] == {
        "requests_posted": None,  # 2
        "requests_matched": 0,
        "requests_completed": 0,
        "resolution_rate": None,
        "matches_cancelled": 0,
        "households_active": None,  # 2
        "certified_supporters": 0,
        "thank_you_count": 0,
        "thank_you_total_jpy": 0,
        "insured_matches": 0,
        "uninsured_matches": 0,
        "reports_confirmed": 0,
        "incidents": 0,
        # No widening request in the world: the ladder's counts are 0, its median none.
        **NO_WIDENING,
    }


def test_suppressed_lists_every_withheld_figure(operator, world):
    report = stats(operator, world.a.code, "from=2026-04&to=2026-04")
    assert report["suppressed"] == [
        "2026-04.total.requests_completed",
        "2026-04.total.matches_cancelled",
        "2026-04.total.uninsured_matches",
        "2026-04.pickup.requests_completed",
        "2026-04.pickup.thank_you_count",
        "2026-04.pickup.thank_you_total_jpy",
        "2026-04.pickup.insured_matches",
        "2026-04.babysitting.requests_posted",
        "2026-04.babysitting.resolution_rate",
        "2026-04.babysitting.matches_cancelled",
        "2026-04.babysitting.thank_you_count",
        "2026-04.babysitting.thank_you_total_jpy",
        "2026-04.babysitting.insured_matches",
        "2026-04.babysitting.uninsured_matches",
        "2026-04.lending.requests_posted",
        "2026-04.lending.resolution_rate",
        "2026-04.lending.households_active",
    ]


def test_no_total_gives_a_withheld_kind_away_by_subtraction(operator, world):
    report = stats(operator, world.a.code)
    for entry in report["months"]:
        for metric in ("requests_posted", "thank_you_count", "insured_matches"):
            cells = [entry["by_kind"][k][metric] for k in KINDS]
            if entry["total"][metric] is not None:
                assert cells.count(None) != 1, (entry["month"], metric, cells)


def test_month_ends_and_certifications_at_the_end_of_march(operator, world):
    march = month(stats(operator, world.a.code), "2026-03")
    assert march["total"]["households_registered"] == 22
    assert march["total"]["certified_supporters"] == 6  # one expired on 15 April
    assert march["by_kind"]["pickup"]["certified_supporters"] == 6
    assert march["by_kind"]["babysitting"]["certified_supporters"] == 5


def test_a_request_at_00_30_jst_on_1_may_is_mays(operator, world):
    may = month(stats(operator, world.a.code), "2026-05")
    assert may["total"]["requests_posted"] is None  # 1: that request, not April's
    assert "2026-05.pickup.requests_posted" in stats(operator, world.a.code)["suppressed"]
    assert (
        month(stats(operator, world.a.code), "2026-04")["by_kind"]["pickup"]["requests_posted"] == 7
    )


def test_a_family_that_moved_keeps_its_past_in_the_old_town(operator, world):
    a, b = stats(operator, world.a.code), stats(operator, world.b.code)
    assert "2026-03.pickup.requests_posted" in a["suppressed"]  # the movers' March request
    assert month(b, "2026-03")["total"]["requests_posted"] == 0
    assert month(b, "2026-04")["total"]["requests_posted"] == 6  # 1 pickup + 5 babysitting
    assert month(b, "2026-04")["by_kind"]["pickup"]["requests_posted"] is None
    assert month(b, "2026-04")["by_kind"]["babysitting"]["requests_posted"] is None  # partner
    assert month(b, "2026-03")["total"]["households_registered"] == 5
    assert month(b, "2026-04")["total"]["households_registered"] == 6


def test_kind_filter_shows_that_kind_with_the_same_suppression(operator, world):
    report = stats(operator, world.a.code, "from=2026-04&to=2026-04&kind=pickup")
    [april] = report["months"]
    assert list(april["by_kind"]) == ["pickup"]
    assert april["by_kind"]["pickup"]["thank_you_count"] is None
    assert all(".babysitting." not in p and ".lending." not in p for p in report["suppressed"])


def test_definitions_say_how_every_figure_is_counted(operator, world):
    report = stats(operator, world.a.code, "from=2026-04&to=2026-04&lang=en")
    assert set(report["definitions"]) == set(month(report, "2026-04")["total"])
    assert "ends" not in report["definitions"]["requests_posted"]
    assert "1 to 4" in report["suppression"]
    ja = stats(operator, world.a.code, "from=2026-04&to=2026-04")
    assert "投稿" in ja["definitions"]["requests_posted"]


# --- the query -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "from=2026-05&to=2026-04",
        "from=2026-13&to=2026-12",
        "from=2026-4&to=2026-05",
        "to=2026-05",
        "from=2026-04&to=2026-05&kind=errand",
        "from=2026-04&to=2026-05&format=xml",
        # Year 1 in Tokyo is year 0 in UTC: this once overflowed into a 500.
        "from=0001-01&to=0001-01",
        "from=1999-12&to=2000-01",
        "from=2100-12&to=2101-01",
        "from=9999-12&to=9999-12",
    ],
)
def test_bad_ranges_are_422(operator, world, query):
    response = operator.get(f"/v1/municipalities/{world.a.code}/stats?{query}")
    assert_problem(response, 422)


def test_months_out_of_range_are_explained_in_japanese(operator, world):
    response = operator.get(f"/v1/municipalities/{world.a.code}/stats?from=0001-01&to=0001-01")
    assert_problem(response, 422)
    assert response.get_json()["errors"]["from"] == [
        "2000-01から2100-12までの年月 (YYYY-MM) を指定してください。"
    ]


def test_36_months_is_the_longest_range(operator, world):
    assert len(stats(operator, world.a.code, "from=2024-01&to=2026-12")["months"]) == 36
    response = operator.get(f"/v1/municipalities/{world.a.code}/stats?from=2023-12&to=2026-12")
    assert_problem(response, 422, "statistics_range_too_long")


def test_unknown_municipality_is_404(operator, world):
    response = operator.get("/v1/municipalities/131016/stats?from=2026-04&to=2026-04")
    assert_problem(response, 404, "municipality_not_found")


# --- who may read ----------------------------------------------------------------------


def test_a_key_reads_its_own_town_only(client, world, app_context):
    key = create_key(world.a.code, "統計システム")[1]
    own = client.get(
        f"/v1/municipalities/{world.a.code}/stats?from=2026-04&to=2026-04",
        headers={"X-API-Key": key},
    )
    assert own.status_code == 200
    other = client.get(
        f"/v1/municipalities/{world.b.code}/stats?from=2026-04&to=2026-04",
        headers={"X-API-Key": key},
    )
    assert_problem(other, 403, "api_key_wrong_municipality")


def test_a_revoked_or_unknown_key_is_401(client, world, app_context):
    made, key = create_key(world.a.code, "旧システム")
    revoke_key(str(made.id))
    url = f"/v1/municipalities/{world.a.code}/stats?from=2026-04&to=2026-04"
    assert_problem(client.get(url, headers={"X-API-Key": key}), 401, "invalid_api_key")
    assert_problem(client.get(url, headers={"X-API-Key": "otagai_mk_nope"}), 401)
    assert_problem(client.get(url), 401)


def test_members_may_not_read_statistics(client_as, world):
    response = client_as(UserFactory()).get(
        f"/v1/municipalities/{world.a.code}/stats?from=2026-04&to=2026-04"
    )
    assert_problem(response, 403)


# --- CSV -------------------------------------------------------------------------------


def test_csv_in_japanese_with_bom_and_a_filename(operator, world):
    response = operator.get(
        f"/v1/municipalities/{world.a.code}/stats?from=2026-04&to=2026-04&lang=ja",
        headers={"Accept": "text/csv"},
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="otagai-111007-2026-04_2026-04.csv"'
    )
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][:6] == ["月", "種類", "依頼数", "マッチ数", "完了数", "解決率"]
    assert [r[1] for r in rows[1:]] == ["合計", "お迎え", "預かり", "貸し借り"]
    total = dict(zip(rows[0], rows[1], strict=True))
    assert total["依頼数"] == "15"
    assert total["完了数"] == ""  # withheld: empty, never 0
    assert total["解決率"] == "0.667"
    assert total["謝礼合計（円）"] == "7800"


def test_format_csv_in_english(operator, world):
    response = operator.get(
        f"/v1/municipalities/{world.a.code}/stats?from=2026-04&to=2026-04&format=csv&lang=en"
    )
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert rows[0][:3] == ["month", "kind", "requests_posted"]
    assert rows[2][:3] == ["2026-04", "pickup", "7"]
