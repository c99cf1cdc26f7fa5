"""A way in for isolated families (docs/welcome.md), only with the household's consent
(``Household.welcome_consent``, off unless given):

- ``welcome_isolated``, a job of the worker's tick: a consenting household with no
  connection ``JOINED_DAYS`` days after it joined gets one gentle push about the soonest
  upcoming event of its members' communities, at most once a Tokyo month. The push is an
  ordinary non-urgent notification: quiet hours hold it until they end.
- ``community_newcomers``: for a community's coordinators, its members whose household
  consented and has no connection yet, to welcome at the next event: display names and
  the day they joined, nothing else.

Cheap with a million households: the job looks at each consenting household at most once
a Tokyo day (``welcome_checked_on``, through the partial index of consenting households)
and at most ``BATCH`` of them a tick; a household pushed this month is not looked at again
until the next one (``welcome_pushed_month``).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists, or_, select

from otagai.domain import outbox
from otagai.domain.actors import Actor
from otagai.domain.clock import TOKYO
from otagai.domain.communities.models import CommunityMember
from otagai.domain.communities.roles import get_community, require_coordinator
from otagai.domain.events.models import Event
from otagai.domain.people.models import USER_ACTIVE, Household, User
from otagai.domain.people.views import stub
from otagai.domain.trust.models import Connection
from otagai.extensions.db import session
from otagai.extensions.keyset import Page, aware_created_and_id, paginate

JOINED_DAYS = 14
BATCH = 500


def has_connection(user_id: Any) -> Any:
    """SQL: the user has a connection (either side of the pair; both are indexed)."""
    return or_(
        exists().where(Connection.user_low_id == user_id),
        exists().where(Connection.user_high_id == user_id),
    )


def household_connected(household_id: Any) -> Any:
    """SQL: some member of the household (whatever their status) has a connection."""
    member = User.__table__.alias("connected_member")
    return exists(
        select(member.c.id).where(
            member.c.household_id == household_id, has_connection(member.c.id)
        )
    )


def _next_event(member_ids: list[uuid.UUID], now: datetime) -> uuid.UUID | None:
    """The soonest event to come of the members' communities."""
    communities = select(CommunityMember.community_id).where(
        CommunityMember.user_id.in_(member_ids)
    )
    return session.scalar(
        select(Event.id)
        .where(Event.community_id.in_(communities), Event.starts_at > now)
        .order_by(Event.starts_at, Event.id)
        .limit(1)
    )


def welcome_isolated(now: datetime, *, batch: int = BATCH) -> int:
    """Look at up to ``batch`` consenting households not looked at today; push those that
    joined ``JOINED_DAYS`` days ago or more, have no connection and were not pushed this
    Tokyo month, if one of their communities has an event to come. The pushes written."""
    today = now.astimezone(TOKYO).date()
    month = today.replace(day=1)
    due = session.scalars(
        select(Household)
        .where(
            Household.welcome_consent,
            or_(Household.welcome_checked_on.is_(None), Household.welcome_checked_on < today),
            or_(Household.welcome_pushed_month.is_(None), Household.welcome_pushed_month < month),
            Household.merged_into_id.is_(None),
            Household.created_at <= now - timedelta(days=JOINED_DAYS),
        )
        .limit(batch)
        .with_for_update(skip_locked=True)
    ).all()
    written = 0
    for household in due:
        household.welcome_checked_on = today
        members = list(
            session.scalars(
                select(User.id).where(User.household_id == household.id, User.status == USER_ACTIVE)
            )
        )
        if not members or session.scalar(select(household_connected(household.id))):
            continue
        event_id = _next_event(members, now)
        if event_id is None:
            continue  # nothing to invite to yet: looked at again tomorrow
        written += outbox.enqueue_once(
            outbox.HOUSEHOLD_WELCOME,
            {"event_id": event_id},
            members,
            dedupe_key=f"household-welcome:{household.id}:{month:%Y-%m}",
        )
        household.welcome_pushed_month = month
    session.flush()
    return written


def community_newcomers(
    actor: Actor,
    community_id: uuid.UUID,
    *,
    limit: int,
    cursor: str | None,
) -> Page[dict[str, Any]]:
    """The community's members whose household consented and has no connection yet,
    the latest to join first: ``{"person": {id, display_name}, "joined_on"}``."""
    get_community(community_id)
    require_coordinator(actor, community_id)
    stmt: Any = (
        select(CommunityMember.joined_at, User.id, User.display_name)
        .join(User, User.id == CommunityMember.user_id)
        .join(Household, Household.id == User.household_id)
        .where(
            CommunityMember.community_id == community_id,
            User.status == USER_ACTIVE,
            Household.welcome_consent,
            ~household_connected(Household.id),
        )
    )
    page = paginate(
        stmt,
        keys=[CommunityMember.joined_at, User.id],
        limit=limit,
        cursor=cursor,
        after=aware_created_and_id,
        descending=True,
        mappings=True,
    )
    return page.map(lambda rows: [_view(row) for row in rows])


def _view(row: Any) -> dict[str, Any]:
    return {
        "person": stub(row["id"], row["display_name"]),
        "joined_on": row["joined_at"].astimezone(TOKYO).date(),
    }
