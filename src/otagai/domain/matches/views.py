"""A match as the API shows it."""

from __future__ import annotations

from typing import Any

from otagai.domain.matches.models import Match, NoShow
from otagai.domain.matches.noshows import no_show_of
from otagai.domain.people.queries import people_by_id
from otagai.domain.people.views import person


def match_view(match: Match) -> dict[str, Any]:
    """A match as the API shows it: ids, both parties' names, the stored insurance tag."""
    people = people_by_id([match.requester_id, match.supporter_id])

    return {
        "id": match.id,
        "request_id": match.request_id,
        "offer_id": match.offer_id,
        "requester_id": match.requester_id,
        "supporter_id": match.supporter_id,
        "requester": person(match.requester_id, people.get(match.requester_id)),
        "supporter": person(match.supporter_id, people.get(match.supporter_id)),
        "status": match.status,
        "starts_at": match.starts_at,
        "ends_at": match.ends_at,
        "insurance": match.insurance,
        "created_at": match.created_at,
        "completed_at": match.completed_at,
        "cancelled_at": match.cancelled_at,
        "cancel_reason": match.cancel_reason,
        "no_show": no_show_view(no_show_of(match.id)),
    }


def no_show_view(no_show: NoShow | None) -> dict[str, Any] | None:
    """What the parties see of a no-show: who reported it, the texts, the times."""
    if no_show is None:
        return None
    return {
        "reported_by": no_show.reported_by_role,
        "absent": no_show.absent_role,
        "reason": no_show.reason,
        "at": no_show.at,
        "answer": no_show.answer,
        "answered_at": no_show.answered_at,
    }
