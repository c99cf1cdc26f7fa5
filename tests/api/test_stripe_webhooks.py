"""Stripe's two webhook endpoints as Stripe sends them: the account endpoint (our own
objects' events, the destination charges' ``payment_intent.*``, signed with
STRIPE_WEBHOOK_SECRET) and the Connect endpoint (connected accounts' events naming their
``account``, signed with STRIPE_CONNECT_WEBHOOK_SECRET), both posted to
/v1/webhooks/stripe. Whatever does not belong is refused with 400 and changes nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import firebase_admin
import pytest
from sqlalchemy import func, select

from otagai import create_app
from otagai.config import ConfigError, Settings
from otagai.domain.payments.models import PayoutAccount, StripeWebhookEvent
from otagai.domain.thanks.models import ThankYou
from tests import stripe_local
from tests.api.test_card_payments import WEBHOOK, deliver, onboard, record_card
from tests.conftest import bound_to
from tests.factories import UserFactory, match_world
from tests.helpers import ApiClient, assert_problem
from tests.stripe_local import CONNECT_WEBHOOK_SECRET, WEBHOOK_SECRET, LocalStripe


@pytest.fixture
def world(db):
    return match_world()


@pytest.fixture
def paying(client, client_as, stripe_api, world):
    onboard(client, client_as, stripe_api, world.supporter)
    response = record_card(client_as, world)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _events(db) -> int:
    return db.scalar(select(func.count()).select_from(StripeWebhookEvent))


def _start_onboarding(client_as, stripe_api: LocalStripe, user) -> dict[str, Any]:
    """The supporter has an Express account and finished onboarding at Stripe; no
    account.updated has arrived yet."""
    assert client_as(user).post("/v1/me/payout-account").status_code == 200
    return stripe_api.complete_onboarding(list(stripe_api.accounts)[-1])


def _status_of(client_as, user) -> str:
    status: str = client_as(user).get("/v1/me/payout-account").get_json()["status"]
    return status


def test_account_updated_from_the_connect_endpoint_updates_only_that_account(
    client, client_as, db, stripe_api
):
    first, second = UserFactory(), UserFactory()
    account = _start_onboarding(client_as, stripe_api, first)
    _start_onboarding(client_as, stripe_api, second)
    event = stripe_api.event("account.updated", account)
    assert event["account"] == account["id"]
    assert deliver(client, event).get_json() == {"received": True, "outcome": "processed"}
    assert _status_of(client_as, first) == "ready"
    assert _status_of(client_as, second) == "onboarding"


def test_account_updated_signed_with_the_account_secret_is_400_and_changes_nothing(
    client, client_as, db, stripe_api
):
    user = UserFactory()
    event = stripe_api.event("account.updated", _start_onboarding(client_as, stripe_api, user))
    signature = LocalStripe.sign(json.dumps(event), secret=WEBHOOK_SECRET)
    assert_problem(deliver(client, event, signature), 400, "webhook_wrong_endpoint")
    assert _status_of(client_as, user) == "onboarding"
    assert _events(db) == 0


def test_connect_event_without_account_is_400_and_changes_nothing(
    client, client_as, db, stripe_api
):
    user = UserFactory()
    event = stripe_api.event("account.updated", _start_onboarding(client_as, stripe_api, user))
    del event["account"]
    signature = LocalStripe.sign(json.dumps(event), secret=CONNECT_WEBHOOK_SECRET)
    assert_problem(deliver(client, event, signature), 400, "webhook_account_missing")
    assert _status_of(client_as, user) == "onboarding"
    assert _events(db) == 0


def test_account_updated_naming_another_account_is_400_and_changes_nothing(
    client, client_as, db, stripe_api
):
    first, second = UserFactory(), UserFactory()
    account = _start_onboarding(client_as, stripe_api, first)
    other = _start_onboarding(client_as, stripe_api, second)
    event = stripe_api.event("account.updated", account, account=other["id"])
    assert_problem(deliver(client, event), 400, "invalid_webhook_payload")
    assert _status_of(client_as, first) == _status_of(client_as, second) == "onboarding"
    assert _events(db) == 0


def test_payment_event_from_the_account_endpoint_settles_the_thank_you(
    client, db, stripe_api, paying
):
    intent = stripe_api.settle(paying["payment"]["payment_intent_id"], "succeeded")
    event = stripe_api.event("payment_intent.succeeded", intent)
    assert "account" not in event
    assert deliver(client, event).get_json()["outcome"] == "processed"
    assert db.get(ThankYou, paying["id"]).status == "paid"


def test_payment_event_of_a_connected_account_is_ignored(client, db, stripe_api, paying):
    """A connected account's own PaymentIntent (a direct charge) comes to the Connect
    endpoint; it is never one of our destination charges, whatever its id."""
    intent = stripe_api.settle(paying["payment"]["payment_intent_id"], "succeeded")
    event = stripe_api.event("payment_intent.succeeded", intent, account="acct_someone")
    assert deliver(client, event).get_json() == {"received": True, "outcome": "ignored"}
    assert db.get(ThankYou, paying["id"]).status == "pending_payment"


def test_payment_event_naming_an_account_but_signed_for_the_account_endpoint_is_400(
    client, db, stripe_api, paying
):
    intent = stripe_api.settle(paying["payment"]["payment_intent_id"], "succeeded")
    event = stripe_api.event("payment_intent.succeeded", intent, account="acct_someone")
    signature = LocalStripe.sign(json.dumps(event), secret=WEBHOOK_SECRET)
    before = _events(db)
    assert_problem(deliver(client, event, signature), 400, "webhook_wrong_endpoint")
    assert db.get(ThankYou, paying["id"]).status == "pending_payment"
    assert _events(db) == before


@pytest.mark.parametrize("connect", [False, True], ids=["account-endpoint", "connect-endpoint"])
def test_live_event_at_a_test_mode_deployment_is_400_and_changes_nothing(
    client, client_as, db, stripe_api, paying, world, connect
):
    if connect:
        account = stripe_api.accounts[list(stripe_api.accounts)[-1]]
        account["payouts_enabled"] = False  # would make the supporter not ready
        event = stripe_api.event("account.updated", account, livemode=True)
    else:
        intent = stripe_api.settle(paying["payment"]["payment_intent_id"], "succeeded")
        event = stripe_api.event("payment_intent.succeeded", intent, livemode=True)
    before = _events(db)
    assert_problem(deliver(client, event), 400, "webhook_livemode_mismatch")
    assert db.get(ThankYou, paying["id"]).status == "pending_payment"
    assert _status_of(client_as, world.supporter) == "ready"
    assert _events(db) == before


def test_event_without_livemode_is_400(client, db, stripe_api, paying):
    intent = stripe_api.settle(paying["payment"]["payment_intent_id"], "succeeded")
    event = stripe_api.event("payment_intent.succeeded", intent)
    del event["livemode"]
    assert_problem(deliver(client, event), 400, "invalid_webhook_payload")
    assert db.get(ThankYou, paying["id"]).status == "pending_payment"


def _own_app(settings: Settings) -> Iterator[Any]:
    app = create_app(settings)
    yield app
    app.extensions["otagai.db"].engine.dispose()
    # Its Firebase app is named after id(app); free the name for a later app at that address.
    firebase_admin.delete_app(app.extensions["otagai.auth"].firebase_app)


@pytest.fixture(scope="module")
def live_app(settings: Settings) -> Iterator[Any]:
    """A deployment with a live key (its Stripe calls would fail at the stand-in; a test
    event is refused before any)."""
    yield from _own_app(replace(settings, stripe_secret_key="sk_live_otagai_example"))


def test_test_event_at_a_live_deployment_is_400(live_app, connection, db, stripe_api):
    event = stripe_api.event("payment_intent.succeeded", {"id": "pi_x", "object": "x"})
    with bound_to(live_app, connection):
        response = deliver(live_app.test_client(), event)
    assert_problem(response, 400, "webhook_livemode_mismatch")
    assert _events(db) == 0
    assert stripe_api.requests == []


@pytest.fixture(scope="module")
def listening_app(settings: Settings) -> Iterator[Any]:
    """`stripe listen` signs everything it forwards with one secret: both are the same."""
    yield from _own_app(replace(settings, stripe_connect_webhook_secret=WEBHOOK_SECRET))


def test_with_one_secret_for_both_endpoints_events_are_told_apart_by_account(
    listening_app, connection, db, stripe_api
):
    user = UserFactory()
    with bound_to(listening_app, connection):
        client = listening_app.test_client()
        member = ApiClient(client, user.firebase_uid, "demo-otagai")
        assert member.post("/v1/me/payout-account").status_code == 200
        account = stripe_api.complete_onboarding(list(stripe_api.accounts)[-1])
        event = stripe_api.event("account.updated", account)
        wrong = dict(event)
        del wrong["account"]
        one_secret = LocalStripe.sign(json.dumps(wrong), secret=WEBHOOK_SECRET)
        assert_problem(deliver(client, wrong, one_secret), 400, "webhook_wrong_endpoint")
        signature = LocalStripe.sign(json.dumps(event), secret=WEBHOOK_SECRET)
        assert deliver(client, event, signature).get_json()["outcome"] == "processed"
        assert member.get("/v1/me/payout-account").get_json()["status"] == "ready"


def test_a_signature_for_neither_secret_is_400(client, db, stripe_api):
    event = stripe_api.event("account.updated", {"id": "acct_x", "object": "account"})
    signature = LocalStripe.sign(json.dumps(event), secret="whsec_neither")
    response = client.post(
        WEBHOOK,
        data=json.dumps(event),
        content_type="application/json",
        headers={"Stripe-Signature": signature},
    )
    assert_problem(response, 400, "invalid_webhook_signature")
    assert _events(db) == 0


@pytest.mark.parametrize(
    "missing",
    ["STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "STRIPE_CONNECT_WEBHOOK_SECRET"],
)
def test_stripe_configuration_needs_the_key_and_both_secrets(missing):
    environ = {
        "OTAGAI_ENV": "test",
        "STRIPE_SECRET_KEY": stripe_local.SECRET_KEY,
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "STRIPE_CONNECT_WEBHOOK_SECRET": CONNECT_WEBHOOK_SECRET,
    }
    assert Settings.from_env(environ).card_payments_configured
    del environ[missing]
    with pytest.raises(ConfigError, match="STRIPE_CONNECT_WEBHOOK_SECRET"):
        Settings.from_env(environ)


def test_the_apps_real_calls_pass_the_strict_stand_in(client, client_as, db, stripe_api, world):
    """Onboarding twice, account.updated, a card thank-you, a failed payment, its retry
    and the cancellation when it is replaced by cash: Stripe would have refused none of
    the calls (the stand-in checks every parameter against the SDK's types)."""
    onboard(client, client_as, stripe_api, world.supporter)
    assert client_as(world.supporter).post("/v1/me/payout-account").status_code == 200
    body = record_card(client_as, world).get_json()
    intent = stripe_api.intents[body["payment"]["payment_intent_id"]]
    deliver(client, stripe_api.event("payment_intent.payment_failed", intent))
    retry = client_as(world.parent).post(f"/v1/thank-yous/{body['id']}/payment")
    assert retry.status_code == 200, retry.get_json()
    deliver(client, stripe_api.event("payment_intent.payment_failed", intent))
    cash = client_as(world.parent).post(
        f"/v1/matches/{world.match.id}/thank-yous", json={"amount_jpy": 1000, "method": "cash"}
    )
    assert cash.status_code == 201
    paths = {(r.method, r.path) for r in stripe_api.requests}
    assert ("POST", "/v1/accounts") in paths
    assert ("POST", "/v1/account_links") in paths
    assert ("POST", "/v1/payment_intents") in paths
    assert ("POST", f"/v1/payment_intents/{intent['id']}/cancel") in paths
    assert [(r.method, r.path, r.status) for r in stripe_api.requests if r.status >= 400] == []
    assert db.scalar(select(func.count()).select_from(PayoutAccount)) == 1
