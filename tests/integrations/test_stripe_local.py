"""The Stripe stand-in refuses what Stripe refuses, so the app's calls that pass it
(tests/api/test_card_payments.py, tests/api/test_stripe_webhooks.py) would pass Stripe:
unknown or missing parameters are 400 in Stripe's error shape, and idempotency keys are
scoped per account. Called through the official SDK, as the app calls it, and over raw
HTTP where the exact answer matters."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest
import stripe

from tests.stripe_local import SECRET_KEY, LocalStripe


@pytest.fixture
def sdk(stripe_api: LocalStripe) -> stripe.StripeClient:
    return stripe.StripeClient(
        SECRET_KEY, base_addresses={"api": stripe_api.url}, max_network_retries=0
    )


def _post(stripe_api: LocalStripe, path: str, form: str, **headers: str) -> tuple[int, Any]:
    request = urllib.request.Request(
        stripe_api.url + path,
        data=form.encode(),
        headers={"Authorization": f"Bearer {SECRET_KEY}", **headers},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _account(sdk: stripe.StripeClient) -> str:
    return str(sdk.v1.accounts.create(params={"type": "express", "country": "JP"}).id)


def test_unknown_parameter_is_400_in_stripes_shape(stripe_api):
    status, body = _post(stripe_api, "/v1/payment_intents", "amount=1400&currency=jpy&colour=red")
    assert status == 400
    assert body == {
        "error": {
            "type": "invalid_request_error",
            "code": "parameter_unknown",
            "message": "Received unknown parameter: colour",
            "param": "colour",
        }
    }
    assert stripe_api.intents == {}


def test_unknown_nested_parameter_is_named_as_stripe_names_it(sdk, stripe_api):
    destination = _account(sdk)
    with pytest.raises(stripe.InvalidRequestError) as refused:
        sdk.v1.payment_intents.create(
            params={
                "amount": 1400,
                "currency": "jpy",
                "transfer_data": {"destination": destination, "fee": 10},  # type: ignore[typeddict-unknown-key]
            }
        )
    assert refused.value.http_status == 400
    assert refused.value.param == "transfer_data[fee]"
    assert refused.value.code == "parameter_unknown"
    assert stripe_api.intents == {}


@pytest.mark.parametrize(
    ("path", "form", "param"),
    [
        ("/v1/payment_intents", "currency=jpy", "amount"),
        ("/v1/payment_intents", "amount=1400", "currency"),
        (
            "/v1/payment_intents",
            "amount=1400&currency=jpy&transfer_data[amount]=1",
            "transfer_data[destination]",
        ),
        ("/v1/account_links", "type=account_onboarding", "account"),
    ],
)
def test_missing_required_parameter_is_400(stripe_api, path, form, param):
    status, body = _post(stripe_api, path, form)
    assert status == 400
    assert body["error"]["type"] == "invalid_request_error"
    assert body["error"]["code"] == "parameter_missing"
    assert body["error"]["param"] == param
    assert body["error"]["message"] == f"Missing required param: {param}."


def test_unknown_parameter_on_a_read_is_400(sdk, stripe_api):
    account = _account(sdk)
    with pytest.raises(stripe.InvalidRequestError) as refused:
        sdk.v1.accounts.retrieve(account, params={"include": "everything"})  # type: ignore[typeddict-unknown-key]
    assert refused.value.param == "include"


def test_a_refused_request_saves_no_idempotent_answer(stripe_api):
    bad, _ = _post(
        stripe_api, "/v1/accounts", "type=express&colour=red", **{"Idempotency-Key": "k1"}
    )
    good, body = _post(stripe_api, "/v1/accounts", "type=express", **{"Idempotency-Key": "k1"})
    assert (bad, good) == (400, 200)
    assert list(stripe_api.accounts) == [body["id"]]


def test_same_key_same_account_same_parameters_replays_the_first_answer(stripe_api):
    key = {"Idempotency-Key": "same"}
    first = _post(stripe_api, "/v1/accounts", "type=express", **key)
    again = _post(stripe_api, "/v1/accounts", "type=express", **key)
    assert first == again
    assert len(stripe_api.accounts) == 1


def test_same_key_same_account_other_parameters_is_an_idempotency_error(stripe_api):
    key = {"Idempotency-Key": "same", "Stripe-Account": "acct_a"}
    assert _post(stripe_api, "/v1/accounts", "type=express", **key)[0] == 200
    status, body = _post(stripe_api, "/v1/accounts", "type=standard", **key)
    assert status == 400
    assert body["error"]["type"] == "idempotency_error"
    assert len(stripe_api.accounts) == 1


def test_same_key_on_another_endpoint_is_an_idempotency_error(sdk, stripe_api):
    key = {"Idempotency-Key": "same"}
    assert _post(stripe_api, "/v1/accounts", "type=express", **key)[0] == 200
    status, body = _post(stripe_api, "/v1/payment_intents", "amount=1400&currency=jpy", **key)
    assert status == 400
    assert body["error"]["type"] == "idempotency_error"
    assert stripe_api.intents == {}


def test_same_key_for_another_account_is_another_request(stripe_api):
    """Stripe scopes idempotency keys to the account the request is made on."""
    platform = _post(stripe_api, "/v1/accounts", "type=express", **{"Idempotency-Key": "k"})
    connected = _post(
        stripe_api,
        "/v1/accounts",
        "type=standard",
        **{"Idempotency-Key": "k", "Stripe-Account": "acct_connected"},
    )
    other = _post(
        stripe_api,
        "/v1/accounts",
        "type=express",
        **{"Idempotency-Key": "k", "Stripe-Account": "acct_other"},
    )
    assert platform[0] == connected[0] == other[0] == 200
    assert len({platform[1]["id"], connected[1]["id"], other[1]["id"]}) == 3


def test_events_of_each_class_are_signed_with_their_endpoints_secret(stripe_api):
    from tests.stripe_local import CONNECT_WEBHOOK_SECRET, WEBHOOK_SECRET

    connect = json.dumps(stripe_api.event("account.updated", {"id": "acct_1"}))
    platform = json.dumps(stripe_api.event("payment_intent.succeeded", {"id": "pi_1"}))
    assert json.loads(connect)["account"] == "acct_1"
    assert "account" not in json.loads(platform)
    stripe.Webhook.construct_event(connect, LocalStripe.sign(connect), CONNECT_WEBHOOK_SECRET)
    stripe.Webhook.construct_event(platform, LocalStripe.sign(platform), WEBHOOK_SECRET)
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(connect, LocalStripe.sign(connect), WEBHOOK_SECRET)
