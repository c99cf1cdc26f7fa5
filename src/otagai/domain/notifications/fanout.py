"""Outbox events → notifications: who is told, of what type, and when.

Runs in the worker, after the change's transaction committed (so a change that rolled
back has no event, and nothing is ever sent for it). Events are claimed with ``FOR
UPDATE SKIP LOCKED``, so workers side by side take different ones; the unique
(event, user) pair makes a re-run after a crash write nothing twice.

Per recipient: a type they switched off is skipped; a non-urgent one in their quiet
hours waits (``next_attempt_at``) until the quiet hours end. A new request is announced
to a fair choice of its candidates (``fairness.py``, docs/fair-fan-out.md): a daily cap
per supporter, and turns among equals.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from otagai.domain import outbox
from otagai.domain.matching.candidates import TIERS, find_candidates
from otagai.domain.notifications import fairness, types
from otagai.domain.notifications.models import Notification
from otagai.domain.notifications.preferences import (
    Preferences,
    held_until,
    preferences_for,
    wants,
)
from otagai.domain.outbox import OutboxEvent
from otagai.domain.people.models import USER_ACTIVE, User
from otagai.domain.requests.models import ShareRequest
from otagai.domain.requests.status import is_effectively_open
from otagai.extensions.db import session

# A new request's candidates the fair choice picks from (highest tiers first); it announces
# it to at most ``fairness.Rules.per_request`` of them (NEW_REQUEST_FANOUT).
NEW_REQUEST_POOL = 50

KIND_TYPES = {
    outbox.SHARE_REQUEST_CREATED: types.NEW_REQUEST,
    outbox.SHARE_REQUEST_WIDENED: types.NEW_REQUEST,
    outbox.SHARE_REQUEST_UNANSWERED: types.REQUEST_UNANSWERED,
    outbox.OFFER_CREATED: types.NEW_OFFER,
    outbox.OFFER_ACCEPTED: types.OFFER_ACCEPTED,
    outbox.OFFER_DECLINED: types.OFFER_DECLINED,
    outbox.MATCH_CANCELLED: types.MATCH_CANCELLED,
    outbox.MATCH_REMINDER: types.MATCH_REMINDER,
    outbox.THANK_YOU_RECORDED: types.THANK_YOU_RECORDED,
    outbox.THANK_YOU_PAID: types.THANK_YOU_PAID,
    outbox.THANK_YOU_PAYMENT_FAILED: types.THANK_YOU_PAYMENT_FAILED,
    outbox.CERTIFICATION_GRANTED: types.CERTIFICATION_GRANTED,
    outbox.CERTIFICATION_EXPIRING: types.CERTIFICATION_EXPIRING,
    outbox.CERTIFICATION_REVOKED: types.CERTIFICATION_REVOKED,
    outbox.MATCH_CHECKIN: types.CHECKIN,
    outbox.MATCH_HANDOVER_LOCKED: types.HANDOVER_LOCKED,
    outbox.MATCH_LATE: types.LATE_ALERT,
    outbox.MATCH_NO_SHOW: types.NO_SHOW,
    outbox.HOUSEHOLD_WELCOME: types.WELCOME_EVENT,
}
# The ids the app deep-links from; anything else in a payload stays on the server.
LINK_IDS = (
    "request_id",
    "offer_id",
    "match_id",
    "thank_you_id",
    "certification_id",
    "event_id",
    "series_id",
)
# Codes the app and the text may show as they are (a check-in's type, the check-in a late
# alert misses and its step, whether a no-show was recorded or answered): never personal.
CODES = ("checkin", "missing", "step", "no_show")


@dataclass(frozen=True)
class FanOut:
    events: int
    notifications: int


def claim_events(limit: int) -> Sequence[OutboxEvent]:
    return session.scalars(
        select(OutboxEvent)
        .where(OutboxEvent.processed_at.is_(None))
        .order_by(OutboxEvent.created_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()


def new_request_pool(event: OutboxEvent, now: datetime) -> list[fairness.Ranked]:
    """A new request's candidates, best first, with their tier's rank."""
    request = session.get(ShareRequest, uuid.UUID(event.payload["request_id"]))
    if request is None or not is_effectively_open(request, now):
        return []  # taken, cancelled or started before the worker got to it
    if event.kind == outbox.SHARE_REQUEST_WIDENED:
        # A rung's newcomers, best first (sharing/widening.py): the fair choice among them.
        return [fairness.Ranked(user_id, 0) for user_id in event.recipients]
    return [
        fairness.Ranked(c.user_id, TIERS.index(c.trust_tier))
        for c in find_candidates(request, limit=NEW_REQUEST_POOL)
    ]


def recipients_of(event: OutboxEvent, now: datetime) -> list[uuid.UUID]:
    """Who may be told (before their preferences and, for a new request, the fair
    choice): an event's own recipients, or a new request's candidates."""
    if event.kind not in (outbox.SHARE_REQUEST_CREATED, outbox.SHARE_REQUEST_WIDENED):
        return list(event.recipients)
    return [r.user_id for r in new_request_pool(event, now)]


def _active(user_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    if not user_ids:
        return set()
    return set(
        session.scalars(select(User.id).where(User.id.in_(user_ids), User.status == USER_ACTIVE))
    )


def _audience(
    event: OutboxEvent, kind: str, now: datetime, rules: fairness.Rules
) -> tuple[list[uuid.UUID], dict[uuid.UUID, Preferences]]:
    """The users to notify of ``event`` (active, wanting ``kind``), and their preferences.
    A new request's: the fair choice among the candidates who want it."""
    if kind == types.NEW_REQUEST:
        pool = new_request_pool(event, now)
        recipients = [r.user_id for r in pool]
    else:
        recipients = recipients_of(event, now)
    active = _active(recipients)
    prefs = preferences_for(active)
    wanted = [u for u in dict.fromkeys(recipients) if u in active and wants(prefs[u], kind)]
    if kind == types.NEW_REQUEST:
        keep = set(wanted)
        pool = [r for r in pool if r.user_id in keep]
        wanted = fairness.choose(event.payload["request_id"], pool, now, rules)
    return wanted, prefs


def fan_out(now: datetime, *, limit: int = 100, rules: fairness.Rules | None = None) -> FanOut:
    """Turn up to ``limit`` unprocessed events into notifications; the caller commits.
    ``rules``: the fair fan-out's (the settings' NEW_REQUEST_FANOUT and
    NEW_REQUEST_PUSHES_PER_DAY; the defaults if not given)."""
    rules = rules or fairness.Rules()
    events = claim_events(limit)
    written = 0
    for event in events:
        event.processed_at = now
        kind = KIND_TYPES.get(event.kind)
        if kind is None:
            continue  # an event nobody is pushed about (e.g. match.completed)
        recipients, prefs = _audience(event, kind, now, rules)
        urgent = kind in types.URGENT
        data = {k: str(event.payload[k]) for k in LINK_IDS + CODES if event.payload.get(k)}
        rows = [
            {
                "id": uuid.uuid4(),
                "outbox_event_id": event.id,
                "user_id": user_id,
                "type": kind,
                "urgent": urgent,
                "data": data,
                "next_attempt_at": held_until(now, prefs[user_id], urgent=urgent) or now,
            }
            for user_id in recipients
        ]
        if rows:
            result = session.execute(
                insert(Notification)
                .values(rows)
                .on_conflict_do_nothing(index_elements=["outbox_event_id", "user_id"])
                .returning(Notification.user_id)
            )
            told = list(result.scalars())
            written += len(told)
            if kind == types.NEW_REQUEST:
                fairness.record(told, now)
    session.flush()
    return FanOut(events=len(events), notifications=written)
