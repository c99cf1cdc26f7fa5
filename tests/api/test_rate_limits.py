"""Rate limits, for real: Flask-Limiter counting in the Redis at 127.0.0.1:6379 under a
key prefix of this run, behind ProxyFix trusting one proxy (so X-Forwarded-For picks the
caller's address). Limits are made small here; the defaults are in docs/rate-limits.md.

Each limited path: past its budget it answers 429 problem+json with Retry-After, the
refused call writes nothing, and another user (or address) goes on unaffected.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import redis
from limits.storage import MemoryStorage, RedisStorage
from sqlalchemy import func, select

from otagai import create_app
from otagai.config import ConfigError, Settings
from otagai.domain.matches.models import MatchEvent
from otagai.domain.payments.models import StripeWebhookEvent
from otagai.domain.people.models import Device, HouseholdInvite, User
from otagai.domain.requests.models import Offer, ShareRequest
from otagai.domain.trust.models import Connection, ConnectionCode
from otagai.extensions.limits import BUDGETS, EXTENSION_KEY
from tests.api.safety.pickup import pickup_world
from tests.api.test_partner_keys import issue_key, links_path
from tests.conftest import _clients_of, bound_to
from tests.factories import (
    ChildFactory,
    CommunityFactory,
    CommunityMemberFactory,
    MunicipalityFactory,
    ShareRequestFactory,
    UserFactory,
    offer_world,
)
from tests.helpers import assert_problem, code_of
from tests.stripe_local import LocalStripe

# The machine's Redis (REDIS_URL, if the run names another one).
REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
PREFIX = f"otagai-test-{uuid.uuid4().hex[:12]}"
ROOT = Path(__file__).resolve().parents[2]

# Per user 3, per address 6, for a day (a window no test run straddles in practice).
SMALL = {
    **{f"{b}.user": "3/day" for b, spec in BUDGETS.items() if spec.per_user},
    **{f"{b}.ip": "6/day" for b, spec in BUDGETS.items() if spec.per_ip},
    "stripe-webhook.ip": "3/day",
    "partner-key-failures.ip": "3/day",
    "ceiling.user": "8/day",
    "ceiling.ip": "8/day",
}


@pytest.fixture(scope="module")
def store() -> Any:
    client = redis.Redis.from_url(REDIS_URL)
    client.ping()
    yield client
    _forget(client)
    client.close()


def _forget(client: Any) -> None:
    keys = list(client.scan_iter(match=f"{PREFIX}:*", count=1000))
    if keys:
        client.delete(*keys)


def _keys(client: Any) -> list[str]:
    return [k.decode() for k in client.scan_iter(match=f"{PREFIX}:*", count=1000)]


@pytest.fixture(scope="module")
def limited_app(settings: Settings, store: Any) -> Any:
    return create_app(
        replace(
            settings,
            ratelimit_enabled=True,
            redis_url=REDIS_URL,
            ratelimit_key_prefix=PREFIX,
            ratelimit_overrides=SMALL,
            proxy_hops=1,
        )
    )


@pytest.fixture
def limited(limited_app: Any, connection: Any, settings: Settings, store: Any) -> Any:
    """``limited(user, ip=...)``: a client of the limited app, from that address."""
    _forget(store)
    test_client = limited_app.test_client()
    clients = _clients_of(test_client, settings)
    with bound_to(limited_app, connection):
        yield Caller(clients, test_client)
    _forget(store)


class Caller:
    def __init__(self, clients: Any, test_client: Any) -> None:
        self.clients = clients
        self.anonymous = test_client

    def __call__(self, user: Any, ip: str = "203.0.113.1") -> Any:
        return _From(self.clients(user), ip)


class _From:
    """An ApiClient whose every call is forwarded for ``ip`` by the trusted proxy."""

    def __init__(self, api: Any, ip: str) -> None:
        self.api, self.ip = api, ip

    def __getattr__(self, method: str) -> Any:
        def call(path: str, **kw: Any) -> Any:
            headers = {"X-Forwarded-For": self.ip, **kw.pop("headers", {})}
            return getattr(self.api, method)(path, headers=headers, **kw)

        return call


def assert_limited(response: Any) -> None:
    assert_problem(response, 429, "too_many_requests")
    retry_after = response.headers["Retry-After"]
    assert retry_after.isdigit(), retry_after
    assert 1 <= int(retry_after) <= 86400


def _count(db: Any, model: Any, *where: Any) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(model).where(*where))


# --- connection codes and household invites --------------------------------------------


def test_connection_codes_past_user_budget_are_429_and_not_made(limited, db):
    me, other = UserFactory(), UserFactory()
    api = limited(me)
    for _ in range(3):
        assert api.post("/v1/me/connection-codes", json={}).status_code == 201
    assert_limited(api.post("/v1/me/connection-codes", json={}))
    assert _count(db, ConnectionCode, ConnectionCode.user_id == me.id) == 3
    assert limited(other).post("/v1/me/connection-codes", json={}).status_code == 201


def test_connection_codes_past_address_budget_are_429_for_everybody_there(limited, db):
    users = [UserFactory() for _ in range(7)]
    for user in users[:6]:
        assert limited(user, "198.51.100.7").post("/v1/me/connection-codes").status_code == 201
    assert_limited(limited(users[6], "198.51.100.7").post("/v1/me/connection-codes"))
    assert _count(db, ConnectionCode, ConnectionCode.user_id == users[6].id) == 0
    elsewhere = limited(users[6], "198.51.100.8").post("/v1/me/connection-codes")
    assert elsewhere.status_code == 201


def test_redeem_past_user_budget_is_429_even_for_a_valid_code(limited, client_as, db):
    me, other = UserFactory(), UserFactory()
    api = limited(me)
    for _ in range(3):
        code = code_of(client_as, UserFactory())
        assert api.post("/v1/connections", json={"code": code}).status_code == 201
    code = code_of(client_as, UserFactory())
    assert_limited(api.post("/v1/connections", json={"code": code}))
    assert _count(db, Connection) == 3
    assert db.scalar(select(ConnectionCode.used_at).where(ConnectionCode.code == code)) is None
    assert limited(other).post("/v1/connections", json={"code": code}).status_code == 201


def test_household_invites_past_user_budget_are_429_and_not_made(limited, db):
    me, other = UserFactory(), UserFactory()
    for _ in range(3):
        assert limited(me).post("/v1/me/household/invites").status_code == 201
    assert_limited(limited(me).post("/v1/me/household/invites"))
    mine = HouseholdInvite.household_id == me.household_id
    assert _count(db, HouseholdInvite, mine) == 3
    assert limited(other).post("/v1/me/household/invites").status_code == 201


def test_household_join_past_user_budget_is_429_even_for_a_valid_code(limited, client_as, db):
    parent, me, other = UserFactory(), UserFactory(), UserFactory()
    code = client_as(parent).post("/v1/me/household/invites").get_json()["code"]
    for _ in range(3):
        wrong = limited(me).post("/v1/households/join", json={"code": "ZZZZZZZZ"})
        assert wrong.status_code == 404
    assert_limited(limited(me).post("/v1/households/join", json={"code": code}))
    db.expire_all()
    assert db.get(User, me.id).household_id != parent.household_id
    assert db.scalar(select(HouseholdInvite.used_at).where(HouseholdInvite.code == code)) is None
    assert limited(other).post("/v1/households/join", json={"code": code}).status_code == 201


# --- share requests and offers ---------------------------------------------------------


def _pickup(community: Any, child: Any) -> dict[str, Any]:
    start = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(days=2)
    return {
        "kind": "pickup",
        "community_id": str(community.id),
        "title": "保育園のお迎え",
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(minutes=90)).isoformat(),
        "location": {"lat": 35.8587, "lng": 139.6571},
        "dropoff": {"lat": 35.8601, "lng": 139.6555},
        "child_ids": [str(child.id)],
    }


def _parent_in(community: Any) -> tuple[Any, Any]:
    parent = UserFactory()
    CommunityMemberFactory(community=community, user=parent)
    return parent, ChildFactory(household=parent.household)


def test_share_requests_past_user_budget_are_429_and_not_posted(limited, db):
    community = CommunityFactory()
    (me, child), (other, their_child) = _parent_in(community), _parent_in(community)
    for _ in range(3):
        assert (
            limited(me).post("/v1/share-requests", json=_pickup(community, child)).status_code
            == 201
        )
    assert_limited(limited(me).post("/v1/share-requests", json=_pickup(community, child)))
    assert _count(db, ShareRequest, ShareRequest.requester_id == me.id) == 3
    answer = limited(other).post("/v1/share-requests", json=_pickup(community, their_child))
    assert answer.status_code == 201


def test_share_requests_past_address_budget_are_429_there_only(limited, db):
    community = CommunityFactory()
    parents = [_parent_in(community) for _ in range(7)]
    for parent, child in parents[:6]:
        answer = limited(parent, "192.0.2.50").post(
            "/v1/share-requests", json=_pickup(community, child)
        )
        assert answer.status_code == 201
    last, child = parents[6]
    refused = limited(last, "192.0.2.50").post("/v1/share-requests", json=_pickup(community, child))
    assert_limited(refused)
    assert _count(db, ShareRequest, ShareRequest.requester_id == last.id) == 0
    answer = limited(last, "192.0.2.51").post("/v1/share-requests", json=_pickup(community, child))
    assert answer.status_code == 201


def test_cancel_past_user_budget_is_429_and_the_request_stays_open(limited, db):
    community = CommunityFactory()
    (me, _), (other, _) = _parent_in(community), _parent_in(community)
    mine = [ShareRequestFactory(requester=me, community=community) for _ in range(4)]
    theirs = ShareRequestFactory(requester=other, community=community)
    reason = {"reason": "予定が変わりました"}
    for request in mine[:3]:
        answer = limited(me).post(f"/v1/share-requests/{request.id}/cancel", json=reason)
        assert answer.status_code == 200
    assert_limited(limited(me).post(f"/v1/share-requests/{mine[3].id}/cancel", json=reason))
    db.expire_all()
    assert db.get(ShareRequest, mine[3].id).status == "open"
    answer = limited(other).post(f"/v1/share-requests/{theirs.id}/cancel", json=reason)
    assert answer.status_code == 200


def test_offers_share_one_budget_across_offer_and_withdraw(limited, db):
    world = offer_world(supporters=2)
    me, other = world.supporters
    offers_url = f"/v1/share-requests/{world.request.id}/offers"
    first = limited(me).post(offers_url, json={})
    assert first.status_code == 201
    withdrawn = limited(me).post(f"/v1/offers/{first.get_json()['id']}/withdraw")
    assert withdrawn.status_code == 200
    second = limited(me).post(offers_url, json={})
    assert second.status_code == 201
    assert_limited(limited(me).post(f"/v1/offers/{second.get_json()['id']}/withdraw"))
    db.expire_all()
    assert db.get(Offer, uuid.UUID(second.get_json()["id"])).status == "pending"
    assert _count(db, Offer, Offer.supporter_id == me.id) == 2
    assert limited(other).post(offers_url, json={}).status_code == 201


# --- the webhook and partner keys -------------------------------------------------------


def _deliver(limited: Any, stripe_api: LocalStripe, ip: str) -> Any:
    event = stripe_api.event("account.updated", {"id": "acct_elsewhere", "object": "account"})
    payload = json.dumps(event)
    return limited.anonymous.post(
        "/v1/webhooks/stripe",
        data=payload,
        content_type="application/json",
        headers={"Stripe-Signature": LocalStripe.sign(payload), "X-Forwarded-For": ip},
    )


def test_webhook_past_address_budget_is_429_and_the_event_is_not_recorded(limited, stripe_api, db):
    for _ in range(3):
        assert _deliver(limited, stripe_api, "203.0.113.20").status_code == 200
    assert_limited(_deliver(limited, stripe_api, "203.0.113.20"))
    assert _count(db, StripeWebhookEvent) == 3
    assert _deliver(limited, stripe_api, "203.0.113.21").status_code == 200
    assert _count(db, StripeWebhookEvent) == 4


def _with_key(limited: Any, key: str, ip: str) -> Any:
    headers = {"X-API-Key": key, "X-Forwarded-For": ip}
    return limited.anonymous.post(links_path("111007"), headers=headers)


def test_failed_api_keys_past_address_budget_are_429_but_a_valid_key_is_not(
    limited, limited_app, app
):
    MunicipalityFactory()
    key = issue_key(app, "111007")
    wrong = "otagai_mk_" + "x" * 43
    for _ in range(3):
        assert_problem(_with_key(limited, wrong, "192.0.2.9"), 401, "invalid_api_key")
    assert_limited(_with_key(limited, wrong, "192.0.2.9"))
    assert _with_key(limited, key, "192.0.2.9").status_code == 201
    assert_problem(_with_key(limited, wrong, "192.0.2.10"), 401, "invalid_api_key")


def test_valid_api_keys_do_not_spend_the_failure_budget(limited, app):
    MunicipalityFactory()
    key = issue_key(app, "111007")
    for _ in range(4):
        assert _with_key(limited, key, "192.0.2.11").status_code == 201
    wrong = "otagai_mk_" + "y" * 43
    assert_problem(_with_key(limited, wrong, "192.0.2.11"), 401, "invalid_api_key")


# --- the ceilings ------------------------------------------------------------------------


def test_user_ceiling_refuses_any_call_past_it_and_writes_nothing(limited, db):
    me, other = UserFactory(), UserFactory()
    for _ in range(8):
        assert limited(me).get("/v1/me").status_code == 200
    device = {"token": "fcm-token-" + uuid.uuid4().hex, "platform": "ios"}
    assert_limited(limited(me).post("/v1/me/devices", json=device))
    assert _count(db, Device, Device.user_id == me.id) == 0
    assert limited(other).get("/v1/me").status_code == 200


def test_user_ceiling_counts_per_user_not_per_address(limited):
    users = [UserFactory() for _ in range(10)]
    answers = [limited(user, "198.51.100.99").get("/v1/me").status_code for user in users]
    assert answers == [200] * 10


def test_anonymous_ceiling_counts_bad_tokens_per_address(limited):
    bad = {"Authorization": "Bearer not-a-token", "X-Forwarded-For": "203.0.113.77"}
    for _ in range(8):
        assert_problem(limited.anonymous.get("/v1/me", headers=bad), 401)
    assert_limited(limited.anonymous.get("/v1/me", headers=bad))
    elsewhere = {**bad, "X-Forwarded-For": "203.0.113.78"}
    assert_problem(limited.anonymous.get("/v1/me", headers=elsewhere), 401)


def test_health_probes_are_never_limited(limited):
    probe = {"X-Forwarded-For": "203.0.113.90"}
    answers = [limited.anonymous.get("/healthz", headers=probe).status_code for _ in range(12)]
    assert answers == [200] * 12


def test_without_trusted_proxy_x_forwarded_for_is_ignored(settings, store, connection):
    app = create_app(
        replace(
            settings,
            ratelimit_enabled=True,
            redis_url=REDIS_URL,
            ratelimit_key_prefix=PREFIX,
            ratelimit_overrides={"ceiling.ip": "2/day"},
            proxy_hops=0,
        )
    )
    client = app.test_client()
    try:
        for i in range(2):
            forged = {"X-Forwarded-For": f"192.0.2.{100 + i}"}
            assert client.get("/openapi.json", headers=forged).status_code == 200
        assert_limited(client.get("/openapi.json", headers={"X-Forwarded-For": "192.0.2.200"}))
    finally:
        _forget(store)


# --- headers and storage -----------------------------------------------------------------


def test_limited_answers_carry_flask_limiter_headers(limited):
    answer = limited(UserFactory()).post("/v1/me/connection-codes")
    assert answer.status_code == 201
    assert answer.headers["X-RateLimit-Limit"] == "3"
    assert answer.headers["X-RateLimit-Remaining"] == "2"
    assert int(answer.headers["X-RateLimit-Reset"]) > datetime.now(UTC).timestamp()


def test_counts_are_kept_in_redis_under_the_prefix(limited, limited_app, store):
    me = UserFactory()
    assert isinstance(limited_app.extensions[EXTENSION_KEY].limiter.storage, RedisStorage)
    assert limited(me, "198.51.100.42").post("/v1/me/household/invites").status_code == 201
    keys = _keys(store)
    assert any(me.firebase_uid in k and "household-invites-user" in k for k in keys), keys
    assert any("198.51.100.42" in k and "household-invites-ip" in k for k in keys), keys


def test_without_redis_url_counts_are_kept_in_memory(settings, store, connection):
    prefix = f"otagai-test-memory-{uuid.uuid4().hex[:8]}"
    app = create_app(
        replace(
            settings,
            ratelimit_enabled=True,
            redis_url=None,
            ratelimit_key_prefix=prefix,
            ratelimit_overrides={"ceiling.ip": "2/day"},
        )
    )
    assert isinstance(app.extensions[EXTENSION_KEY].limiter.storage, MemoryStorage)
    client = app.test_client()
    assert [client.get("/openapi.json").status_code for _ in range(2)] == [200, 200]
    assert_limited(client.get("/openapi.json"))
    assert list(store.scan_iter(match=f"{prefix}*")) == []


# --- configuration and documentation ----------------------------------------------------


def test_overrides_are_read_from_the_environment():
    settings = Settings.from_env(
        {
            "OTAGAI_ENV": "test",
            "RATELIMIT_OVERRIDES": "offers.user=5/minute; ceiling.ip=10/minute,100/hour",
        }
    )
    assert settings.ratelimit_overrides == {
        "offers.user": "5/minute",
        "ceiling.ip": "10/minute,100/hour",
    }


@pytest.mark.parametrize("overrides", [{"offers.everyone": "5/minute"}, {"offers.user": "often"}])
def test_unknown_or_unreadable_override_refuses_to_start(settings, overrides):
    with pytest.raises(ConfigError):
        create_app(replace(settings, ratelimit_overrides=overrides))


def test_every_default_is_in_the_documented_table():
    doc = (ROOT / "docs" / "rate-limits.md").read_text()
    for budget in BUDGETS.values():
        rows = [line for line in doc.splitlines() if line.startswith(f"| `{budget.name}`")]
        assert len(rows) == 1, budget.name
        cells = [c.strip() for c in rows[0].strip("|").split("|")]
        assert cells[2:4] == [
            f"`{budget.per_user}`" if budget.per_user else "–",
            f"`{budget.per_ip}`" if budget.per_ip else "–",
        ], budget.name


def test_spec_documents_429_with_retry_after_on_every_budgeted_operation():
    spec = json.loads((ROOT / "api_spec" / "openapi.json").read_text())
    budgeted = {
        ("post", "/v1/me/connection-codes"),
        ("post", "/v1/connections"),
        ("post", "/v1/me/household/invites"),
        ("post", "/v1/households/join"),
        ("post", "/v1/share-requests"),
        ("post", "/v1/share-requests/{request_id}/cancel"),
        ("post", "/v1/share-requests/{request_id}/offers"),
        ("post", "/v1/offers/{offer_id}/accept"),
        ("post", "/v1/offers/{offer_id}/withdraw"),
        ("post", "/v1/offers/{offer_id}/decline"),
        ("post", "/v1/webhooks/stripe"),
        ("post", "/v1/municipalities/{code}/dashboard-links"),
        ("get", "/v1/municipalities/{code}/stats"),
    }
    for method, path in budgeted:
        answer = spec["paths"][path][method]["responses"]["429"]
        assert "Retry-After" in answer["headers"], (method, path)
        assert re.search(r"too_many_requests", answer["description"]), (method, path)


def test_unreachable_redis_falls_back_to_memory_and_never_fails_a_call(settings, connection):
    app = create_app(
        replace(
            settings,
            ratelimit_enabled=True,
            redis_url="redis://127.0.0.1:1/0",  # nothing listens there
            ratelimit_key_prefix=PREFIX,
            ratelimit_overrides={"ceiling.ip": "2/day", "partner-key-failures.ip": "1/day"},
        )
    )
    client = app.test_client()
    assert [client.get("/openapi.json").status_code for _ in range(2)] == [200, 200]
    assert_limited(client.get("/openapi.json"))


@pytest.mark.parametrize(
    ("environ", "enabled"),
    [
        ({"OTAGAI_ENV": "development"}, True),
        ({"OTAGAI_ENV": "test"}, False),
        ({"OTAGAI_ENV": "test", "RATELIMIT_ENABLED": "1"}, True),
        ({"OTAGAI_ENV": "development", "RATELIMIT_ENABLED": "0"}, False),
    ],
)
def test_limits_are_on_unless_under_test_or_switched_off(environ, enabled):
    assert Settings.from_env(environ).rate_limits_enabled is enabled


def test_production_default_is_on():
    assert Settings().rate_limits_enabled is True


# --- the pickup pass page and check-ins ----------------------------------------------------


def test_pass_page_past_address_budget_is_429_and_the_opening_not_recorded(
    limited, client_as, db, clock
):
    world = pickup_world()
    clock.set(world.start)
    token = limited(world.supporter).get(f"/v1/matches/{world.match.id}/pass").get_json()["token"]
    nursery = {"X-Forwarded-For": "203.0.113.30"}
    for _ in range(6):
        assert limited.anonymous.get(f"/pass/{token}", headers=nursery).status_code == 200
    assert_limited(limited.anonymous.get(f"/pass/{token}", headers=nursery))
    assert _count(db, MatchEvent, MatchEvent.match_id == world.match.id) == 6


def test_checkins_past_user_budget_are_429_and_not_recorded(limited, db, clock):
    world = pickup_world()
    clock.set(world.start)
    path = f"/v1/matches/{world.match.id}/checkins"
    supporter = limited(world.supporter)
    assert supporter.post(path, json={"type": "picked_up"}).status_code == 201
    assert supporter.post(path, json={"type": "arrived"}).status_code == 201
    wrong = {"type": "handed_over", "code": "not-it"}
    assert_problem(supporter.post(path, json=wrong), 422, "handover_code_invalid")
    assert_limited(supporter.post(path, json=wrong))
    assert _count(db, MatchEvent, MatchEvent.match_id == world.match.id) == 3
