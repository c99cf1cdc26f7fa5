"""The scheduled jobs the notification worker runs on every tick, each idempotent: a
tick that runs twice, late, or on two workers at once writes each event once (the
outbox's ``dedupe_key``), and a tick missed while the worker was down is caught up by
the next one (each job looks at a window, not at an instant).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from otagai.config import LATE_ESCALATION_DEFAULTS
from otagai.domain import outbox
from otagai.domain.clock import TOKYO
from otagai.domain.matches.escalation import Windows, escalate_late
from otagai.domain.matches.models import CONFIRMED, Match
from otagai.domain.requests.models import ShareRequest
from otagai.domain.requests.services import expire_requests
from otagai.domain.series.occurrences import materialize_due
from otagai.domain.sharing.widening import widen_requests
from otagai.domain.trust.models import Certification
from otagai.domain.trust.welcome import welcome_isolated
from otagai.extensions.db import session

REMINDER_AHEAD = timedelta(minutes=60)
EXPIRY_NOTICE_DAYS = 14


@dataclass(frozen=True)
class Tick:
    reminders: int
    expiry_notices: int
    requests_expired: int
    late_escalations: int = 0
    welcomes: int = 0
    rungs_climbed: int = 0
    series_occurrences: int = 0


def remind_matches(now: datetime) -> int:
    """Both parties of each confirmed match starting within the next 60 minutes."""
    due = (
        select(
            Match.id,
            Match.request_id,
            Match.requester_id,
            Match.supporter_id,
            ShareRequest.starts_at,
        )
        .join(ShareRequest, ShareRequest.id == Match.request_id)
        .where(
            Match.status == CONFIRMED,
            ShareRequest.starts_at > now,
            ShareRequest.starts_at <= now + REMINDER_AHEAD,
        )
    )
    written = 0
    for match_id, request_id, requester_id, supporter_id, starts_at in session.execute(due):
        written += outbox.enqueue_once(
            outbox.MATCH_REMINDER,
            {"match_id": match_id, "request_id": request_id},
            [requester_id, supporter_id],
            dedupe_key=f"match-reminder:{match_id}:{starts_at.isoformat()}",
        )
    return written


def notify_expiring_certifications(now: datetime) -> int:
    """Supporters whose certification ends within 14 days (Tokyo calendar), once per
    expiry date: a renewal moves the date, and the next notice comes in its time."""
    today = now.astimezone(TOKYO).date()
    due = select(
        Certification.id,
        Certification.user_id,
        Certification.community_id,
        Certification.expires_on,
    ).where(
        Certification.revoked_at.is_(None),
        Certification.expires_on >= today,
        Certification.expires_on <= today + timedelta(days=EXPIRY_NOTICE_DAYS),
    )
    written = 0
    for cert_id, user_id, community_id, expires_on in session.execute(due):
        written += outbox.enqueue_once(
            outbox.CERTIFICATION_EXPIRING,
            {"certification_id": cert_id, "community_id": community_id},
            [user_id],
            dedupe_key=f"certification-expiring:{cert_id}:{expires_on.isoformat()}",
        )
    return written


def tick(
    now: datetime,
    late_escalation: Windows | None = None,
    series_horizon: timedelta = timedelta(days=21),
) -> Tick:
    """Every job once; the caller commits. ``late_escalation``: the windows of the
    settings' LATE_ESCALATION (the defaults if not given); ``series_horizon``: how far
    ahead series occurrences become requests (SERIES_HORIZON_DAYS)."""
    expired = expire_requests(now)
    return Tick(
        reminders=remind_matches(now),
        expiry_notices=notify_expiring_certifications(now),
        requests_expired=expired.requests,
        late_escalations=escalate_late(now, late_escalation or LATE_ESCALATION_DEFAULTS),
        welcomes=welcome_isolated(now),
        rungs_climbed=widen_requests(now),
        series_occurrences=materialize_due(now, series_horizon),
    )
