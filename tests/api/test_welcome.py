"""A way in for isolated families (docs/welcome.md): the household's consent (PUT /v1/me),
the welcome push (the worker's job, with the clock under test control), and the
coordinators' list of newcomers."""

from __future__ import annotations

import datetime as dt
import uuid
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from otagai.domain.clock import TOKYO
from otagai.domain.notifications.models import Notification
from otagai.domain.people.models import Device, Household
from otagai.worker import run_once
from tests.factories import (
    CommunityFactory,
    CommunityMemberFactory,
    ConnectionFactory,
    EventFactory,
    UserFactory,
)

pytestmark = pytest.mark.usefixtures("app_context")

NOW = dt.datetime.now(dt.UTC)


def tokyo(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), TOKYO).astimezone(dt.UTC)


def family(db, community, *, consent: bool, name: str = "佐藤 美香") -> SimpleNamespace:
    """A member of ``community`` with a device, their household consenting or not."""
    user = UserFactory(display_name=name)
    CommunityMemberFactory(community=community, user=user)
    household = db.get(Household, user.household_id)
    household.welcome_consent = consent
    token = f"tok-{uuid.uuid4().hex}"
    db.add(Device(token=token, user_id=user.id, platform="android"))
    db.flush()
    return SimpleNamespace(user=user, household=household, token=token)


@pytest.fixture
def town(db):
    community = CommunityFactory()
    coordinator = UserFactory(display_name="コーディネーター")
    CommunityMemberFactory(community=community, user=coordinator, role="coordinator")
    # Well after the 14 days: the next event of the community.
    event = EventFactory(
        community=community,
        created_by=coordinator,
        starts_at=(NOW + dt.timedelta(days=40)).replace(microsecond=0),
        title="山田さんちの交流会",
        place_name="山田様宅",
    )
    return SimpleNamespace(community=community, coordinator=coordinator, event=event)


def welcomes(db) -> list[Notification]:
    return list(db.scalars(select(Notification).where(Notification.type == "welcome_event")))


# --- consent ---------------------------------------------------------------------------


def test_consent_is_off_unless_given_at_sign_up_and_can_be_changed(client_as):
    body = {"display_name": "佐藤 美香", "locale": "ja"}
    created = client_as("welcome-off").put("/v1/me", json=body)
    assert created.status_code == 201
    assert created.get_json()["household"]["welcome_consent"] is False

    given = client_as("welcome-on").put("/v1/me", json={**body, "welcome_consent": True})
    assert given.status_code == 201
    assert given.get_json()["household"]["welcome_consent"] is True
    kept = client_as("welcome-on").put("/v1/me", json=body)
    assert kept.get_json()["household"]["welcome_consent"] is True
    withdrawn = client_as("welcome-on").put("/v1/me", json={**body, "welcome_consent": False})
    assert withdrawn.status_code == 200
    assert client_as("welcome-on").get("/v1/me").get_json()["household"]["welcome_consent"] is False


def test_consent_must_be_a_boolean(client_as):
    response = client_as("welcome-bad").put(
        "/v1/me", json={"display_name": "x", "welcome_consent": "maybe"}
    )
    assert response.status_code == 422


# --- the push --------------------------------------------------------------------------


def test_sent_once_to_a_consenting_isolated_household_across_quiet_hours(db, clock, fcm_api, town):
    newcomer = family(db, town.community, consent=True)
    day = (NOW + dt.timedelta(days=15)).astimezone(TOKYO).date()
    # 14 days after joining, at 23:00: written, but held until 07:00.
    assert run_once(clock.set(tokyo(day, 23))).tick.welcomes == 1
    assert fcm_api.sent_to(newcomer.token) == []
    [held] = welcomes(db)
    assert held.next_attempt_at == tokyo(day + dt.timedelta(days=1), 7)
    for at in (tokyo(day, 23, 30), tokyo(day + dt.timedelta(days=1), 6, 59)):
        assert run_once(clock.set(at)).tick.welcomes == 0
    assert fcm_api.sent_to(newcomer.token) == []
    run_once(clock.set(tokyo(day + dt.timedelta(days=1), 7)))
    [message] = fcm_api.sent_to(newcomer.token)
    assert message.data["type"] == "welcome_event"
    assert message.data["event_id"] == str(town.event.id)
    # Every tick for the rest of the month writes nothing more.
    for days in range(2, 10):
        assert run_once(clock.set(tokyo(day + dt.timedelta(days=days), 12))).tick.welcomes == 0
    assert len(fcm_api.sent_to(newcomer.token)) == 1
    assert len(welcomes(db)) == 1


def test_the_push_names_nobody_and_no_place(db, clock, fcm_api, town):
    newcomer = family(db, town.community, consent=True, name="鈴木 花子")
    day = (NOW + dt.timedelta(days=15)).astimezone(TOKYO).date()
    run_once(clock.set(tokyo(day, 12)))
    [message] = fcm_api.sent_to(newcomer.token)
    text = message.message["notification"]["title"] + message.message["notification"]["body"]
    for secret in ("鈴木", "花子", "山田", "様宅", "交流会の", town.event.place_name):
        assert secret not in text
    assert set(message.data) <= {"type", "message_id", "event_id"}


def test_at_most_once_a_month_while_still_isolated(db, clock, fcm_api, town):
    newcomer = family(db, town.community, consent=True)
    day = (NOW + dt.timedelta(days=15)).astimezone(TOKYO).date()
    run_once(clock.set(tokyo(day, 12)))
    first_of_next = (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    run_once(clock.set(tokyo(first_of_next, 12)))
    run_once(clock.set(tokyo(first_of_next + dt.timedelta(days=1), 12)))
    assert len(fcm_api.sent_to(newcomer.token)) == 2


def test_never_without_consent_with_a_connection_or_before_14_days(db, clock, fcm_api, town):
    refused = family(db, town.community, consent=False)
    connected = family(db, town.community, consent=True)
    ConnectionFactory(a=connected.user, b=UserFactory())
    fresh = family(db, town.community, consent=True)
    day = (NOW + dt.timedelta(days=13)).astimezone(TOKYO).date()
    run_once(clock.set(tokyo(day, 12)))  # 13 days: too early for anybody
    assert welcomes(db) == []
    db.execute(
        Household.__table__.update()
        .where(Household.id.in_([refused.household.id, connected.household.id]))
        .values(created_at=NOW - dt.timedelta(days=60))
    )
    for days in range(1, 5):
        run_once(clock.set(tokyo(day + dt.timedelta(days=days), 12)))
    told = {n.user_id for n in welcomes(db)}
    assert told == {fresh.user.id}
    assert fcm_api.sent_to(refused.token) == [] and fcm_api.sent_to(connected.token) == []


def test_no_event_to_come_no_push_until_there_is_one(db, clock, fcm_api):
    community = CommunityFactory()
    newcomer = family(db, community, consent=True)
    day = (NOW + dt.timedelta(days=15)).astimezone(TOKYO).date()
    assert run_once(clock.set(tokyo(day, 12))).tick.welcomes == 0
    EventFactory(community=community, starts_at=NOW + dt.timedelta(days=20))
    assert run_once(clock.set(tokyo(day, 13))).tick.welcomes == 0  # looked at today already
    assert run_once(clock.set(tokyo(day + dt.timedelta(days=1), 12))).tick.welcomes == 1
    assert len(fcm_api.sent_to(newcomer.token)) == 1


# --- newcomers -------------------------------------------------------------------------


def test_coordinators_see_consenting_newcomers_without_a_connection(client_as, db, town):
    welcome = family(db, town.community, consent=True, name="新しい 家族")
    family(db, town.community, consent=False, name="同意なし")
    connected = family(db, town.community, consent=True, name="つながりあり")
    ConnectionFactory(a=connected.user, b=UserFactory())
    response = client_as(town.coordinator).get(f"/v1/communities/{town.community.id}/newcomers")
    assert response.status_code == 200, response.get_json()
    [item] = response.get_json()["items"]
    assert item == {
        "person": {"id": str(welcome.user.id), "display_name": "新しい 家族"},
        "joined_on": dt.datetime.now(TOKYO).date().isoformat(),
    }


def test_newcomers_page_latest_first(client_as, db, town):
    people = [family(db, town.community, consent=True, name=f"家族{i}") for i in range(3)]
    path = f"/v1/communities/{town.community.id}/newcomers?limit=2"
    first = client_as(town.coordinator).get(path).get_json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    second = client_as(town.coordinator).get(f"{path}&cursor={first['next_cursor']}").get_json()
    seen = [i["person"]["id"] for i in first["items"] + second["items"]]
    assert sorted(seen) == sorted(str(p.user.id) for p in people)


def test_newcomers_of_an_unknown_community_is_404(client_as, town):
    response = client_as(town.coordinator).get(f"/v1/communities/{uuid.uuid4()}/newcomers")
    assert response.status_code == 404
