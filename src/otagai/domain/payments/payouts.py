"""Supporters' payout accounts: Stripe Connect Express onboarding and its readiness.

A supporter asks for an onboarding link; the first time, an Express account is made for
them (one per user: the user row is locked, and Stripe's idempotency key is the user id).
Stripe tells us when the account can receive money with ``account.updated`` webhooks.
Stripe does not promise their order, so an event is only a signal: the account is read
back from Stripe and its current state stored (an onboarding call does the same).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from otagai.domain.actors import Actor, require_user
from otagai.domain.payments.models import PayoutAccount
from otagai.domain.people.models import User
from otagai.extensions.db import session
from otagai.integrations.stripe_gateway import AccountState, OnboardingLink, gateway

NOT_STARTED, ONBOARDING, VERIFYING, READY = (
    "not_started",
    "onboarding",
    "verifying",
    "ready",
)


@dataclass(frozen=True)
class Onboarding:
    link: OnboardingLink
    account: PayoutAccount


def payout_account_of(user_id: Any) -> PayoutAccount | None:
    return session.scalars(select(PayoutAccount).where(PayoutAccount.user_id == user_id)).first()


def start_onboarding(actor: Actor, *, return_url: str, refresh_url: str) -> Onboarding:
    """An Account Link for the caller's Express account, made on the first call."""
    user = require_user(actor)
    stripe = gateway()
    # Serializes a user's concurrent first calls: one account row, one Stripe account.
    session.get(User, user.id, with_for_update=True)
    account = payout_account_of(user.id)
    if account is None:
        state = stripe.create_express_account(str(user.id))
        account = PayoutAccount(user_id=user.id, stripe_account_id=state.account_id)
        session.add(account)
    else:
        state = stripe.retrieve_account(account.stripe_account_id)
    apply_state(account, state)
    link = stripe.onboarding_link(account.stripe_account_id, return_url, refresh_url)
    session.flush()
    return Onboarding(link=link, account=account)


def apply_state(account: PayoutAccount, state: AccountState) -> None:
    account.details_submitted = state.details_submitted
    account.charges_enabled = state.charges_enabled
    account.payouts_enabled = state.payouts_enabled
    account.transfers_active = state.transfers_active


def account_updated(account_id: str) -> None:
    """``account.updated``: store the account's state as Stripe has it now. An account we
    do not know (made for something else on the platform) is ignored."""
    account = session.scalars(
        select(PayoutAccount).where(PayoutAccount.stripe_account_id == account_id).with_for_update()
    ).first()
    if account is not None:
        apply_state(account, gateway().retrieve_account(account_id))
        session.flush()


def payout_status(account: PayoutAccount | None) -> str:
    if account is None:
        return NOT_STARTED
    if account.ready:
        return READY
    return VERIFYING if account.details_submitted else ONBOARDING


def my_payout_account(actor: Actor) -> PayoutAccount | None:
    return payout_account_of(require_user(actor).id)
