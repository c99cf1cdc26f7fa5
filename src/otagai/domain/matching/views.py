"""What a candidate may see of a request, as plain data (the API schema renders it): the
feed's items, and the children as counts and age bands.

Children are the delicate part: anybody but their household and the matched supporter
knows them only as a count and age bands, taken on the activity day (Tokyo).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from otagai.domain.communities.queries import community_names
from otagai.domain.matching.candidates import TIERS, activity_day
from otagai.domain.people.ages import age_on
from otagai.domain.people.queries import people_by_id
from otagai.domain.people.views import person
from otagai.domain.requests.models import ShareRequest
from otagai.domain.requests.queries import request_children
from otagai.domain.thanks.recommend import recommended_thank_you

# Children are shown to anybody but their household and the matched supporter only as
# age bands (age on the activity day, Tokyo).
AGE_BANDS = ("0", "1-2", "3-5", "6-11", "12-18")


def age_band(age: int) -> str:
    if age <= 0:
        return "0"
    if age <= 2:
        return "1-2"
    if age <= 5:
        return "3-5"
    if age <= 11:
        return "6-11"
    return "12-18"


@dataclass(frozen=True)
class RequestChild:
    id: uuid.UUID
    nickname: str | None
    birth_date: date | None
    notes: str | None


def children_of(request_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[RequestChild]]:
    """The live children of each request (a child removed since is not shown)."""
    return {
        request_id: [RequestChild(c.id, c.nickname, c.birth_date, c.notes) for c in children]
        for request_id, children in request_children(request_ids).items()
    }


def _ages(request: ShareRequest, children: Sequence[RequestChild]) -> list[int]:
    day = activity_day(request)
    return [age_on(c.birth_date, day) for c in children if c.birth_date is not None]


def children_summary(request: ShareRequest, children: Sequence[RequestChild]) -> dict[str, Any]:
    """``{count, age_bands}``: what non-matched readers may know about the children."""
    return {
        "count": len(children),
        "age_bands": [age_band(a) for a in sorted(_ages(request, children))],
    }


def children_summaries(requests: Sequence[ShareRequest]) -> dict[uuid.UUID, dict[str, Any]]:
    """``{count, age_bands}`` per request, in one query (for lists such as the feed)."""
    children = children_of(r.id for r in requests)
    return {r.id: children_summary(r, children.get(r.id, [])) for r in requests}


def feed_views(rows: Sequence[Any]) -> list[dict[str, Any]]:
    """What a candidate may see of each request: no coordinates, no children's names."""
    requests = [row.ShareRequest for row in rows]
    people = people_by_id(r.requester_id for r in requests)
    names = community_names(r.community_id for r in requests)
    children = children_summaries(requests)
    views = []
    for row in rows:
        r: ShareRequest = row.ShareRequest
        views.append(
            {
                "id": r.id,
                "kind": r.kind,
                "title": r.title,
                "starts_at": r.starts_at,
                "ends_at": r.ends_at,
                "distance_m": row.distance_m,
                "requester": person(r.requester_id, people.get(r.requester_id)),
                "community": {"id": r.community_id, "name": names.get(r.community_id)},
                "trust_tier": TIERS[row.tier],
                "children": children[r.id],
                "item": (
                    {"category": r.item_category, "description": r.item_description}
                    if r.item_category is not None
                    else None
                ),
                "intended_thank_you_jpy": r.intended_thank_you_jpy,
                "recommended_thank_you": recommended_thank_you(r.kind, r.starts_at, r.ends_at),
            }
        )
    return views
