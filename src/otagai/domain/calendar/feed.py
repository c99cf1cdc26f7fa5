"""The calendar feed (icalendar): my household's and my matches, confirmed or completed,
and the upcoming dates of the series of my household or that I support that have no
confirmed match yet.

What an event says, for any calendar app and anybody who sees the phone's lock screen:
its kind and "Otagai" (``お迎え · Otagai``), its times (TZID=Asia/Tokyo, with a
VTIMEZONE), a status. No child's name, no place, no note, no person's name. Each event's
UID is made of the row's id (``match-<uuid>@otagai``, ``occurrence-<uuid>@otagai``), so
a regenerated feed updates the same events instead of adding copies.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from icalendar import Calendar, Event, Timezone
from sqlalchemy import or_, select

from otagai.domain.clock import TOKYO
from otagai.domain.matches.models import CANCELLED, CONFIRMED, Match
from otagai.domain.people.models import User
from otagai.domain.series.models import ACTIVE, SCHEDULED, SeriesOccurrence, ShareSeries
from otagai.extensions.db import session

KIND_LABELS = {"pickup": "お迎え", "babysitting": "預かり", "lending": "貸し借り"}
# How far back past matches stay in the feed.
PAST = timedelta(days=90)
LIMIT = 500


def summary(kind: str) -> str:
    return f"{KIND_LABELS.get(kind, kind)} · Otagai"


def _event(uid: str, kind: str, start: datetime, end: datetime, status: str) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("summary", summary(kind))
    event.add("dtstart", start.astimezone(TOKYO))
    event.add("dtend", end.astimezone(TOKYO))
    event.add("dtstamp", start.astimezone(TOKYO))  # stable: the feed changes only when it does
    event.add("status", status)
    return event


def calendar_of(user: User, now: datetime) -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//Otagai//Calendar feed//JA")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", "Otagai")
    cal.add("x-wr-timezone", TOKYO.key)
    cal.add_component(Timezone.from_tzid(TOKYO.key))
    matches = session.scalars(
        select(Match)
        .where(
            or_(Match.requester_household_id == user.household_id, Match.supporter_id == user.id),
            Match.status != CANCELLED,
            Match.ends_at > now - PAST,
        )
        .order_by(Match.starts_at, Match.id)
        .limit(LIMIT)
    ).all()
    matched_requests = {m.request_id for m in matches if m.status == CONFIRMED}
    for m in matches:
        cal.add_component(
            _event(f"match-{m.id}@otagai", m.kind, m.starts_at, m.ends_at, "CONFIRMED")
        )
    occurrences = session.execute(
        select(SeriesOccurrence, ShareSeries.kind)
        .join(ShareSeries, ShareSeries.id == SeriesOccurrence.series_id)
        .where(
            or_(ShareSeries.household_id == user.household_id, ShareSeries.supporter_id == user.id),
            ShareSeries.status == ACTIVE,
            SeriesOccurrence.status == SCHEDULED,
            SeriesOccurrence.starts_at > now,
        )
        .order_by(SeriesOccurrence.starts_at, SeriesOccurrence.id)
        .limit(LIMIT)
    ).all()
    for occurrence, kind in occurrences:
        if occurrence.request_id in matched_requests:
            continue  # its match is in the feed already
        cal.add_component(
            _event(
                f"occurrence-{occurrence.id}@otagai",
                kind,
                occurrence.starts_at,
                occurrence.ends_at,
                "TENTATIVE",
            )
        )
    return bytes(cal.to_ical())
