"""Community events and their attendance as the API shows them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from otagai.domain.communities.queries import community_names
from otagai.domain.events.models import Event, EventAttendance
from otagai.domain.events.queries import attendance_counts
from otagai.domain.people.queries import people_by_id
from otagai.domain.people.views import person


def event_views(items: Sequence[Event]) -> list[dict[str, Any]]:
    counts = attendance_counts(e.id for e in items)
    names = community_names(e.community_id for e in items)
    return [
        {
            "id": e.id,
            "community_id": e.community_id,
            "community_name": names.get(e.community_id),
            "title": e.title,
            "description": e.description,
            "starts_at": e.starts_at,
            "ends_at": e.ends_at,
            "place": e.place,
            "place_name": e.place_name,
            "attendance_count": counts[e.id],
            "created_at": e.created_at,
        }
        for e in items
    ]


def attendance_views(items: Sequence[EventAttendance]) -> list[dict[str, Any]]:
    people = people_by_id([i for a in items for i in (a.user_id, a.recorded_by_id)])

    return [
        {
            "event_id": a.event_id,
            "user": person(a.user_id, people.get(a.user_id)),
            "recorded_by": person(a.recorded_by_id, people.get(a.recorded_by_id)),
            "recorded_at": a.recorded_at,
        }
        for a in items
    ]
