"""Community events and attendance through the API."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from otagai.domain.audit.models import AuditEntry
from otagai.domain.events.models import Event, EventAttendance
from tests.factories import (
    CommunityFactory,
    CommunityMemberFactory,
    EventFactory,
    UserFactory,
)
from tests.helpers import assert_problem, unchanged

NOW = datetime.now(UTC).replace(microsecond=0)


def at(**delta) -> str:
    return (NOW + timedelta(**delta)).isoformat()


EVENT = {
    "title": "親子でおしゃべり会",
    "description": "未就学児の親子向け",
    "starts_at": at(days=7),
    "ends_at": at(days=7, hours=2),
    "place": {"lat": 35.8587, "lng": 139.6571},
    "place_name": "浦和コミュニティセンター",
}


def _create(api, community, **overrides):
    return api.post(f"/v1/communities/{community.id}/events", json={**EVENT, **overrides})


def _attend(api, event, user):
    return api.post(f"/v1/events/{event.id}/attendances", json={"user_id": str(user.id)})


def _count(db, model, *where) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(model).where(*where))


def _audit(db, action: str) -> list[AuditEntry]:
    db.expire_all()
    return list(db.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def _ids(response) -> list[str]:
    assert response.status_code == 200, response.get_json()
    return [item["id"] for item in response.get_json()["items"]]


# --- create -----------------------------------------------------------------------------


def test_create_event_is_201_and_echoes_it(client_as, town):
    response = _create(client_as(town.coordinator), town.a)
    assert response.status_code == 201
    body = response.get_json()
    for key in ("title", "description", "place", "place_name"):
        assert body[key] == EVENT[key]
    assert datetime.fromisoformat(body["starts_at"]) == NOW + timedelta(days=7)
    assert (body["community_id"], body["attendance_count"]) == (str(town.a.id), 0)


def test_create_event_writes_one_audit_entry(client_as, db, town):
    body = _create(client_as(town.coordinator), town.a).get_json()
    [entry] = _audit(db, "event.create")
    assert (entry.actor_user_id, entry.actor_role, entry.target_id, entry.community_id) == (
        town.coordinator.id, "coordinator", body["id"], town.a.id,
    )  # fmt: skip


@pytest.mark.parametrize("who", ["other", "member", "operator"])
def test_create_event_by_anyone_but_its_coordinator_is_403_and_writes_nothing(
    client_as, db, town, who
):
    api = client_as(UserFactory(), operator=True) if who == "operator" else None
    with unchanged(db):
        response = _create(api or client_as(getattr(town, who)), town.a)
    assert_problem(response, 403, "coordinator_only")
    assert _count(db, Event) == 0 and _count(db, AuditEntry) == 0


def test_create_event_a_week_ago_is_201(client_as, town):
    response = _create(client_as(town.coordinator), town.a, starts_at=at(days=-7), ends_at=None)
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"starts_at": at(days=-31), "ends_at": None}, "starts_at"),
        ({"starts_at": at(days=366), "ends_at": None}, "starts_at"),
        ({"ends_at": at(days=7)}, "ends_at"),  # not after the start
        ({"ends_at": at(days=8, minutes=1)}, "ends_at"),  # longer than a day
        ({"starts_at": "2026-12-05T10:00:00"}, "starts_at"),  # no offset
        ({"title": " "}, "title"),
        ({"place": {"lat": 48.85, "lng": 2.35}}, "place"),
    ],
)
def test_create_event_with_bad_field_is_422_and_writes_nothing(
    client_as, db, town, overrides, field
):
    response = _create(client_as(town.coordinator), town.a, **overrides)
    assert field in assert_problem(response, 422, "validation_failed")["errors"]
    assert _count(db, Event) == 0 and _count(db, AuditEntry) == 0


# --- list and read ----------------------------------------------------------------------


def test_list_events_shows_upcoming_and_ongoing_soonest_first(client_as, town):
    later = EventFactory(community=town.a, starts_at=NOW + timedelta(days=3))
    soon = EventFactory(community=town.a, starts_at=NOW + timedelta(hours=2))
    ongoing = EventFactory(community=town.a, starts_at=NOW - timedelta(hours=1))
    EventFactory(community=town.a, starts_at=NOW - timedelta(days=2))  # over
    EventFactory(community=town.b)  # another community
    response = client_as(town.member).get(f"/v1/communities/{town.a.id}/events")
    assert _ids(response) == [str(ongoing.id), str(soon.id), str(later.id)]


def test_list_events_from_a_past_time_includes_past_events(client_as, town):
    past = EventFactory(community=town.a, starts_at=NOW - timedelta(days=2))
    response = client_as(town.member).get(
        f"/v1/communities/{town.a.id}/events", query_string={"from": at(days=-3)}
    )
    assert _ids(response) == [str(past.id)]


def test_list_events_pages_follow_on(client_as, town):
    made = [EventFactory(community=town.a, starts_at=NOW + timedelta(days=d)) for d in (1, 2, 3)]
    api, url = client_as(town.member), f"/v1/communities/{town.a.id}/events"
    first = api.get(url, query_string={"limit": 2}).get_json()
    rest = api.get(url, query_string={"limit": 2, "cursor": first["next_cursor"]})
    assert [i["id"] for i in first["items"]] + _ids(rest) == [str(e.id) for e in made]
    assert rest.get_json()["next_cursor"] is None


def test_list_events_by_non_member_is_403_members_only(client_as, town):
    response = client_as(UserFactory()).get(f"/v1/communities/{town.a.id}/events")
    assert_problem(response, 403, "members_only")


def test_list_events_by_operator_is_200(client_as, town):
    event = EventFactory(community=town.a)
    api = client_as("ops-uid", operator=True)
    assert _ids(api.get(f"/v1/communities/{town.a.id}/events")) == [str(event.id)]


def test_my_events_are_upcoming_events_of_my_communities(client_as, town):
    CommunityMemberFactory(community=town.b, user=town.member)
    mine = [
        EventFactory(community=town.b, starts_at=NOW + timedelta(days=1)),
        EventFactory(community=town.a, starts_at=NOW + timedelta(days=2)),
    ]
    EventFactory(community=town.a, starts_at=NOW - timedelta(days=1))
    EventFactory(
        community=CommunityFactory(municipality=None, municipality_code="111007")
    )  # not mine
    response = client_as(town.member).get("/v1/me/events")
    assert _ids(response) == [str(e.id) for e in mine]


def test_get_event_by_member_shows_attendance_count(client_as, db, town):
    event = EventFactory(community=town.a, starts_at=NOW)
    db.add(EventAttendance(event_id=event.id, user_id=town.member.id,
                           recorded_by_id=town.coordinator.id))  # fmt: skip
    db.flush()
    response = client_as(town.member).get(f"/v1/events/{event.id}")
    assert response.get_json()["attendance_count"] == 1


def test_get_event_by_non_member_is_404(client_as, town):
    event = EventFactory(community=town.a)
    assert_problem(client_as(town.other).get(f"/v1/events/{event.id}"), 404, "event_not_found")


# --- attendance -------------------------------------------------------------------------


def test_record_attendance_is_201_and_audited(client_as, db, town):
    event = EventFactory(community=town.a, starts_at=NOW - timedelta(hours=1))
    response = _attend(client_as(town.coordinator), event, town.member)
    assert response.status_code == 201
    body = response.get_json()
    assert (body["event_id"], body["user"]["id"]) == (str(event.id), str(town.member.id))
    [entry] = _audit(db, "event.attendance")
    assert (entry.target_id, entry.details["user_id"]) == (str(event.id), str(town.member.id))


def test_record_attendance_twice_is_200_with_one_record_and_one_audit(client_as, db, town):
    event = EventFactory(community=town.a, starts_at=NOW - timedelta(hours=1))
    api = client_as(town.coordinator)
    first = _attend(api, event, town.member)
    again = _attend(api, event, town.member)
    assert again.status_code == 200 and again.get_json() == first.get_json()
    assert _count(db, EventAttendance) == 1 and len(_audit(db, "event.attendance")) == 1


def test_record_attendance_half_an_hour_before_start_is_201(client_as, town):
    event = EventFactory(community=town.a, starts_at=NOW + timedelta(minutes=30))
    assert _attend(client_as(town.coordinator), event, town.member).status_code == 201


def test_record_attendance_for_future_event_is_422_and_writes_nothing(client_as, db, town):
    event = EventFactory(community=town.a, starts_at=NOW + timedelta(hours=2))
    with unchanged(db):
        response = _attend(client_as(town.coordinator), event, town.member)
    assert_problem(response, 422, "event_not_started")
    assert _count(db, EventAttendance) == 0 and _count(db, AuditEntry) == 0


def test_record_attendance_a_month_after_the_event_is_422(client_as, db, town):
    event = EventFactory(community=town.a, starts_at=NOW - timedelta(days=31))
    with unchanged(db):
        response = _attend(client_as(town.coordinator), event, town.member)
    assert_problem(response, 422, "attendance_closed")
    assert _count(db, EventAttendance) == 0


def test_record_attendance_of_unknown_user_is_404(client_as, town, db):
    event = EventFactory(community=town.a, starts_at=NOW)
    with unchanged(db):
        response = _attend(client_as(town.coordinator), event, SimpleNamespace(id=uuid.uuid4()))
    assert_problem(response, 404, "user_not_found")


def test_record_attendance_of_non_member_is_422(client_as, town):
    event = EventFactory(community=town.a, starts_at=NOW)
    response = _attend(client_as(town.coordinator), event, UserFactory())
    assert list(assert_problem(response, 422, "not_a_member")["errors"]) == ["user_id"]


def test_record_attendance_by_member_is_403(client_as, town, db):
    event = EventFactory(community=town.a, starts_at=NOW)
    with unchanged(db):
        assert_problem(_attend(client_as(town.member), event, town.member), 403, "coordinator_only")


def test_record_attendance_by_coordinator_of_another_community_is_404(client_as, db, town):
    event = EventFactory(community=town.a, starts_at=NOW)
    with unchanged(db):
        assert_problem(_attend(client_as(town.other), event, town.member), 404, "event_not_found")
    assert _count(db, EventAttendance) == 0


def test_list_attendances_by_coordinator_and_operator(client_as, town):
    event = EventFactory(community=town.a, starts_at=NOW)
    _attend(client_as(town.coordinator), event, town.member)
    url = f"/v1/events/{event.id}/attendances"
    for api in (client_as(town.coordinator), client_as("ops-uid", operator=True)):
        items = api.get(url).get_json()["items"]
        assert [i["user"]["id"] for i in items] == [str(town.member.id)]
    assert_problem(client_as(town.member).get(url), 403, "coordinator_only")
