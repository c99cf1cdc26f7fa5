"""Outbox events → notifications: who is told, of what type, and when.

Runs in the worker, after the change's transaction committed (so a change that rolled
back has no event, and nothing is ever sent for it). Events are claimed with ``FOR
UPDATE SKIP LOCKED``, so workers side by side take different ones; the unique
(event, user) pair makes a re-run after a crash write nothing twice.

Per recipient: a type they switched off is skipped; a non-urgent one in their quiet
hours waits (``next_attempt_at``) until the quiet hours end.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from otagai.domain import outbox
from otagai.domain.matching.candidates import find_candidates
from otagai.domain.notifications import types
from otagai.domain.notifications.models import Notification
from otagai.domain.notifications.preferences import held_until, preferences_for, wants
from otagai.domain.outbox import OutboxEvent
from otagai.domain.people.models import USER_ACTIVE, User
from otagai.domain.requests.models import ShareRequest
from otagai.domain.requests.status import is_effectively_open
from otagai.extensions.db import session

# A new request is announced to this many of its best candidates (highest tiers first).
NEW_REQUEST_AUDIENCE = 20

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
}
# The ids the app deep-links from; anything else in a payload stays on the server.
LINK_IDS = ("request_id", "offer_id", "match_id", "thank_you_id", "certification_id")
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


def recipients_of(event: OutboxEvent, now: datetime) -> list[uuid.UUID]:
    if event.kind != outbox.SHARE_REQUEST_CREATED:
        return list(event.recipients)
    request = session.get(ShareRequest, uuid.UUID(event.payload["request_id"]))
    if request is None or not is_effectively_open(request, now):
        return []  # taken, cancelled or started before the worker got to it
    return [c.user_id for c in find_candidates(request, limit=NEW_REQUEST_AUDIENCE)]


def _active(user_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    if not user_ids:
        return set()
    return set(
        session.scalars(select(User.id).where(User.id.in_(user_ids), User.status == USER_ACTIVE))
    )


def fan_out(now: datetime, *, limit: int = 100) -> FanOut:
    """Turn up to ``limit`` unprocessed events into notifications; the caller commits."""
    events = claim_events(limit)
    written = 0
    for event in events:
        event.processed_at = now
        kind = KIND_TYPES.get(event.kind)
        if kind is None:
            continue  # an event nobody is pushed about (e.g. match.completed)
        recipients = recipients_of(event, now)
        active = _active(recipients)
        prefs = preferences_for(active)
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
            if user_id in active and wants(prefs[user_id], kind)
        ]
        if rows:
            result = session.execute(
                insert(Notification)
                .values(rows)
                .on_conflict_do_nothing(index_elements=["outbox_event_id", "user_id"])
                .returning(Notification.id)
            )
            written += len(result.all())
    session.flush()
    return FanOut(events=len(events), notifications=written)
