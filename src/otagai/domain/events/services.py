"""Community events (交流イベント): coordinators create them and record who came; members
see what is coming up in their communities."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.dialects.postgresql import insert

from otagai.domain import clock
from otagai.domain.actors import Actor, require_user
from otagai.domain.audit import services as audit
from otagai.domain.communities.models import CommunityMember
from otagai.domain.communities.policies import can_view_member_content
from otagai.domain.communities.roles import get_community, require_coordinator, role_in
from otagai.domain.events.models import Event, EventAttendance
from otagai.domain.people.models import User
from otagai.errors import NotFound, RuleViolation, require
from otagai.extensions.db import session
from otagai.extensions.geo import LatLng

# A coordinator may record an event after the fact (up to a month back) and plan up to a
# year ahead; an event lasts at most a day.
PAST_WINDOW = timedelta(days=30)
FUTURE_WINDOW = timedelta(days=365)
MAX_DURATION = timedelta(hours=24)
# Attendance: from an hour before the start (people arrive early) to a month after.
ATTENDANCE_OPENS = timedelta(hours=1)
ATTENDANCE_CLOSES = timedelta(days=30)
# An event without an end time is listed as upcoming until two hours after its start.
ASSUMED_DURATION = timedelta(hours=2)

TOO_FAR_BACK = "Must be at most 30 days ago."
TOO_FAR_AHEAD = "Must be at most one year ahead."
ENDS_BEFORE_START = "Must be after starts_at."
TOO_LONG = "Must be at most 24 hours after starts_at."
NOT_A_MEMBER = "Not a member of this community."


def _check_times(starts_at: datetime, ends_at: datetime | None, now: datetime) -> None:
    errors: dict[str, list[str]] = {}
    if now - starts_at > PAST_WINDOW:
        errors["starts_at"] = [TOO_FAR_BACK]
    elif starts_at - now > FUTURE_WINDOW:
        errors["starts_at"] = [TOO_FAR_AHEAD]
    if ends_at is not None:
        if ends_at <= starts_at:
            errors["ends_at"] = [ENDS_BEFORE_START]
        elif ends_at - starts_at > MAX_DURATION:
            errors["ends_at"] = [TOO_LONG]
    if errors:
        raise RuleViolation("validation_failed", errors=errors)


def create_event(
    actor: Actor,
    community_id: uuid.UUID,
    *,
    title: str,
    starts_at: datetime,
    place: LatLng,
    ends_at: datetime | None = None,
    description: str | None = None,
    place_name: str | None = None,
    now: datetime | None = None,
) -> Event:
    community = get_community(community_id)
    coordinator = require_coordinator(actor, community_id)
    _check_times(starts_at, ends_at, clock.now(now))
    event = Event(
        id=uuid.uuid4(),
        community_id=community_id,
        title=title,
        description=description,
        starts_at=starts_at,
        ends_at=ends_at,
        place=place.to_element(),
        place_name=place_name,
        created_by_id=coordinator.id,
    )
    session.add(event)
    session.flush()
    audit.record(
        actor,
        role="coordinator",
        action="event.create",
        target_type="event",
        target_id=event.id,
        community_id=community_id,
        municipality_code=community.municipality_code,
        details={"title": title, "starts_at": starts_at.isoformat()},
    )
    return event


def _visible(actor: Actor, event_id: uuid.UUID) -> Event:
    """The event for its community's members and operators; 404 for anybody else."""
    event = session.get(Event, event_id)
    if event is None or not can_view_member_content(role_in(actor.user, event.community_id), actor):
        raise NotFound("event_not_found")
    return event


def get_event(actor: Actor, event_id: uuid.UUID) -> Event:
    return _visible(actor, event_id)


def _not_over_by(since: datetime) -> Select[Event]:
    """Events that have not ended at ``since``, soonest first (then by id, for paging).
    The lower bound on starts_at keeps the (community_id, starts_at) index in use."""
    ends = func.coalesce(Event.ends_at, Event.starts_at + ASSUMED_DURATION)
    return select(Event).where(Event.starts_at >= since - MAX_DURATION, ends > since)


def community_events(actor: Actor, community_id: uuid.UUID, *, since: datetime) -> Select[Event]:
    get_community(community_id)
    require(can_view_member_content(role_in(actor.user, community_id), actor), "members_only")
    return _not_over_by(since).where(Event.community_id == community_id)


def my_events(actor: Actor, *, since: datetime) -> Select[Event]:
    """Upcoming events of every community I belong to."""
    user = require_user(actor)
    mine = select(CommunityMember.community_id).where(CommunityMember.user_id == user.id)
    return _not_over_by(since).where(Event.community_id.in_(mine))


def _for_coordinator(actor: Actor, event_id: uuid.UUID) -> tuple[Event, User]:
    """Members who are not its coordinators get a 403, everybody else a 404."""
    event = _visible(actor, event_id)
    return event, require_coordinator(actor, event.community_id)


def record_attendance(
    actor: Actor, event_id: uuid.UUID, *, user_id: uuid.UUID, now: datetime | None = None
) -> tuple[EventAttendance, bool]:
    """Record that a member came. Recording them twice changes nothing (and answers the
    first record, with ``False``)."""
    event, coordinator = _for_coordinator(actor, event_id)
    at = clock.now(now)
    if event.starts_at - at > ATTENDANCE_OPENS:
        raise RuleViolation("event_not_started")
    if at - event.starts_at > ATTENDANCE_CLOSES:
        raise RuleViolation("attendance_closed")
    user = session.get(User, user_id)
    if user is None or not user.is_active:
        raise NotFound("user_not_found")
    if role_in(user, event.community_id) is None:
        raise RuleViolation("not_a_member", errors={"user_id": [NOT_A_MEMBER]})
    inserted = session.execute(
        insert(EventAttendance)
        .values(event_id=event.id, user_id=user.id, recorded_by_id=coordinator.id, recorded_at=at)
        .on_conflict_do_nothing(index_elements=["event_id", "user_id"])
        .returning(EventAttendance.user_id)
    ).scalar_one_or_none()
    attendance = session.scalars(
        select(EventAttendance)
        .where(EventAttendance.event_id == event.id, EventAttendance.user_id == user.id)
        .execution_options(populate_existing=True)
    ).one()
    created = inserted is not None
    if created:
        community = get_community(event.community_id)
        audit.record(
            actor,
            role="coordinator",
            action="event.attendance",
            target_type="event",
            target_id=event.id,
            community_id=event.community_id,
            municipality_code=community.municipality_code,
            details={"user_id": str(user.id)},
        )
    return attendance, created


def event_attendances(actor: Actor, event_id: uuid.UUID) -> Select[EventAttendance]:
    """Who came, for the community's coordinators and operators."""
    event = _visible(actor, event_id)
    if not actor.is_operator:
        require_coordinator(actor, event.community_id)
    return select(EventAttendance).where(EventAttendance.event_id == event.id)
