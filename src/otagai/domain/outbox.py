"""The one hook for telling people about a change: ``enqueue`` an outbox event in the
caller's transaction (committed with the change, or not at all). The notification worker
turns each event into pushes (``notifications/fanout.py``) and sets ``processed_at``.

At the bottom of the domain: every area that changes something people are told about
writes here, and the notifications area, which reads those areas to word the pushes,
sits above them all."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Index, String
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID, insert
from sqlalchemy.orm import Mapped, mapped_column

from otagai.extensions.db import Base, CreatedAt, UUIDPrimaryKey, session

SHARE_REQUEST_CREATED = "share_request.created"  # recipients: found by the worker
# A widening request reached a new rung: its newly reached candidates (recipients), told
# as of a new request; and its last rung: the community's coordinators.
SHARE_REQUEST_WIDENED = "share_request.widened"
SHARE_REQUEST_UNANSWERED = "share_request.unanswered"
OFFER_CREATED = "offer.created"
OFFER_ACCEPTED = "offer.accepted"
OFFER_DECLINED = "offer.declined"
MATCH_COMPLETED = "match.completed"
MATCH_CANCELLED = "match.cancelled"
MATCH_REMINDER = "match.reminder"
MATCH_CHECKIN = "match.checkin"  # payload: match_id, checkin (its type)
MATCH_HANDOVER_LOCKED = "match.handover_locked"  # too many wrong handover codes
MATCH_LATE = "match.late"  # a late escalation step; payload: match_id, missing, step
MATCH_NO_SHOW = "match.no_show"  # payload: match_id, no_show ("recorded" | "answered")
CERTIFICATION_GRANTED = "certification.granted"
CERTIFICATION_EXPIRING = "certification.expiring"
CERTIFICATION_REVOKED = "certification.revoked"
# A consenting household with no connection: its communities' next event (payload: event_id).
HOUSEHOLD_WELCOME = "household.welcome"
THANK_YOU_RECORDED = "thank_you.recorded"
THANK_YOU_ACKNOWLEDGED = "thank_you.acknowledged"
THANK_YOU_PAID = "thank_you.paid"
THANK_YOU_PAYMENT_FAILED = "thank_you.payment_failed"


class OutboxEvent(UUIDPrimaryKey, CreatedAt, Base):
    """Something the people in ``recipients`` should be told about. ``payload`` holds ids
    only (no names, texts or places): the deliverer reads what it shows afresh, so a
    notification never outlives a deletion of the data it mentions.

    ``dedupe_key`` makes scheduled events (reminders, expiry notices) idempotent: a job
    that runs twice, or on two workers, writes the event once."""

    __tablename__ = "outbox_events"
    __table_args__ = (
        # The deliverer reads the unprocessed events oldest first.
        Index(
            "ix_outbox_events_unprocessed",
            "created_at",
            postgresql_where="processed_at IS NULL",
        ),
    )

    kind: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    recipients: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(UUID(as_uuid=True)))
    processed_at: Mapped[datetime | None]
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)


PayloadValue = uuid.UUID | str | int | None


def enqueue(
    kind: str, payload: Mapping[str, PayloadValue], recipients: Iterable[uuid.UUID]
) -> OutboxEvent:
    """Write one event. ``payload`` carries ids (and codes), never personal data; UUIDs are
    stored as strings. Recipients are deduplicated, order kept."""
    event = OutboxEvent(
        id=uuid.uuid4(),
        kind=kind,
        payload={k: str(v) if isinstance(v, uuid.UUID) else v for k, v in payload.items()},
        recipients=list(dict.fromkeys(recipients)),
    )
    session.add(event)
    session.flush()
    return event


def enqueue_once(
    kind: str,
    payload: Mapping[str, PayloadValue],
    recipients: Iterable[uuid.UUID],
    *,
    dedupe_key: str,
) -> bool:
    """``enqueue`` for scheduled events: the first call with ``dedupe_key`` writes it, any
    later one (another tick, another worker) writes nothing. True if written."""
    written = session.execute(
        insert(OutboxEvent)
        .values(
            id=uuid.uuid4(),
            kind=kind,
            payload={k: str(v) if isinstance(v, uuid.UUID) else v for k, v in payload.items()},
            recipients=list(dict.fromkeys(recipients)),
            dedupe_key=dedupe_key,
        )
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(OutboxEvent.id)
    ).first()
    return written is not None
