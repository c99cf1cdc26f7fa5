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

from otagai.domain.matching.candidates import TIERS, activity_day
from otagai.domain.people.ages import age_on
from otagai.domain.people.views import stub
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


def births_summary(request: ShareRequest, births: Sequence[date | None]) -> dict[str, Any]:
    """``{count, age_bands}`` of children born on ``births``: what non-matched readers may
    know about them (ages on the activity day, youngest first)."""
    day = activity_day(request)
    ages = sorted(age_on(born, day) for born in births if born is not None)
    return {"count": len(births), "age_bands": [age_band(a) for a in ages]}


def children_summary(request: ShareRequest, children: Sequence[RequestChild]) -> dict[str, Any]:
    """``{count, age_bands}``: what non-matched readers may know about the children."""
    return births_summary(request, [c.birth_date for c in children])


def children_summaries(requests: Sequence[ShareRequest]) -> dict[uuid.UUID, dict[str, Any]]:
    """``{count, age_bands}`` per request, in one query (for lists such as the feed)."""
    children = children_of(r.id for r in requests)
    return {r.id: children_summary(r, children.get(r.id, [])) for r in requests}


def feed_views(
    rows: Sequence[Any], friend_of: dict[uuid.UUID, str | None] | None = None
) -> list[dict[str, Any]]:
    """What a candidate may see of each request: no coordinates, no children's names. The
    rows carry the requester's and the community's names and the children's birth dates
    (matching/feed.py reads them in its one query)."""
    views = []
    via = friend_of or {}
    for row in rows:
        r: ShareRequest = row.ShareRequest
        # A friend of a friend sees the requester only as "a friend of <intermediary>".
        fof = TIERS[row.tier] == "friend_of_friend"
        views.append(
            {
                "id": r.id,
                "kind": r.kind,
                "title": r.title,
                "starts_at": r.starts_at,
                "ends_at": r.ends_at,
                "distance_m": row.distance_m,
                "requester": stub(r.requester_id, None if fof else row.requester_name),
                "community": {"id": r.community_id, "name": row.community_name},
                "trust_tier": TIERS[row.tier],
                "children": births_summary(r, row.child_births or []),
                "item": (
                    {"category": r.item_category, "description": r.item_description}
                    if r.item_category is not None
                    else None
                ),
                "intended_thank_you_jpy": r.intended_thank_you_jpy,
                "recommended_thank_you": recommended_thank_you(r.kind, r.starts_at, r.ends_at),
            }
        )
        if fof:
            views[-1]["friend_of"] = via.get(r.requester_id)
    return views
