"""The activity report (援助活動報告書) of a match, two-party like the handover:

- The supporter drafts it once the match's start has passed (not on a cancelled match):
  the actual start and end, what was done, whether an incident happened and what. A new
  draft replaces the last one, until the report is confirmed.
- The requester's household confirms it, after which nothing of it changes (409), or
  disputes it with a comment; the supporter may then redraft, and the household decides
  again.
- An incident opens the match's insurance claim when it is first reported (drafted, not
  confirmed: a hurt child's claim must not wait for the other party, and a dispute must
  not bury it), once per match; operators close a claim that turns out to be nothing.

Every draft and decision is a line of the match's timeline. The match row is locked (after
its request, as ``lifecycle`` does) for the checks and the write, so a draft, a decision
and a cancellation of one match take turns.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from otagai.domain import clock
from otagai.domain.actors import Actor, require_user
from otagai.domain.insurance.claims import open_claim
from otagai.domain.matches import timeline
from otagai.domain.matches.lifecycle import lock_match
from otagai.domain.matches.models import CANCELLED, Match
from otagai.domain.matches.services import get_match
from otagai.domain.people.queries import people_by_id
from otagai.domain.people.views import person
from otagai.domain.reports.models import CONFIRMED, DRAFT, ActivityReport
from otagai.errors import Conflict, NotFound, RuleViolation, require
from otagai.extensions.db import session

# The actual times may differ from the scheduled ones, by this much at most either side.
SLACK = timedelta(hours=6)
# A phone's clock a little ahead of ours may still say "it ended just now".
CLOCK_SKEW = timedelta(minutes=5)


def report_of(match_id: uuid.UUID) -> ActivityReport | None:
    return session.scalars(
        select(ActivityReport).where(ActivityReport.match_id == match_id)
    ).one_or_none()


def _check_times(match: Match, started_at: datetime, ended_at: datetime, at: datetime) -> None:
    errors: dict[str, list[str]] = {}
    earliest, latest = match.starts_at - SLACK, match.ends_at + SLACK
    for name, value in (("started_at", started_at), ("ended_at", ended_at)):
        if not earliest <= value <= latest:
            errors[name] = ["Must be within 6 hours of the scheduled start and end."]
        elif value > at + CLOCK_SKEW:
            errors[name] = ["Must not be in the future."]
    if ended_at <= started_at:
        errors.setdefault("ended_at", ["Must be after started_at."])
    if errors:
        raise RuleViolation("report_times_invalid", errors=errors)


def draft_report(
    actor: Actor,
    match_id: uuid.UUID,
    *,
    started_at: datetime,
    ended_at: datetime,
    activities: str,
    incident: bool,
    incident_text: str | None = None,
    now: datetime | None = None,
) -> tuple[ActivityReport, bool]:
    """The supporter's draft, and whether it is the first one."""
    user = require_user(actor)
    match = get_match(actor, match_id)
    require(user.id == match.supporter_id, "supporter_only")
    match, request = lock_match(match)
    at = clock.now(now)  # read after the lock: the time the draft is recorded at
    if match.status == CANCELLED:
        raise Conflict("report_match_cancelled")
    if at < match.starts_at:
        raise Conflict("report_too_early")
    report = report_of(match.id)
    if report is not None and report.status == CONFIRMED:
        raise Conflict("report_already_confirmed")
    _check_times(match, started_at, ended_at, at)
    created = report is None
    if report is None:
        report = ActivityReport(
            id=uuid.uuid4(),
            match_id=match.id,
            supporter_id=user.id,
            created_at=at,
            community_id=request.community_id,
            municipality_code=match.municipality_code,
            kind=match.kind,
            match_starts_at=match.starts_at,
        )
        session.add(report)
    report.started_at, report.ended_at = started_at, ended_at
    report.activities = activities
    report.incident = incident
    report.incident_text = incident_text if incident else None
    # A redraft after a dispute goes back to the household for a new decision.
    report.status = DRAFT
    report.drafted_at = at
    report.decided_at = report.decided_by_id = report.decision_comment = None
    timeline.record(
        match, timeline.REPORT_DRAFTED, at=at, actor_id=user.id, data={"incident": incident}
    )
    if incident and open_claim(match, incident_text or "", at=at):
        timeline.record(match, timeline.INCIDENT_REPORTED, at=at, dedupe_key=f"incident:{match.id}")
    session.flush()
    return report, created


def decide_report(
    actor: Actor,
    match_id: uuid.UUID,
    *,
    decision: str,
    comment: str | None = None,
    now: datetime | None = None,
) -> ActivityReport:
    """The requester's household confirms the report (final) or disputes it."""
    user = require_user(actor)
    match = get_match(actor, match_id)
    require(
        user.id == match.requester_id or user.household_id == match.requester_household_id,
        "requester_only",
    )
    match, _ = lock_match(match)
    at = clock.now(now)
    report = report_of(match.id)
    if report is None:
        raise NotFound("report_not_found")
    if report.status == CONFIRMED:
        raise Conflict("report_already_confirmed")
    report.status = decision
    report.decided_at = at
    report.decided_by_id = user.id
    report.decision_comment = comment
    type = timeline.REPORT_CONFIRMED if decision == CONFIRMED else timeline.REPORT_DISPUTED
    timeline.record(match, type, at=at, actor_id=user.id)
    session.flush()
    return report


def get_report(actor: Actor, match_id: uuid.UUID) -> tuple[ActivityReport, Match]:
    """The report of a match I am a party to (404 for anybody else, as the match)."""
    match = get_match(actor, match_id)
    report = report_of(match.id)
    if report is None:
        raise NotFound("report_not_found")
    return report, match


def report_view(report: ActivityReport) -> dict[str, Any]:
    people = people_by_id([report.supporter_id, report.decided_by_id])
    return {
        "match_id": report.match_id,
        "status": report.status,
        "started_at": report.started_at,
        "ended_at": report.ended_at,
        "activities": report.activities,
        "incident": report.incident,
        "incident_text": report.incident_text,
        "supporter": person(report.supporter_id, people.get(report.supporter_id)),
        "created_at": report.created_at,
        "drafted_at": report.drafted_at,
        "decided_at": report.decided_at,
        "decided_by": (
            person(report.decided_by_id, people.get(report.decided_by_id))
            if report.decided_by_id
            else None
        ),
        "decision_comment": report.decision_comment,
    }
