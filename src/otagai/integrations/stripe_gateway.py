"""Stripe, through its official SDK: the only module that imports ``stripe``.

Card thank-yous are destination charges: the requester pays a PaymentIntent in JPY on
the platform account, ``transfer_data.destination`` moves all of it to the supporter's
Express account, and no ``application_fee_amount`` is ever sent (no platform fee).

Every creating call carries an idempotency key derived from our own row id, so a retry
(the SDK's own network retries, or ours) returns the object made the first time instead
of making a second one. Only ids go to Stripe as metadata: never names or children.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import stripe
from flask import Flask, current_app

from otagai.config import STRIPE_NETWORK_RETRIES, Settings
from otagai.errors import BadRequest, ServiceUnavailable

if TYPE_CHECKING:
    from stripe._base_address import BaseAddresses

log = logging.getLogger(__name__)

EXTENSION_KEY = "otagai.stripe"
CURRENCY = "jpy"  # a zero-decimal currency: amount=600 is 600 yen
# Stripe's smallest JPY charge; a card thank-you below it cannot be paid.
MIN_CARD_AMOUNT_JPY = 50
ACCOUNT_COUNTRY = "JP"


@dataclass(frozen=True)
class AccountState:
    """What decides whether a connected account can receive a card thank-you."""

    account_id: str
    details_submitted: bool
    charges_enabled: bool
    payouts_enabled: bool
    transfers_active: bool

    @classmethod
    def of(cls, account: Any) -> AccountState:
        capabilities = _get(account, "capabilities") or {}
        return cls(
            account_id=str(_get(account, "id")),
            details_submitted=bool(_get(account, "details_submitted")),
            charges_enabled=bool(_get(account, "charges_enabled")),
            payouts_enabled=bool(_get(account, "payouts_enabled")),
            transfers_active=_get(capabilities, "transfers") == "active",
        )


@dataclass(frozen=True)
class PaymentIntentRef:
    id: str
    client_secret: str
    status: str


# Which of our two webhook endpoints' secrets signed an event (README, "Stripe webhooks").
Endpoint = Literal["account", "connect"]
ACCOUNT_ENDPOINT: Endpoint = "account"
CONNECT_ENDPOINT: Endpoint = "connect"


@dataclass(frozen=True)
class SignedEvent:
    """A webhook event whose signature is valid, and the endpoint whose secret signed it."""

    event: dict[str, Any]
    endpoint: Endpoint


def livemode_of(secret_key: str) -> bool:
    """Live keys (``sk_live_``, restricted ``rk_live_``) receive live events only; test
    keys test events only."""
    return secret_key.startswith(("sk_live_", "rk_live_"))


@dataclass(frozen=True)
class OnboardingLink:
    url: str
    expires_at: int


def _get(obj: Any, key: str) -> Any:
    """A field of a StripeObject or of a plain dict (webhook payloads are dicts)."""
    if obj is None:
        return None
    try:
        return obj[key]
    except (KeyError, TypeError):
        return None


def _unavailable(exc: stripe.StripeError) -> ServiceUnavailable:
    # Stripe's own message may name our account or request; it goes to the log, and the
    # client gets a stable code it can retry on.
    log.warning(
        "stripe call failed",
        extra={"stripe_error": type(exc).__name__, "stripe_status": exc.http_status},
    )
    return ServiceUnavailable("payment_provider_unavailable")


# The SDK's own retries of a failed call (network errors, timeouts, 409/429/5xx), each with
# the same idempotency key. A hanging Stripe therefore holds a request for at most
# Settings.stripe_worst_wait: (1 + retries) x STRIPE_TIMEOUT_SECONDS + the SDK's backoff.
MAX_NETWORK_RETRIES = STRIPE_NETWORK_RETRIES


class StripeGateway:
    def __init__(
        self,
        secret_key: str,
        webhook_secret: str,
        connect_webhook_secret: str,
        api_base: str | None,
        timeout: float = 5.0,
    ) -> None:
        addresses: BaseAddresses = {}
        if api_base:
            addresses = {"api": api_base.rstrip("/"), "connect": api_base.rstrip("/")}
        # The SDK's default is 80 s per call: a request thread would wait that long, three
        # times over, for a Stripe that does not answer.
        self._client = stripe.StripeClient(
            secret_key,
            base_addresses=addresses,
            max_network_retries=MAX_NETWORK_RETRIES,
            http_client=stripe.RequestsClient(timeout=timeout),
        )
        self.livemode = livemode_of(secret_key)
        self._secrets: tuple[tuple[Endpoint, str], ...] = (
            (ACCOUNT_ENDPOINT, webhook_secret),
            (CONNECT_ENDPOINT, connect_webhook_secret),
        )

    # Connect onboarding ----------------------------------------------------------------

    def create_express_account(self, user_id: str) -> AccountState:
        try:
            account = self._client.v1.accounts.create(
                params={
                    "type": "express",
                    "country": ACCOUNT_COUNTRY,
                    "capabilities": {
                        "card_payments": {"requested": True},
                        "transfers": {"requested": True},
                    },
                    "metadata": {"otagai_user_id": user_id},
                },
                options={"idempotency_key": f"otagai-payout-account-{user_id}"},
            )
        except stripe.StripeError as exc:
            raise _unavailable(exc) from exc
        return AccountState.of(account)

    def retrieve_account(self, account_id: str) -> AccountState:
        try:
            return AccountState.of(self._client.v1.accounts.retrieve(account_id))
        except stripe.StripeError as exc:
            raise _unavailable(exc) from exc

    def onboarding_link(self, account_id: str, return_url: str, refresh_url: str) -> OnboardingLink:
        try:
            link = self._client.v1.account_links.create(
                params={
                    "account": account_id,
                    "type": "account_onboarding",
                    "return_url": return_url,
                    "refresh_url": refresh_url,
                }
            )
        except stripe.StripeError as exc:
            raise _unavailable(exc) from exc
        return OnboardingLink(url=link.url, expires_at=int(link.expires_at))

    # Card thank-yous -------------------------------------------------------------------

    def create_thank_you_payment(
        self, *, thank_you_id: str, match_id: str, amount_jpy: int, destination: str
    ) -> PaymentIntentRef:
        try:
            intent = self._client.v1.payment_intents.create(
                params={
                    "amount": amount_jpy,
                    "currency": CURRENCY,
                    "allowed_payment_method_types": ["card"],
                    "transfer_data": {"destination": destination},
                    "description": "Otagai thank-you (謝礼)",
                    "metadata": {"otagai_thank_you_id": thank_you_id, "otagai_match_id": match_id},
                },
                options={"idempotency_key": payment_idempotency_key(thank_you_id)},
            )
        except stripe.StripeError as exc:
            raise _unavailable(exc) from exc
        return _intent_ref(intent)

    def retrieve_payment(self, payment_intent_id: str) -> PaymentIntentRef:
        try:
            return _intent_ref(self._client.v1.payment_intents.retrieve(payment_intent_id))
        except stripe.StripeError as exc:
            raise _unavailable(exc) from exc

    def cancel_payment(self, payment_intent_id: str) -> PaymentIntentRef:
        """Cancel an unpaid PaymentIntent so it can never be charged later. Stripe refuses
        (400) when it already succeeded; that answer is returned, not raised."""
        try:
            intent = self._client.v1.payment_intents.cancel(payment_intent_id)
        except stripe.InvalidRequestError:
            return self.retrieve_payment(payment_intent_id)
        except stripe.StripeError as exc:
            raise _unavailable(exc) from exc
        return _intent_ref(intent)

    # Webhooks --------------------------------------------------------------------------

    def verified_event(self, payload: bytes, signature: str | None) -> SignedEvent:
        """The event of a webhook whose ``Stripe-Signature`` is valid and recent (Stripe's
        5-minute tolerance) for one of our two endpoint secrets — the account endpoint's
        (``STRIPE_WEBHOOK_SECRET``: our own objects, the destination charges) or the
        Connect endpoint's (``STRIPE_CONNECT_WEBHOOK_SECRET``: connected accounts'
        events) — with the endpoint it was signed for; anything else is 400.

        When both secrets are the same (``stripe listen`` signs everything it forwards
        with one), the signature cannot tell the endpoints apart: an event that names a
        connected account (``account``) is then a Connect event, as Stripe defines it."""
        try:
            text = payload.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BadRequest("invalid_webhook_signature") from exc
        signed: list[tuple[Endpoint, Any]] = []
        for endpoint, secret in self._secrets:
            try:
                signed.append((endpoint, stripe.Webhook.construct_event(text, signature, secret)))
            except stripe.SignatureVerificationError:
                continue
            except (ValueError, AttributeError, TypeError) as exc:
                # Signed, but not a JSON object (construct_event parses after verifying).
                raise BadRequest("invalid_webhook_payload") from exc
            if self._secrets[0][1] != self._secrets[1][1]:
                break
        if not signed:
            raise BadRequest("invalid_webhook_signature")
        endpoint, constructed = signed[0]
        event = constructed.to_dict()
        if not isinstance(event.get("id"), str):
            raise BadRequest("invalid_webhook_payload")
        if len(signed) == 2:
            endpoint = CONNECT_ENDPOINT if event.get("account") is not None else ACCOUNT_ENDPOINT
        return SignedEvent(event=event, endpoint=endpoint)


def payment_idempotency_key(thank_you_id: str) -> str:
    return f"otagai-thank-you-{thank_you_id}"


def _intent_ref(intent: Any) -> PaymentIntentRef:
    return PaymentIntentRef(
        id=str(intent.id), client_secret=str(intent.client_secret), status=str(intent.status)
    )


def init_app(app: Flask, settings: Settings) -> None:
    gateway = None
    if settings.card_payments_configured:
        assert settings.stripe_secret_key and settings.stripe_webhook_secret
        assert settings.stripe_connect_webhook_secret
        gateway = StripeGateway(
            settings.stripe_secret_key,
            settings.stripe_webhook_secret,
            settings.stripe_connect_webhook_secret,
            settings.stripe_api_base,
            timeout=settings.stripe_timeout_seconds,
        )
    app.extensions[EXTENSION_KEY] = gateway


def gateway() -> StripeGateway:
    """The configured gateway, or 503 ``card_payments_unavailable``."""
    found: StripeGateway | None = current_app.extensions.get(EXTENSION_KEY)
    if found is None:
        raise ServiceUnavailable("card_payments_unavailable")
    return found
