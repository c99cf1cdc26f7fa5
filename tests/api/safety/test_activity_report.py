"""The activity report (援助活動報告書, issue 14): the supporter drafts it after the start and
may redraft it until the requester's household confirms it; a confirmed report is final;
every draft and decision is in the timeline; every refusal changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.api.safety.pickup import pickup_world
from tests.factories import UserFactory
from tests.helpers import assert_problem, unchanged

REPORT = "/v1/matches/{}/report"


def body(world, **overrides):
    return {
        "started_at": (world.start + timedelta(minutes=5)).isoformat(),
        "ended_at": (world.end - timedelta(minutes=10)).isoformat(),
        "activities": "保育園へお迎えに行き、自宅で絵本を読んで過ごしました。",
        "incident": False,
        **overrides,
    }


def draft(client_as, who, world, **overrides):
    return client_as(who).post(REPORT.format(world.match.id), json=body(world, **overrides))


def decide(client_as, who, world, decision="confirmed", **extra):
    return client_as(who).post(
        REPORT.format(world.match.id) + "/confirm", json={"decision": decision, **extra}
    )


def timeline_types(client_as, world):
    items = client_as(world.parent).get(f"/v1/matches/{world.match.id}/timeline").get_json()
    return [item["type"] for item in items["items"]]


@pytest.fixture
def world(db, clock):
    world = pickup_world()
    clock.set(world.end + timedelta(minutes=15))
    return world


# --- drafting ------------------------------------------------------------------------------


def test_first_draft_is_201_with_the_report(client_as, world, clock):
    response = draft(client_as, world.supporter, world)
    assert response.status_code == 201, response.get_json()
    report = response.get_json()
    assert report["status"] == "draft"
    assert report["match_id"] == str(world.match.id)
    assert report["activities"].startswith("保育園へ")
    assert (report["incident"], report["incident_text"]) == (False, None)
    assert report["supporter"] == {
        "id": str(world.supporter.id),
        "display_name": world.supporter.display_name,
    }
    assert report["created_at"] == report["drafted_at"] == clock.at.isoformat()
    assert (report["decided_at"], report["decided_by"]) == (None, None)


def test_redraft_replaces_the_draft_with_200(client_as, world, clock):
    draft(client_as, world.supporter, world)
    clock.advance(minutes=3)
    response = draft(client_as, world.supporter, world, activities="公園で遊びました。")
    assert response.status_code == 200
    assert response.get_json()["activities"] == "公園で遊びました。"
    assert response.get_json()["drafted_at"] == clock.at.isoformat()
    read = client_as(world.parent).get(REPORT.format(world.match.id)).get_json()
    assert read["activities"] == "公園で遊びました。"


def test_draft_retried_with_the_same_key_replays_201(client_as, world):
    key = {"Idempotency-Key": "report-draft-1"}
    first = client_as(world.supporter).post(
        REPORT.format(world.match.id), json=body(world), headers=key
    )
    again = client_as(world.supporter).post(
        REPORT.format(world.match.id), json=body(world), headers=key
    )
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.get_json() == first.get_json()
    assert timeline_types(client_as, world).count("report_drafted") == 1


def test_draft_before_the_start_is_409(client_as, world, clock, db):
    clock.set(world.start - timedelta(minutes=1))
    with unchanged(db):
        response = draft(client_as, world.supporter, world)
    assert_problem(response, 409, "report_too_early")


def test_draft_on_a_cancelled_match_is_409(client_as, world, db):
    world.match.status = "cancelled"
    db.flush()
    with unchanged(db):
        response = draft(client_as, world.supporter, world)
    assert_problem(response, 409, "report_match_cancelled")


@pytest.mark.parametrize("who", ["parent", "partner"])
def test_requester_household_cannot_draft(client_as, world, db, who):
    with unchanged(db):
        response = draft(client_as, getattr(world, who), world)
    assert_problem(response, 403, "supporter_only")


def test_stranger_drafting_gets_404(client_as, world, db):
    stranger = UserFactory()
    with unchanged(db):
        response = draft(client_as, stranger, world)
    assert_problem(response, 404, "match_not_found")


@pytest.mark.parametrize(
    ("field", "shift"),
    [
        ("ended_at", -timedelta(hours=2)),  # before the start
        ("started_at", -timedelta(hours=7)),  # too long before the scheduled start
        ("ended_at", timedelta(hours=7)),  # too long after the end (and in the future)
    ],
)
def test_draft_with_insane_times_is_422(client_as, world, db, field, shift):
    base = world.start if field == "started_at" else world.end
    with unchanged(db):
        response = draft(client_as, world.supporter, world, **{field: (base + shift).isoformat()})
    problem = assert_problem(response, 422, "report_times_invalid")
    assert field in problem["errors"]


def test_draft_ending_in_the_future_is_422(client_as, world, clock, db):
    clock.set(world.start + timedelta(minutes=30))
    with unchanged(db):
        response = draft(client_as, world.supporter, world)
    assert_problem(response, 422, "report_times_invalid")


def test_draft_needs_an_offset_on_its_times(client_as, world, db):
    naive = (world.start + timedelta(minutes=5)).replace(tzinfo=None).isoformat()
    with unchanged(db):
        response = draft(client_as, world.supporter, world, started_at=naive)
    assert_problem(response, 422, "validation_failed")


@pytest.mark.parametrize(
    "overrides",
    [
        {"activities": ""},
        {"activities": "あ" * 2001},
        {"incident": True},  # without its text
        {"incident": True, "incident_text": "  "},
        {"incident": "yes"},
        {"unknown": 1},
    ],
)
def test_draft_with_an_invalid_body_is_422(client_as, world, db, overrides):
    with unchanged(db):
        response = draft(client_as, world.supporter, world, **overrides)
    assert_problem(response, 422, "validation_failed")


def test_incident_text_is_dropped_without_an_incident(client_as, world):
    response = draft(client_as, world.supporter, world, incident_text="何もありません")
    assert response.get_json()["incident_text"] is None


# --- deciding ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["parent", "partner"])
def test_requester_household_confirms(client_as, world, clock, who):
    draft(client_as, world.supporter, world)
    clock.advance(minutes=30)
    response = decide(client_as, getattr(world, who), world)
    assert response.status_code == 200
    report = response.get_json()
    assert report["status"] == "confirmed"
    assert report["decided_at"] == clock.at.isoformat()
    assert report["decided_by"]["id"] == str(getattr(world, who).id)


def test_confirmed_report_cannot_be_redrafted(client_as, world, db):
    draft(client_as, world.supporter, world)
    decide(client_as, world.parent, world)
    with unchanged(db):
        response = draft(client_as, world.supporter, world, activities="書き換え")
    assert_problem(response, 409, "report_already_confirmed")
    with unchanged(db):
        again = decide(client_as, world.parent, world, "disputed", comment="やはり違います")
    assert_problem(again, 409, "report_already_confirmed")


def test_disputed_report_is_redrafted_then_confirmed(client_as, world):
    draft(client_as, world.supporter, world)
    disputed = decide(client_as, world.parent, world, "disputed", comment="終了は23:00でした。")
    assert disputed.get_json()["status"] == "disputed"
    assert disputed.get_json()["decision_comment"] == "終了は23:00でした。"
    redraft = draft(client_as, world.supporter, world, ended_at=world.end.isoformat())
    assert redraft.status_code == 200
    assert (redraft.get_json()["status"], redraft.get_json()["decided_at"]) == ("draft", None)
    assert decide(client_as, world.parent, world).get_json()["status"] == "confirmed"


def test_dispute_needs_a_comment(client_as, world, db):
    draft(client_as, world.supporter, world)
    with unchanged(db):
        response = decide(client_as, world.parent, world, "disputed")
    assert_problem(response, 422, "validation_failed")


def test_supporter_cannot_confirm_their_own_report(client_as, world, db):
    draft(client_as, world.supporter, world)
    with unchanged(db):
        response = decide(client_as, world.supporter, world)
    assert_problem(response, 403, "requester_only")


def test_deciding_without_a_report_is_404(client_as, world, db):
    with unchanged(db):
        response = decide(client_as, world.parent, world)
    assert_problem(response, 404, "report_not_found")


# --- reading and the timeline --------------------------------------------------------------


def test_reading_without_a_report_is_404(client_as, world):
    assert_problem(
        client_as(world.parent).get(REPORT.format(world.match.id)), 404, "report_not_found"
    )


@pytest.mark.parametrize("who", ["parent", "partner", "supporter"])
def test_both_parties_read_the_report(client_as, world, who):
    draft(client_as, world.supporter, world)
    response = client_as(getattr(world, who)).get(REPORT.format(world.match.id))
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.get_json()["status"] == "draft"


def test_timeline_shows_each_draft_and_decision(client_as, world, clock):
    draft(client_as, world.supporter, world)
    clock.advance(minutes=1)
    decide(client_as, world.parent, world, "disputed", comment="時間が違います")
    clock.advance(minutes=1)
    draft(client_as, world.supporter, world)
    clock.advance(minutes=1)
    decide(client_as, world.partner, world)
    items = client_as(world.supporter).get(f"/v1/matches/{world.match.id}/timeline").get_json()
    reports = [(i["type"], i["actor"]["id"]) for i in items["items"] if "report" in i["type"]]
    assert reports == [
        ("report_drafted", str(world.supporter.id)),
        ("report_disputed", str(world.parent.id)),
        ("report_drafted", str(world.supporter.id)),
        ("report_confirmed", str(world.partner.id)),
    ]
    drafted = next(i for i in items["items"] if i["type"] == "report_drafted")
    assert drafted["data"] == {"incident": False}


def test_unsupported_accept_is_406(client_as, world):
    draft(client_as, world.supporter, world)
    response = client_as(world.parent).get(
        REPORT.format(world.match.id), headers={"Accept": "text/html"}
    )
    assert_problem(response, 406, "not_acceptable")
