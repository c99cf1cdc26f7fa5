"""Real answers, in a world of the demo seeds, validated against the committed spec's
response schemas: the properties the spec calls `required` are there, the ones it does
not call nullable are not null, and the types are the spec's. A `required` that lies
fails here (and in tests/test_fuzz.py), not in the mobile app."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from tests.conftest import ROOT
from tests.seeded_world import COORDINATOR, REQUESTER_MATCHED, ROLES, World, seeded_world

pytestmark = pytest.mark.slow

SCHEMA = schemathesis.openapi.from_path(ROOT / "api_spec" / "openapi.json")
CHECKS = [content_type_conformance, response_schema_conformance]
GETS = [
    op.ok()
    for op in SCHEMA.get_all_operations()
    if op.ok().method.upper() == "GET" and op.ok().path not in ("/healthz", "/readyz")
]


@pytest.fixture(scope="module")
def world(settings: Any) -> Iterator[World]:
    with seeded_world(settings) as world:
        yield world


@pytest.fixture(scope="module")
def app(world: World) -> Any:
    """The app on the world's database."""
    return world.app


@pytest.fixture
def savepoint(world: World) -> Iterator[None]:
    """Each test's writes are undone; the world stays as seeded."""
    with world.case():
        yield


def _call(app: Any, operation: Any, headers: dict[str, str], **parts: Any) -> Any:
    case = operation.Case(**parts)
    response = case.call(app=app, headers=headers)
    case.validate_response(response, checks=CHECKS)
    return response


def _path_parameters(operation: Any, world: World) -> dict[str, str] | None:
    names = [p.name for p in operation.path_parameters]
    if any(name not in world.ids for name in names):
        return None
    return {name: world.ids[name] for name in names}


STATS_QUERY = {"from": "2026-01", "to": "2026-12"}
# Operations whose query needs a value (by the path's last part).
QUERIES = {"stats": STATS_QUERY, "activity-reports.csv": {"month": "2026-12"}}


@pytest.mark.parametrize("role", ROLES)
def test_every_readable_answer_of_the_seeded_world_matches_the_spec(app, world, savepoint, role):
    headers = world.headers(role)
    answered: dict[str, int] = {}
    for operation in GETS:
        path_parameters = _path_parameters(operation, world)
        assert path_parameters is not None, f"no id for {operation.label}"
        query = QUERIES.get(operation.path.rsplit("/", 1)[-1], {})
        response = _call(app, operation, headers, path_parameters=path_parameters, query=query)
        answered[operation.label] = response.status_code
    assert all(status < 500 for status in answered.values()), answered
    successes = sum(1 for status in answered.values() if status == 200)
    # Not a world of refusals: each role reads much of it (a key: its statistics only).
    assert successes >= (1 if role == "municipality_key" else len(GETS) // 3), answered


def test_the_member_reads_candidates_offers_and_her_request(app, world, savepoint):
    headers = world.headers("member")
    request_id = world.ids["request_id"]
    candidates = _call(
        app,
        SCHEMA["/v1/share-requests/{request_id}/candidates"]["GET"],
        headers,
        path_parameters={"request_id": request_id},
    )
    assert candidates.status_code == 200
    items = candidates.json()["items"]
    assert items and all({"trust_tier", "distance_m"} <= set(c) for c in items)
    offers = _call(
        app,
        SCHEMA["/v1/share-requests/{request_id}/offers"]["GET"],
        headers,
        path_parameters={"request_id": request_id},
    )
    assert offers.status_code == 200
    assert all(o["insurance_preview"] is not None for o in offers.json()["items"])
    request = _call(
        app,
        SCHEMA["/v1/share-requests/{request_id}"]["GET"],
        headers,
        path_parameters={"request_id": request_id},
    )
    assert request.json()["recommended_thank_you"]["min_jpy"] > 0


def test_a_match_and_its_thank_yous_match_the_spec(app, world, savepoint):
    for uid in (REQUESTER_MATCHED, "demo-takahashi-kazuko"):
        headers = {"Authorization": f"Bearer {world.token(uid)}"}
        match = _call(
            app,
            SCHEMA["/v1/matches/{match_id}"]["GET"],
            headers,
            path_parameters={"match_id": world.ids["match_id"]},
        )
        assert match.status_code == 200
        assert isinstance(match.json()["insurance"]["covered"], bool)
        thanks = _call(
            app,
            SCHEMA["/v1/matches/{match_id}/thank-yous"]["GET"],
            headers,
            path_parameters={"match_id": world.ids["match_id"]},
        )
        assert thanks.status_code == 200
        (thank_you,) = thanks.json()["items"]
        assert thank_you["recommended_thank_you"]["max_jpy"] >= 500


def test_the_report_its_pdf_and_its_claim_match_the_spec(app, world, savepoint):
    path = {"match_id": world.ids["match_id"]}
    operation = SCHEMA["/v1/matches/{match_id}/report"]["GET"]
    for uid in (REQUESTER_MATCHED, "demo-takahashi-kazuko"):
        auth = {"Authorization": f"Bearer {world.token(uid)}"}
        report = _call(app, operation, auth, path_parameters=path)
        assert report.status_code == 200
        assert report.json()["incident"] is True
        pdf = _call(app, operation, {**auth, "Accept": "application/pdf"}, path_parameters=path)
        assert pdf.status_code == 200
        # content_type_conformance (in _call) held it to the spec's application/pdf.
        assert pdf.content.startswith(b"%PDF-")
    claims = _call(app, SCHEMA["/v1/insurance-claims"]["GET"], world.headers("operator"))
    assert [c["id"] for c in claims.json()["items"]] == [world.ids["claim_id"]]


def test_posting_offering_accepting_and_thanking_answer_as_the_spec_says(app, world, savepoint):
    requester = world.headers("member")
    starts = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=2)
    posted = _call(
        app,
        SCHEMA["/v1/share-requests"]["POST"],
        requester,
        body={
            "kind": "pickup",
            "community_id": world.ids["community_id"],
            "title": "お迎えをお願いします",
            "starts_at": starts.isoformat(),
            "ends_at": (starts + dt.timedelta(hours=1)).isoformat(),
            "location": {"lat": 35.8601, "lng": 139.6555},
            "dropoff": {"lat": 35.8587, "lng": 139.6571},
            "child_ids": [world.ids["child_id"]],
        },
        media_type="application/json",
    )
    assert posted.status_code == 201, posted.json()
    request_id = posted.json()["id"]
    candidates = _call(
        app,
        SCHEMA["/v1/share-requests/{request_id}/candidates"]["GET"],
        requester,
        path_parameters={"request_id": request_id},
    ).json()["items"]
    assert candidates, "nobody may help with the new request"
    supporter = {"Authorization": f"Bearer {world.token(world.uid_of(candidates[0]['user_id']))}"}
    offered = _call(
        app,
        SCHEMA["/v1/share-requests/{request_id}/offers"]["POST"],
        supporter,
        path_parameters={"request_id": request_id},
        body={"note": "大丈夫です"},
        media_type="application/json",
    )
    assert offered.status_code == 201, offered.json()
    accepted = _call(
        app,
        SCHEMA["/v1/offers/{offer_id}/accept"]["POST"],
        requester,
        path_parameters={"offer_id": offered.json()["id"]},
    )
    assert accepted.status_code == 201, accepted.json()
    match = accepted.json()
    assert isinstance(match["insurance"]["reasons"], list)
    thanked = _call(
        app,
        SCHEMA["/v1/matches/{match_id}/thank-yous"]["POST"],
        requester,
        path_parameters={"match_id": match["id"]},
        body={"amount_jpy": 1000, "method": "cash"},
        media_type="application/json",
    )
    assert thanked.status_code == 201, thanked.json()
    assert thanked.json()["recommended_thank_you"] == {"min_jpy": 500, "max_jpy": 700}


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"kind": "errand"}, 422),  # refused by the schema: field messages
        (None, 415),  # no JSON at all
    ],
)
def test_problems_match_the_spec(app, world, savepoint, body, status):
    operation = SCHEMA["/v1/share-requests"]["POST"]
    headers = world.headers("member")
    if body is None:
        response = app.test_client().post("/v1/share-requests", data="x", headers=headers)
        operation.Case().validate_response(response, checks=[response_schema_conformance])
        problem = response.get_json(force=True)
    else:
        response = _call(app, operation, headers, body=body, media_type="application/json")
        problem = response.json()
    assert response.status_code == status
    assert isinstance(problem["errors"], dict)
    assert bool(problem["errors"]) == (status == 422)


def _matched_pickup(app: Any, world: World) -> tuple[str, dt.datetime, str]:
    """The member's pickup the day after tomorrow, offered on by its best candidate and
    accepted, all through the API: (match id, its start, the supporter's uid)."""
    requester = world.headers("member")
    starts = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=2)
    posted = _call(
        app,
        SCHEMA["/v1/share-requests"]["POST"],
        requester,
        body={
            "kind": "pickup",
            "community_id": world.ids["community_id"],
            "title": "お迎えをお願いします",
            "starts_at": starts.isoformat(),
            "ends_at": (starts + dt.timedelta(hours=1)).isoformat(),
            "location": {"lat": 35.8601, "lng": 139.6555},
            "dropoff": {"lat": 35.8587, "lng": 139.6571},
            "child_ids": [world.ids["child_id"]],
        },
        media_type="application/json",
    )
    assert posted.status_code == 201, posted.json()
    request_id = posted.json()["id"]
    candidates = _call(
        app,
        SCHEMA["/v1/share-requests/{request_id}/candidates"]["GET"],
        requester,
        path_parameters={"request_id": request_id},
    ).json()["items"]
    supporter_uid = world.uid_of(candidates[0]["user_id"])
    offered = _call(
        app,
        SCHEMA["/v1/share-requests/{request_id}/offers"]["POST"],
        {"Authorization": f"Bearer {world.token(supporter_uid)}"},
        path_parameters={"request_id": request_id},
        body={},
        media_type="application/json",
    )
    assert offered.status_code == 201, offered.json()
    match_id = _call(
        app,
        SCHEMA["/v1/offers/{offer_id}/accept"]["POST"],
        requester,
        path_parameters={"offer_id": offered.json()["id"]},
    ).json()["id"]
    return match_id, starts, supporter_uid


def test_pickup_pass_checkins_and_handover_code_answer_as_the_spec_says(
    app, world, savepoint, clock
):
    match_id, starts, supporter_uid = _matched_pickup(app, world)
    clock.set(starts - dt.timedelta(minutes=10))
    # Tokens minted at the moved time: an hour's token from before would have expired.
    supporter = {"Authorization": f"Bearer {world.token(supporter_uid)}"}
    requester = world.headers("member")
    at = {"match_id": match_id}
    issued = _call(app, SCHEMA["/v1/matches/{match_id}/pass"]["GET"], supporter, path_parameters=at)
    assert issued.status_code == 200 and issued.json()["status"] == "valid"
    code = _call(
        app, SCHEMA["/v1/matches/{match_id}/handover-code"]["GET"], requester, path_parameters=at
    )
    assert code.status_code == 200
    checkins = SCHEMA["/v1/matches/{match_id}/checkins"]["POST"]
    for body, status in (
        ({"type": "picked_up"}, 201),
        ({"type": "picked_up"}, 409),
        ({"type": "arrived"}, 201),
        ({"type": "handed_over", "code": "x"}, 422),
        ({"type": "handed_over", "code": code.json()["code"]}, 201),
    ):
        answer = _call(
            app, checkins, supporter, path_parameters=at, body=body, media_type="application/json"
        )
        assert answer.status_code == status, answer.json()


def test_no_shows_and_reliability_answer_as_the_spec_says(app, world, savepoint, clock):
    match_id, starts, supporter_uid = _matched_pickup(app, world)
    clock.set(starts + dt.timedelta(minutes=20))
    supporter = {"Authorization": f"Bearer {world.token(supporter_uid)}"}
    requester = world.headers("member")
    at = {"match_id": match_id}
    no_show = SCHEMA["/v1/matches/{match_id}/no-show"]["POST"]
    answer = SCHEMA["/v1/matches/{match_id}/no-show/answer"]["POST"]
    for operation, headers, body, status in (
        (answer, supporter, {"text": "すみません"}, 404),
        (no_show, requester, {"reason": "来られませんでした"}, 201),
        (no_show, supporter, {"reason": "いらっしゃいませんでした"}, 409),
        (answer, requester, {"text": "はい"}, 403),
        (answer, supporter, {"text": "急な発熱でした"}, 201),
        (answer, supporter, {"text": "もう一度"}, 409),
    ):
        response = _call(
            app, operation, headers, path_parameters=at, body=body, media_type="application/json"
        )
        assert response.status_code == status, response.json()
    match = _call(app, SCHEMA["/v1/matches/{match_id}"]["GET"], requester, path_parameters=at)
    assert match.json()["no_show"]["answer"] == "急な発熱でした"
    reliability = _call(
        app,
        SCHEMA["/v1/communities/{community_id}/reliability"]["GET"],
        world.headers("coordinator"),
        path_parameters={"community_id": world.ids["community_id"]},
    )
    assert reliability.status_code == 200 and reliability.json()["items"]


def test_authorised_adults_answer_as_the_spec_says(app, world, savepoint):
    member = world.headers("member")
    at = {"child_id": world.ids["child_id"]}
    collection = SCHEMA["/v1/me/children/{child_id}/authorised-adults"]
    added = _call(
        app,
        collection["POST"],
        member,
        path_parameters=at,
        body={"name": "佐藤 一郎", "relation": "祖父"},
        media_type="application/json",
    )
    assert added.status_code == 201, added.json()
    listed = _call(app, collection["GET"], member, path_parameters=at)
    assert added.json()["id"] in [a["id"] for a in listed.json()["items"]]
    by_id = SCHEMA["/v1/me/children/{child_id}/authorised-adults/{adult_id}"]["DELETE"]
    gone = {**at, "adult_id": added.json()["id"]}
    assert _call(app, by_id, member, path_parameters=gone).status_code == 204
    assert _call(app, by_id, member, path_parameters=gone).status_code == 404


def test_background_checks_and_the_community_setting_answer_as_the_spec_says(app, world, savepoint):
    coordinator = world.headers("coordinator")
    community = {"community_id": world.ids["community_id"]}
    setting = _call(
        app,
        SCHEMA["/v1/communities/{community_id}"]["PATCH"],
        coordinator,
        path_parameters=community,
        body={"require_background_check_for_babysitting": True},
        media_type="application/json",
    )
    assert setting.status_code == 200, setting.json()
    assert setting.json()["require_background_check_for_babysitting"] is True
    listed = _call(
        app,
        SCHEMA["/v1/communities/{community_id}/certifications"]["GET"],
        coordinator,
        path_parameters=community,
        query={"status": "active"},
    ).json()["items"]
    me = world.people[COORDINATOR][0]
    # Somebody else's (a coordinator may not record their own).
    other = next(c for c in listed if c["user"]["id"] != str(me))
    check = SCHEMA["/v1/certifications/{certification_id}/background-check"]
    at = {"certification_id": other["id"]}
    today = dt.datetime.now(dt.UTC).date().isoformat()
    recorded = _call(
        app,
        check["PUT"],
        coordinator,
        path_parameters=at,
        body={"scheme": "equivalent", "confirmed_on": today},
        media_type="application/json",
    )
    assert recorded.status_code == 200, recorded.json()
    assert recorded.json()["background_check"]["scheme"] == "equivalent"
    assert _call(app, check["DELETE"], coordinator, path_parameters=at).status_code == 204
    assert _call(app, check["DELETE"], coordinator, path_parameters=at).status_code == 404


def test_welcome_consent_and_newcomers_answer_as_the_spec_says(app, world, savepoint):
    newcomer = {"Authorization": f"Bearer {world.token('spec-newcomer')}"}
    profile = _call(
        app,
        SCHEMA["/v1/me"]["PUT"],
        newcomer,
        body={"display_name": "新しい 家族", "welcome_consent": True},
        media_type="application/json",
    )
    assert profile.status_code == 201 and profile.json()["household"]["welcome_consent"] is True
    at = {"community_id": world.ids["community_id"]}
    joined = _call(
        app, SCHEMA["/v1/communities/{community_id}/members"]["POST"], newcomer, path_parameters=at
    )
    assert joined.status_code in (200, 201), joined.json()
    newcomers = _call(
        app,
        SCHEMA["/v1/communities/{community_id}/newcomers"]["GET"],
        world.headers("coordinator"),
        path_parameters=at,
    )
    assert newcomers.status_code == 200
    assert "新しい 家族" in [i["person"]["display_name"] for i in newcomers.json()["items"]]
