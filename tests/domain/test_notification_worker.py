"""The notification worker end to end: changes made through the API write outbox events;
``run_once`` turns them into pushes that reach a local FCM stand-in through
firebase-admin's real messaging API (tests/fcm_local.py)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from sqlalchemy import func, select

from otagai.domain import outbox
from otagai.domain.clock import TOKYO
from otagai.domain.notifications import delivery
from otagai.domain.notifications.models import Notification, NotificationSettings
from otagai.domain.outbox import OutboxEvent
from otagai.domain.people.models import Device
from otagai.domain.requests.models import Offer, ShareRequest
from otagai.worker import run_once
from tests.factories import (
    CertificationFactory,
    CommunityFactory,
    CommunityMemberFactory,
    ConnectionFactory,
    ShareRequestFactory,
    UserFactory,
    match_world,
    offer_world,
)

pytestmark = pytest.mark.usefixtures("app_context")


def add_device(db, user, token: str | None = None) -> str:
    token = token or f"tok-{uuid.uuid4().hex}"
    db.add(Device(token=token, user_id=user.id, platform="android"))
    db.flush()
    return token


def tokyo(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), TOKYO).astimezone(dt.UTC)


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def daytime() -> dt.datetime:
    """Today 12:00 in Tokyo: outside the default quiet hours."""
    return tokyo(now().astimezone(TOKYO).date(), 12)


def notifications(db, **where: Any) -> list[Notification]:
    query = select(Notification).order_by(Notification.created_at)
    for key, value in where.items():
        query = query.where(getattr(Notification, key) == value)
    return list(db.scalars(query))


def count(db, model) -> int:
    return db.scalar(select(func.count()).select_from(model))


def offer_via_api(client_as, world, supporter=None):
    supporter = supporter or world.supporters[0]
    response = client_as(supporter).post(
        f"/v1/share-requests/{world.request.id}/offers", json={"note": "行けます"}
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


# --- what is sent, to whom ---------------------------------------------------------------


def test_new_offer_is_pushed_to_the_requester_with_a_deep_link(client_as, db, fcm_api):
    world = offer_world()
    token = add_device(db, world.parent)
    offer = offer_via_api(client_as, world)
    done = run_once(daytime())
    assert done.delivery.outcomes == {"sent": 1}
    [message] = fcm_api.sent_to(token)
    [row] = notifications(db)
    assert message.data["type"] == "new_offer"
    assert message.data["message_id"] == str(row.id)
    assert message.data["offer_id"] == offer["id"]
    assert message.data["request_id"] == str(world.request.id)
    assert row.status == "sent"


def test_texts_follow_each_recipients_locale(client_as, db, fcm_api):
    world = offer_world()
    world.parent.locale = "en"
    en = add_device(db, world.parent)
    offer_via_api(client_as, world)
    ja = add_device(db, world.supporters[0])
    accepted = client_as(world.parent).post(
        f"/v1/offers/{_offer_of(db, world, world.supporters[0])}/accept"
    )
    assert accepted.status_code == 201
    run_once(daytime())
    english, japanese = fcm_api.sent_to(en)[0], fcm_api.sent_to(ja)[0]
    assert english.message["notification"]["title"].isascii()
    assert not japanese.message["notification"]["title"].isascii()


def test_accepting_tells_the_supporter_and_declines_the_others(client_as, db, fcm_api):
    world = offer_world(supporters=2)
    first, second = world.supporters
    tokens = {u.id: add_device(db, u) for u in (first, second)}
    offer_via_api(client_as, world, first)
    offer_via_api(client_as, world, second)
    accepted = _offer_of(db, world, first)
    assert client_as(world.parent).post(f"/v1/offers/{accepted}/accept").status_code == 201
    run_once(daytime())
    assert [m.data["type"] for m in fcm_api.sent_to(tokens[first.id])] == ["offer_accepted"]
    assert [m.data["type"] for m in fcm_api.sent_to(tokens[second.id])] == ["offer_declined"]


def _offer_of(db, world, supporter) -> uuid.UUID:
    return db.scalar(
        select(Offer.id).where(
            Offer.request_id == world.request.id, Offer.supporter_id == supporter.id
        )
    )


def test_a_cancelled_match_is_urgent_and_goes_to_the_other_party_only(client_as, db, fcm_api):
    world = match_world(started=False)
    parent_token = add_device(db, world.parent)
    supporter_token = add_device(db, world.supporter)
    response = client_as(world.supporter).post(
        f"/v1/matches/{world.match.id}/cancel", json={"reason": "急用のため"}
    )
    assert response.status_code == 200
    late_night = tokyo(now().astimezone(TOKYO).date(), 23, 30)
    run_once(late_night)  # quiet hours: urgent still goes
    [message] = fcm_api.sent_to(parent_token)
    assert message.data["type"] == "match_cancelled"
    assert message.message["android"]["priority"] == "high"
    assert fcm_api.sent_to(supporter_token) == []


def test_new_request_goes_to_ten_of_its_candidates_best_tiers_first(client_as, db, fcm_api):
    world = offer_world(supporters=22)
    connection = world.supporters[-1]
    ConnectionFactory(a=world.parent, b=connection)
    for supporter in world.supporters:
        add_device(db, supporter)
    body = {
        "kind": "babysitting",
        "community_id": str(world.community.id),
        "title": "1時間だけ預かってください",
        "starts_at": (now() + dt.timedelta(days=2)).isoformat(),
        "ends_at": (now() + dt.timedelta(days=2, hours=1)).isoformat(),
        "location": {"lat": 35.8587, "lng": 139.6571},
        "child_ids": [str(world.child.id)],
    }
    response = client_as(world.parent).post("/v1/share-requests", json=body)
    assert response.status_code == 201, response.get_json()
    run_once(now())
    told = notifications(db, type="new_request")
    assert len(told) == 10  # NEW_REQUEST_FANOUT (docs/fair-fan-out.md)
    # 22 certified candidates; the one who is also a connection ranks first, so is told.
    assert connection.id in {n.user_id for n in told}
    assert all(n.data["request_id"] == response.get_json()["id"] for n in told)


def test_certification_granted_and_revoked_reach_the_supporter(client_as, db, fcm_api):
    community = CommunityFactory()
    coordinator = UserFactory()
    CommunityMemberFactory(community=community, user=coordinator, role="coordinator")
    supporter = UserFactory()
    CommunityMemberFactory(community=community, user=supporter)
    token = add_device(db, supporter)
    today = now().astimezone(TOKYO).date()
    granted = client_as(coordinator).post(
        f"/v1/communities/{community.id}/certifications",
        json={
            "user_id": str(supporter.id),
            "kinds": ["pickup"],
            "trained_on": today.isoformat(),
            "expires_on": (today + dt.timedelta(days=365)).isoformat(),
        },
    )
    assert granted.status_code == 201, granted.get_json()
    client_as(coordinator).post(
        f"/v1/certifications/{granted.get_json()['id']}/revoke", json={"reason": "転居のため"}
    )
    run_once(daytime())
    types = [m.data["type"] for m in fcm_api.sent_to(token)]
    assert sorted(types) == ["certification_granted", "certification_revoked"]


# --- transactions, crashes, retries --------------------------------------------------------


def test_a_rolled_back_change_produces_no_notification(db, fcm_api):
    from otagai.domain.actors import Actor
    from otagai.domain.sharing.offers import make_offer
    from otagai.extensions.db import session

    world = offer_world()
    add_device(db, world.parent)
    supporter = world.supporters[0]
    savepoint = session.begin_nested()
    make_offer(Actor(uid=supporter.firebase_uid, user=supporter), world.request.id)
    assert count(db, OutboxEvent) == 1
    savepoint.rollback()
    run_once(daytime())
    assert count(db, OutboxEvent) == 0
    assert count(db, Notification) == 0
    assert fcm_api.received == []


def test_a_refused_request_writes_no_event(client_as, db):
    world = offer_world()
    response = client_as(world.parent).post("/v1/share-requests", json={"kind": "pickup"})
    assert response.status_code == 422
    assert count(db, OutboxEvent) == 0


def test_a_crash_between_claim_and_send_leads_to_a_resend(client_as, db, fcm_api):
    world = offer_world()
    token = add_device(db, world.parent)
    offer_via_api(client_as, world)
    at = daytime()
    from otagai.domain.notifications.fanout import fan_out

    fan_out(at)
    claimed = delivery.claim(at)  # ... and the worker dies here
    assert len(claimed) == 1
    assert run_once(at + dt.timedelta(seconds=30)).delivery.claimed == 0  # lease still held
    assert fcm_api.sent_to(token) == []
    later = run_once(at + delivery.LEASE + dt.timedelta(seconds=1))
    assert later.delivery.outcomes == {"sent": 1}
    assert len(fcm_api.sent_to(token)) == 1
    [row] = notifications(db)
    assert row.attempts == 2


def test_unregistered_tokens_are_removed_and_the_other_device_still_gets_it(client_as, db, fcm_api):
    world = offer_world()
    stale, fresh = add_device(db, world.parent), add_device(db, world.parent)
    fcm_api.unregister(stale)
    offer_via_api(client_as, world)
    done = run_once(daytime())
    assert done.delivery.tokens_removed == 1
    assert db.scalars(select(Device.token).where(Device.user_id == world.parent.id)).all() == [
        fresh
    ]
    assert len(fcm_api.sent_to(fresh)) == 1
    assert notifications(db)[0].status == "sent"


def test_a_user_whose_only_token_is_gone_is_no_device(client_as, db, fcm_api):
    world = offer_world()
    fcm_api.invalid(add_device(db, world.parent))
    offer_via_api(client_as, world)
    run_once(daytime())
    assert notifications(db)[0].status == "no_device"
    assert count(db, Device) == 0


def test_fcm_refusing_for_now_is_retried_with_backoff_then_sent(client_as, db, fcm_api):
    world = offer_world()
    token = add_device(db, world.parent)
    # 429: FCM's "slow down". (A 503 the SDK already retries itself, four times, inside
    # one send; what outlasts that ends up here in the same way.)
    fcm_api.fail_next(token, times=1, status=429)
    offer_via_api(client_as, world)
    at = daytime()
    first = run_once(at)
    [row] = notifications(db)
    assert row.status == "pending" and row.last_error
    assert row.next_attempt_at == at + delivery.backoff(1)
    assert run_once(at + dt.timedelta(seconds=10)).delivery.claimed == 0
    second = run_once(at + delivery.backoff(1))
    assert first.delivery.claimed == second.delivery.claimed == 1
    db.refresh(row)
    assert row.status == "sent"
    assert len(fcm_api.sent_to(token)) == 1
    assert len(fcm_api.requests_for(token)) == 2  # the refused try, and the one that arrived


def test_retries_stop_at_the_cap(client_as, db, fcm_api):
    world = offer_world()
    token = add_device(db, world.parent)
    fcm_api.fail_next(token, times=delivery.MAX_ATTEMPTS, status=429)
    offer_via_api(client_as, world)
    at = daytime()
    for _ in range(delivery.MAX_ATTEMPTS):
        run_once(at)
        at += delivery.LONGEST_RETRY
    [row] = notifications(db)
    assert row.status == "failed" and row.attempts == delivery.MAX_ATTEMPTS
    assert delivery.backoff(20) == delivery.LONGEST_RETRY


# --- quiet hours, preferences, scheduling ------------------------------------------------


def test_quiet_hours_hold_a_new_offer_until_seven_while_a_reminder_goes_through(
    client_as, db, fcm_api
):
    world = match_world(started=False)
    parent_token = add_device(db, world.parent)
    # Another parent of the community asks for help two days later; the supporter offers.
    other_parent = UserFactory()
    CommunityMemberFactory(community=world.community, user=other_parent)
    other_token = add_device(db, other_parent)
    later = world.request.starts_at + dt.timedelta(days=2)
    other = ShareRequestFactory(
        requester=other_parent, community=world.community, children=[], kind="babysitting",
        starts_at=later, ends_at=later + dt.timedelta(hours=1),
    )  # fmt: skip
    offered = client_as(world.supporter).post(f"/v1/share-requests/{other.id}/offers", json={})
    assert offered.status_code == 201, offered.get_json()
    request = db.get(ShareRequest, world.match.request_id)
    night = request.starts_at - dt.timedelta(minutes=30)
    # Make it 23:00 in Tokyo on the night of the match's start, whatever today is.
    night = tokyo(night.astimezone(TOKYO).date(), 23)
    request.starts_at = night + dt.timedelta(minutes=30)
    request.ends_at = request.starts_at + dt.timedelta(hours=1)
    # The match copies its request's span (a match started hours ago would be late).
    world.match.starts_at, world.match.ends_at = request.starts_at, request.ends_at
    db.flush()
    run_once(night)
    assert [m.data["type"] for m in fcm_api.sent_to(parent_token)] == ["match_reminder"]
    assert fcm_api.sent_to(other_token) == []
    [held] = notifications(db, type="new_offer")
    seven = tokyo(night.astimezone(TOKYO).date() + dt.timedelta(days=1), 7)
    assert held.next_attempt_at == seven
    run_once(seven - dt.timedelta(minutes=1))
    assert fcm_api.sent_to(other_token) == []
    run_once(seven)
    assert [m.data["type"] for m in fcm_api.sent_to(other_token)] == ["new_offer"]


def test_a_type_switched_off_is_not_sent(client_as, db, fcm_api):
    world = offer_world()
    add_device(db, world.parent)
    db.add(NotificationSettings(user_id=world.parent.id, disabled_types=["new_offer"]))
    db.flush()
    offer_via_api(client_as, world)
    run_once(daytime())
    assert count(db, Notification) == 0
    assert fcm_api.received == []


def test_reminders_are_written_once_however_often_the_jobs_run(db, fcm_api):
    world = match_world(started=False)
    request = db.get(ShareRequest, world.match.request_id)
    at = request.starts_at - dt.timedelta(minutes=45)
    first = run_once(at)
    second = run_once(at + dt.timedelta(minutes=5))
    assert first.tick.reminders == 1 and second.tick.reminders == 0
    reminders = notifications(db, type="match_reminder")
    assert {n.user_id for n in reminders} == {world.parent.id, world.supporter.id}
    assert run_once(request.starts_at - dt.timedelta(minutes=61)).tick.reminders == 0


def test_certifications_expiring_within_14_days_are_noticed_once(db):
    supporter = UserFactory()
    today = now().astimezone(TOKYO).date()
    community = CommunityFactory()
    CertificationFactory(
        community=community, user=supporter, expires_on=today + dt.timedelta(days=14)
    )
    CertificationFactory(community=community, expires_on=today + dt.timedelta(days=15))
    assert run_once(now()).tick.expiry_notices == 1
    assert run_once(now()).tick.expiry_notices == 0
    [row] = notifications(db, type="certification_expiring")
    assert row.user_id == supporter.id


def test_events_without_a_push_type_are_marked_processed(client_as, db):
    world = match_world()
    assert client_as(world.parent).post(f"/v1/matches/{world.match.id}/complete").status_code == 200
    run_once(now())
    event = db.scalars(select(OutboxEvent).where(OutboxEvent.kind == outbox.MATCH_COMPLETED)).one()
    assert event.processed_at is not None
    assert count(db, Notification) == 0


def test_idle_round_does_nothing(db, fcm_api):
    done = run_once(now())
    assert (done.fan_out.events, done.delivery.claimed) == (0, 0)
    assert fcm_api.received == []


def test_every_notification_type_has_an_event_that_makes_it():
    from otagai.domain.notifications.fanout import KIND_TYPES
    from otagai.domain.notifications.types import TYPES

    assert set(KIND_TYPES.values()) == set(TYPES)  # a type may come of several events
