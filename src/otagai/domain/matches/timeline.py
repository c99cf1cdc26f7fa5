"""A match's timeline: everything that happened to it, in order, as both parties see it
(``GET /v1/matches/{id}/timeline``).

Two sources, merged by time: the match's own columns (confirmed, completed, cancelled),
and ``match_events`` rows that the safety features write through ``record`` (check-ins,
pickup-pass openings, escalation steps, reports, no-shows).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from otagai.domain.matches.models import Match, MatchEvent
from otagai.domain.people.queries import people_by_id
from otagai.domain.people.views import person
from otagai.extensions.db import session

# The match's own lifecycle, read from its columns.
CONFIRMED, COMPLETED, CANCELLED = "match_confirmed", "match_completed", "match_cancelled"
# Recorded events (``match_events.type``). Check-ins are named for what happened.
PICKED_UP, ARRIVED, HANDED_OVER = "picked_up", "arrived", "handed_over"  # a pickup
STARTED, ENDED = "started", "ended"  # babysitting
HANDOVER_CODE_REJECTED = "handover_code_rejected"  # a wrong code at the handover
PASS_OPENED = "pass_opened"  # the pickup pass opened at /pass/{token} (nursery staff)
LATE_ESCALATION = "late_escalation"  # data: missing (check-in), step (who was told)
REPORT_DRAFTED, REPORT_CONFIRMED, REPORT_DISPUTED = (
    "report_drafted",
    "report_confirmed",
    "report_disputed",
)
INCIDENT_REPORTED = "incident_reported"  # an insurance claim was opened
NO_SHOW_RECORDED, NO_SHOW_ANSWERED = "no_show_recorded", "no_show_answered"

TYPES = (
    CONFIRMED,
    PICKED_UP,
    ARRIVED,
    HANDED_OVER,
    STARTED,
    ENDED,
    HANDOVER_CODE_REJECTED,
    PASS_OPENED,
    LATE_ESCALATION,
    REPORT_DRAFTED,
    REPORT_CONFIRMED,
    REPORT_DISPUTED,
    INCIDENT_REPORTED,
    NO_SHOW_RECORDED,
    NO_SHOW_ANSWERED,
    COMPLETED,
    CANCELLED,
)

EventValue = str | int | bool | None


def record(
    match: Match,
    type: str,
    *,
    at: datetime,
    actor_id: uuid.UUID | None = None,
    data: Mapping[str, EventValue] | None = None,
    dedupe_key: str | None = None,
) -> bool:
    """Write one timeline event in the caller's transaction. With ``dedupe_key``, only the
    first call writes (another worker, a retry, a second tick record nothing): True if
    this call wrote it."""
    written = session.execute(
        insert(MatchEvent)
        .values(
            id=uuid.uuid4(),
            match_id=match.id,
            type=type,
            at=at,
            actor_id=actor_id,
            data=dict(data or {}),
            dedupe_key=dedupe_key,
        )
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(MatchEvent.id)
    ).first()
    return written is not None


def events_of(match_id: uuid.UUID, *types: str) -> list[MatchEvent]:
    """The match's recorded events (of ``types``, if given), oldest first."""
    stmt = select(MatchEvent).where(MatchEvent.match_id == match_id)
    if types:
        stmt = stmt.where(MatchEvent.type.in_(types))
    return list(session.scalars(stmt.order_by(MatchEvent.at, MatchEvent.id)))


def has_event(match_id: uuid.UUID, type: str) -> bool:
    return (
        session.scalar(
            select(MatchEvent.id)
            .where(MatchEvent.match_id == match_id, MatchEvent.type == type)
            .limit(1)
        )
        is not None
    )


def timeline_view(match: Match) -> list[dict[str, Any]]:
    """The match's timeline, oldest first: its lifecycle and its recorded events."""
    entries: list[tuple[datetime, int, dict[str, Any]]] = []
    lifecycle: list[tuple[str, datetime | None, uuid.UUID | None]] = [
        (CONFIRMED, match.created_at, None),
        (COMPLETED, match.completed_at, match.requester_id),
        (CANCELLED, match.cancelled_at, match.cancelled_by_id),
    ]
    events = events_of(match.id)
    people = people_by_id(
        [a for _, _, a in lifecycle if a] + [e.actor_id for e in events if e.actor_id]
    )

    def actor(user_id: uuid.UUID | None) -> dict[str, Any] | None:
        return person(user_id, people.get(user_id)) if user_id else None

    # At the same instant: the confirmation first, the match's end last.
    for rank, (type, at, actor_id) in zip((0, 2, 2), lifecycle, strict=True):
        if at is not None:
            entries.append((at, rank, _entry(type, at, actor(actor_id), {})))
    for event in events:
        entries.append(
            (event.at, 1, _entry(event.type, event.at, actor(event.actor_id), event.data))
        )
    entries.sort(key=lambda e: (e[0], e[1]))
    return [entry for _, _, entry in entries]


def _entry(
    type: str, at: datetime, actor: dict[str, Any] | None, data: dict[str, Any]
) -> dict[str, Any]:
    return {"type": type, "at": at, "actor": actor, "data": data}
