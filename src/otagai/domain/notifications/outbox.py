"""The one hook for telling people about a change: ``enqueue`` an outbox event in the
caller's transaction (committed with the change, or not at all). The notifications issue
delivers them (push, then sets ``processed_at``)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping

from otagai.domain.notifications.models import OutboxEvent
from otagai.extensions.db import session

MATCH_COMPLETED = "match.completed"
MATCH_CANCELLED = "match.cancelled"
THANK_YOU_RECORDED = "thank_you.recorded"
THANK_YOU_ACKNOWLEDGED = "thank_you.acknowledged"
THANK_YOU_PAID = "thank_you.paid"
THANK_YOU_PAYMENT_FAILED = "thank_you.payment_failed"

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
