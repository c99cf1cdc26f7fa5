"""Card thank-yous through Stripe, end to end over HTTP: the app's Stripe SDK calls a
local stand-in (tests/stripe_local.py) whose recorded requests are what Stripe would have
received, and webhooks arrive signed with the SDK's own signing code."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from sqlalchemy import func, select

from otagai.domain.outbox import OutboxEvent
from otagai.domain.thanks.models import ThankYou
from tests.factories import UserFactory, add_thank_you, match_world
from tests.helpers import assert_problem, unchanged
from tests.stripe_local import LocalStripe

CARD = {"amount_jpy": 1400, "method": "card"}
WEBHOOK = "/v1/webhooks/stripe"


@pytest.fixture
def world(db):
    return match_world()


def _count(db, model, *where) -> int:
    return db.scalar(select(func.count()).select_from(model).where(*where))


def _outbox_kinds(db) -> list[str]:
    return list(db.scalars(select(OutboxEvent.kind).order_by(OutboxEvent.created_at)))


def deliver(client, event: dict[str, Any], signature: str | None = None) -> Any:
    """POST an event to the webhook the way Stripe does (signed unless told otherwise)."""
    payload = json.dumps(event)
    headers = {"Stripe-Signature": signature or LocalStripe.sign(payload)}
    return client.post(WEBHOOK, data=payload, content_type="application/json", headers=headers)


def onboard(client, client_as, stripe_api: LocalStripe, user) -> str:
    """The supporter finishes Stripe onboarding; Stripe says so with account.updated."""
    response = client_as(user).post("/v1/me/payout-account")
    assert response.status_code == 200, response.get_json()
    account = stripe_api.complete_onboarding(_account_of(stripe_api))
    assert deliver(client, stripe_api.event("account.updated", account)).status_code == 200
    return str(account["id"])


def _account_of(stripe_api: LocalStripe) -> str:
    """The Express account the stand-in made last."""
    return list(stripe_api.accounts)[-1]


def record_card(client_as, world, body=CARD) -> Any:
    return client_as(world.parent).post(f"/v1/matches/{world.match.id}/thank-yous", json=body)


@pytest.fixture
def paying(client, client_as, stripe_api, world):
    """An onboarded supporter and a recorded card thank-you awaiting payment."""
    destination = onboard(client, client_as, stripe_api, world.supporter)
    response = record_card(client_as, world)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    return {"destination": destination, "body": body, "intent": body["payment"]}


# --- payout account (Connect Express onboarding) ---------------------------------------


def test_payout_account_starts_not_started(client_as, stripe_api):
    user = UserFactory()
    body = client_as(user).get("/v1/me/payout-account").get_json()
    assert body == {
        "status": "not_started",
        "details_submitted": False,
        "charges_enabled": False,
        "payouts_enabled": False,
    }
    assert stripe_api.requests == []


def test_onboarding_makes_one_express_account_and_fresh_links(client_as, stripe_api):
    user = UserFactory()
    first = client_as(user).post("/v1/me/payout-account")
    second = client_as(user).post("/v1/me/payout-account")
    assert first.status_code == second.status_code == 200
    assert first.get_json()["url"].startswith("https://connect.stripe.com/setup/")
    assert first.get_json()["url"] != second.get_json()["url"]
    assert first.get_json()["account"]["status"] == "onboarding"
    [created] = stripe_api.calls("POST", "/v1/accounts")
    assert created.params["type"] == "express"
    assert created.params["country"] == "JP"
    assert created.params["capabilities"]["transfers"] == {"requested": "true"}
    assert created.params["metadata"] == {"otagai_user_id": str(user.id)}
    assert created.idempotency_key == f"otagai-payout-account-{user.id}"
    links = stripe_api.calls("POST", "/v1/account_links")
    assert len(links) == 2
    assert links[0].params["type"] == "account_onboarding"
    assert links[0].params["return_url"] == "http://localhost/payout-account/return"
    assert links[0].params["refresh_url"] == "http://localhost/payout-account/refresh"


def test_onboarding_needs_a_signed_in_member(client, client_as, stripe_api, db):
    with unchanged(db):
        assert_problem(client.post("/v1/me/payout-account"), 401)
    with unchanged(db):
        assert_problem(
            client_as("no-profile-yet").post("/v1/me/payout-account"), 403, "profile_required"
        )
    assert stripe_api.requests == []


def test_onboarding_return_pages_are_plain_html(client):
    for path in ("/payout-account/return", "/payout-account/refresh"):
        response = client.get(path)
        assert response.status_code == 200
        assert response.mimetype == "text/html"
        assert "アプリ" in response.get_data(as_text=True)


def test_account_updated_makes_the_supporter_ready(client, client_as, stripe_api, world):
    onboard(client, client_as, stripe_api, world.supporter)
    body = client_as(world.supporter).get("/v1/me/payout-account").get_json()
    assert body["status"] == "ready"
    assert body["payouts_enabled"] is True


def test_account_updated_arriving_late_cannot_undo_newer_state(
    client, client_as, stripe_api, world
):
    """Stripe does not promise order: an old event's payload is not trusted, the account is
    read back from Stripe."""
    onboard(client, client_as, stripe_api, world.supporter)
    stale = dict(stripe_api.accounts[_account_of(stripe_api)], payouts_enabled=False)
    event = stripe_api.event("account.updated", stale, created=int(time.time()) - 3600)
    assert deliver(client, event).get_json() == {"received": True, "outcome": "processed"}
    body = client_as(world.supporter).get("/v1/me/payout-account").get_json()
    assert body["status"] == "ready"


def test_account_restricted_by_stripe_stops_card_thank_yous(
    client, client_as, stripe_api, world, db
):
    onboard(client, client_as, stripe_api, world.supporter)
    account = stripe_api.accounts[_account_of(stripe_api)]
    account["payouts_enabled"] = False
    deliver(client, stripe_api.event("account.updated", account))
    body = client_as(world.supporter).get("/v1/me/payout-account").get_json()
    assert body["status"] == "verifying"
    with unchanged(db):
        assert_problem(record_card(client_as, world), 409, "supporter_cannot_receive_card")


def test_account_updated_for_an_account_not_ours_is_200(client, stripe_api):
    event = stripe_api.event("account.updated", {"id": "acct_elsewhere", "object": "account"})
    assert deliver(client, event).get_json()["outcome"] == "processed"
    assert stripe_api.calls("GET", "/v1/accounts/acct_elsewhere") == []


def test_onboarding_without_stripe_is_503(client_without_stripe):
    response = client_without_stripe(UserFactory()).post("/v1/me/payout-account")
    assert_problem(response, 503, "card_payments_unavailable")


def test_onboarding_when_stripe_is_down_is_503_and_writes_nothing(client_as, stripe_api, db):
    user = UserFactory()
    stripe_api.outage = True
    response = client_as(user).post("/v1/me/payout-account")
    assert_problem(response, 503, "payment_provider_unavailable")
    assert client_as(user).get("/v1/me/payout-account").get_json()["status"] == "not_started"


# --- paying a card thank-you -------------------------------------------------------------


def test_card_thank_you_creates_a_destination_payment_intent(db, stripe_api, paying):
    body = paying["body"]
    assert body["method"] == "card"
    assert body["status"] == "pending_payment"
    assert body["recommended_thank_you"] == {"min_jpy": 1000, "max_jpy": 1400}
    [call] = stripe_api.calls("POST", "/v1/payment_intents")
    assert call.params["amount"] == "1400"  # JPY is zero-decimal: 1400 means ¥1,400
    assert call.params["currency"] == "jpy"
    assert call.params["transfer_data"] == {"destination": paying["destination"]}
    assert "application_fee_amount" not in call.params
    assert "on_behalf_of" not in call.params
    assert call.params["metadata"]["otagai_thank_you_id"] == body["id"]
    assert call.idempotency_key == f"otagai-thank-you-{body['id']}"
    intent = stripe_api.intents[paying["intent"]["payment_intent_id"]]
    assert paying["intent"]["client_secret"] == intent["client_secret"]
    # The supporter is told when the money arrives, not when it is promised.
    assert "thank_you.recorded" not in _outbox_kinds(db)


def test_succeeded_webhook_marks_paid_and_tells_the_supporter(
    client, client_as, db, stripe_api, world, paying
):
    intent = stripe_api.settle(paying["intent"]["payment_intent_id"], "succeeded")
    answer = deliver(client, stripe_api.event("payment_intent.succeeded", intent))
    assert answer.status_code == 200
    assert answer.get_json() == {"received": True, "outcome": "processed"}
    [shown] = (
        client_as(world.supporter)
        .get(f"/v1/matches/{world.match.id}/thank-yous")
        .get_json()["items"]
    )
    assert shown["status"] == "paid"
    assert shown["paid_at"] is not None
    assert shown["payment"] is None  # the client secret is only for the payer
    paid = db.scalars(select(OutboxEvent).where(OutboxEvent.kind == "thank_you.paid")).one()
    assert paid.recipients == [world.supporter.id]


def test_failed_webhook_marks_failed_and_tells_the_requester(client, db, stripe_api, world, paying):
    intent = stripe_api.intents[paying["intent"]["payment_intent_id"]]
    deliver(client, stripe_api.event("payment_intent.payment_failed", intent))
    thank_you = db.get(ThankYou, paying["body"]["id"])
    db.refresh(thank_you)
    assert thank_you.status == "failed"
    failed = db.scalars(
        select(OutboxEvent).where(OutboxEvent.kind == "thank_you.payment_failed")
    ).one()
    assert failed.recipients == [world.parent.id]


def test_intent_cancelled_at_stripe_marks_failed(client, db, stripe_api, paying):
    intent = stripe_api.settle(paying["intent"]["payment_intent_id"], "canceled")
    deliver(client, stripe_api.event("payment_intent.canceled", intent))
    assert db.get(ThankYou, paying["body"]["id"]).status == "failed"


def test_second_attempt_after_failure_reuses_the_payment_intent(
    client, client_as, db, stripe_api, world, paying
):
    pi = paying["intent"]["payment_intent_id"]
    deliver(client, stripe_api.event("payment_intent.payment_failed", stripe_api.intents[pi]))
    again = client_as(world.parent).post(f"/v1/thank-yous/{paying['body']['id']}/payment")
    assert again.status_code == 200, again.get_json()
    assert again.get_json()["status"] == "pending_payment"
    assert again.get_json()["payment"] == paying["intent"]
    assert len(stripe_api.calls("POST", "/v1/payment_intents")) == 1
    intent = stripe_api.settle(pi, "succeeded")
    deliver(client, stripe_api.event("payment_intent.succeeded", intent))
    assert db.get(ThankYou, paying["body"]["id"]).status == "paid"


def test_second_attempt_while_pending_creates_no_second_payment_intent(
    client_as, stripe_api, world, paying
):
    for _ in range(2):
        again = client_as(world.parent).post(f"/v1/thank-yous/{paying['body']['id']}/payment")
        assert again.status_code == 200
        assert again.get_json()["payment"] == paying["intent"]
    assert len(stripe_api.calls("POST", "/v1/payment_intents")) == 1
    assert len(stripe_api.intents) == 1


def test_a_retried_create_with_the_same_key_returns_the_same_intent(app, stripe_api, paying):
    """What the SDK's own network retries rely on: Stripe answers a repeated key with the
    intent it made the first time."""
    from otagai.integrations.stripe_gateway import gateway

    with app.app_context():
        again = gateway().create_thank_you_payment(
            thank_you_id=paying["body"]["id"],
            match_id=paying["body"]["match_id"],
            amount_jpy=1400,
            destination=paying["destination"],
        )
    assert again.id == paying["intent"]["payment_intent_id"]
    assert len(stripe_api.intents) == 1


def test_paying_again_after_paid_is_409(client, client_as, stripe_api, world, paying, db):
    intent = stripe_api.settle(paying["intent"]["payment_intent_id"], "succeeded")
    deliver(client, stripe_api.event("payment_intent.succeeded", intent))
    with unchanged(db):
        again = client_as(world.parent).post(f"/v1/thank-yous/{paying['body']['id']}/payment")
    assert_problem(again, 409, "thank_you_already_paid")


def test_only_the_requester_pays(client_as, world, paying, db):
    url = f"/v1/thank-yous/{paying['body']['id']}/payment"
    with unchanged(db):
        assert_problem(client_as(world.supporter).post(url), 403, "requester_only")
    caller = UserFactory()
    with unchanged(db):
        assert_problem(client_as(caller).post(url), 404, "thank_you_not_found")


def test_paying_a_cash_thank_you_is_409(client_as, world, db):
    thank_you = add_thank_you(world.match)
    with unchanged(db):
        response = client_as(world.parent).post(f"/v1/thank-yous/{thank_you.id}/payment")
    assert_problem(response, 409, "thank_you_not_card")


# --- refusals that write nothing ---------------------------------------------------------


@pytest.mark.parametrize("amount", [100_001, -1])
def test_out_of_range_card_amount_is_422(client, client_as, db, stripe_api, world, amount):
    onboard(client, client_as, stripe_api, world.supporter)
    with unchanged(db):
        response = record_card(client_as, world, {"amount_jpy": amount, "method": "card"})
    assert_problem(response, 422, "validation_failed")
    assert "amount_jpy" in response.get_json()["errors"]
    assert _count(db, ThankYou) == 0
    assert stripe_api.calls("POST", "/v1/payment_intents") == []


def test_card_below_stripe_minimum_is_422(client, client_as, db, stripe_api, world):
    onboard(client, client_as, stripe_api, world.supporter)
    with unchanged(db):
        response = record_card(client_as, world, {"amount_jpy": 49, "method": "card"})
    assert_problem(response, 422, "card_amount_below_minimum")
    assert _count(db, ThankYou) == 0


def test_card_to_a_supporter_without_payout_account_is_409(client_as, db, stripe_api, world):
    with unchanged(db):
        assert_problem(record_card(client_as, world), 409, "supporter_cannot_receive_card")
    assert _count(db, ThankYou) == 0
    assert stripe_api.calls("POST", "/v1/payment_intents") == []


def test_stripe_down_while_recording_is_503_and_writes_nothing(
    client, client_as, db, stripe_api, world
):
    onboard(client, client_as, stripe_api, world.supporter)
    stripe_api.outage = True
    assert_problem(record_card(client_as, world), 503, "payment_provider_unavailable")
    assert _count(db, ThankYou) == 0
    assert _count(db, OutboxEvent) == 0


# --- the webhook: signatures, replays, order ---------------------------------------------


def test_duplicate_webhook_is_applied_once(client, db, stripe_api, paying):
    intent = stripe_api.settle(paying["intent"]["payment_intent_id"], "succeeded")
    event = stripe_api.event("payment_intent.succeeded", intent)
    assert deliver(client, event).get_json()["outcome"] == "processed"
    assert deliver(client, event).get_json() == {"received": True, "outcome": "duplicate"}
    assert _count(db, OutboxEvent, OutboxEvent.kind == "thank_you.paid") == 1


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda p: LocalStripe.sign(p, secret="whsec_someone_else"), id="wrong-secret"),
        pytest.param(lambda p: LocalStripe.sign(p + " "), id="altered-body"),
        pytest.param(lambda p: LocalStripe.sign(p, timestamp=int(time.time()) - 3600), id="stale"),
        pytest.param(lambda p: "t=1,v1=00", id="garbage"),
    ],
)
def test_forged_signature_is_400_and_changes_nothing(client, db, stripe_api, paying, forge):
    intent = stripe_api.settle(paying["intent"]["payment_intent_id"], "succeeded")
    event = stripe_api.event("payment_intent.succeeded", intent)
    with unchanged(db):
        response = deliver(client, event, signature=forge(json.dumps(event)))
    assert_problem(response, 400, "invalid_webhook_signature")
    assert db.get(ThankYou, paying["body"]["id"]).status == "pending_payment"


def test_missing_signature_is_400(client, stripe_api, paying, db):
    event = stripe_api.event("payment_intent.succeeded", {"id": "pi_x"})
    with unchanged(db):
        response = client.post(WEBHOOK, data=json.dumps(event), content_type="application/json")
    assert_problem(response, 400, "invalid_webhook_signature")


@pytest.mark.parametrize(
    "event",
    [
        [],
        {"id": "evt_1", "type": "payment_intent.succeeded", "created": 1700000000},
        {"id": "evt_1", "type": "x", "created": "yesterday", "data": {"object": {"id": "a"}}},
        {"id": "e" * 300, "type": "x", "created": 1700000000, "data": {"object": {"id": "a"}}},
    ],
)
def test_signed_but_malformed_event_is_400(client, event, db):
    with unchanged(db):
        assert_problem(deliver(client, event), 400, "invalid_webhook_payload")


def test_unknown_event_types_are_200_and_ignored(client, stripe_api):
    event = stripe_api.event("customer.created", {"id": "cus_1", "object": "customer"})
    assert deliver(client, event).get_json() == {"received": True, "outcome": "ignored"}


def test_event_for_an_unknown_payment_intent_is_200(client, stripe_api):
    event = stripe_api.event("payment_intent.succeeded", {"id": "pi_not_ours"})
    assert deliver(client, event).status_code == 200


def test_failure_arriving_after_success_leaves_it_paid(client, db, stripe_api, paying):
    pi = paying["intent"]["payment_intent_id"]
    now = int(time.time())
    failed = stripe_api.event("payment_intent.payment_failed", stripe_api.intents[pi], now - 10)
    succeeded = stripe_api.event(
        "payment_intent.succeeded", stripe_api.settle(pi, "succeeded"), now
    )
    deliver(client, succeeded)
    deliver(client, failed)
    assert db.get(ThankYou, paying["body"]["id"]).status == "paid"


def test_stale_failure_after_a_retry_is_ignored(client, client_as, db, stripe_api, world, paying):
    pi = paying["intent"]["payment_intent_id"]
    now = int(time.time())
    deliver(client, stripe_api.event("payment_intent.payment_failed", stripe_api.intents[pi], now))
    client_as(world.parent).post(f"/v1/thank-yous/{paying['body']['id']}/payment")
    older = stripe_api.event("payment_intent.payment_failed", stripe_api.intents[pi], now - 60)
    deliver(client, older)
    assert db.get(ThankYou, paying["body"]["id"]).status == "pending_payment"


def test_webhook_without_stripe_configured_is_503(app_without_stripe, connection):
    response = app_without_stripe.test_client().post(
        WEBHOOK, data="{}", content_type="application/json"
    )
    assert_problem(response, 503, "card_payments_unavailable")


# --- replacing a failed card thank-you ---------------------------------------------------


def test_replacing_a_failed_card_thank_you_cancels_its_intent(
    client, client_as, db, stripe_api, world, paying
):
    pi = paying["intent"]["payment_intent_id"]
    deliver(client, stripe_api.event("payment_intent.payment_failed", stripe_api.intents[pi]))
    cash = client_as(world.parent).post(
        f"/v1/matches/{world.match.id}/thank-yous", json={"amount_jpy": 1000, "method": "cash"}
    )
    assert cash.status_code == 201
    assert stripe_api.intents[pi]["status"] == "canceled"
    with unchanged(db):
        again = client_as(world.parent).post(f"/v1/thank-yous/{paying['body']['id']}/payment")
    assert_problem(again, 409, "thank_you_payment_cancelled")


def test_replacing_a_failed_one_that_succeeded_meanwhile_is_409(
    client, client_as, db, stripe_api, world, paying
):
    pi = paying["intent"]["payment_intent_id"]
    deliver(client, stripe_api.event("payment_intent.payment_failed", stripe_api.intents[pi]))
    stripe_api.settle(pi, "succeeded")  # its webhook has not arrived yet
    with unchanged(db):
        cash = client_as(world.parent).post(
            f"/v1/matches/{world.match.id}/thank-yous", json={"amount_jpy": 1000, "method": "cash"}
        )
    assert_problem(cash, 409, "thank_you_payment_succeeded")
    assert _count(db, ThankYou) == 1
