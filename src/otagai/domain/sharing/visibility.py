"""Who may read a share request, and what each of them sees (shaped in ``views.py``).

- the requester and their household: everything (exact points, the children's details,
  offers awaiting a decision, the match);
- the supporter of its confirmed or completed match: exact points and the children's
  nickname and age, and their notes only from ``NOTES_BEFORE`` (24 h) before the start to
  ``NOTES_AFTER`` (2 h) after the end, when they are looking after them; outside that
  window the ``notes`` key is absent. Each such read is in the child's access log
  (``people/access_log.py``);
- a candidate, while the request is effectively open: a limited view — no coordinates
  (a distance rounded up to 100 m instead), children only as a count and age bands;
- everybody else: nothing (the service answers 404, not 403: ids are not probeable).

A supporter whose match was cancelled no longer needs the children's notes or the exact
points: they get the limited view.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from otagai.domain.matches.models import CANCELLED as MATCH_CANCELLED
from otagai.domain.matches.models import Match
from otagai.domain.matching.candidates import Candidate, candidate
from otagai.domain.people.models import User
from otagai.domain.requests.models import ShareRequest
from otagai.domain.requests.status import is_effectively_open
from otagai.extensions.db import session

HOUSEHOLD, SUPPORTER, CANDIDATE = "household", "supporter", "candidate"
# When the matched supporter may read the children's notes, around the share.
NOTES_BEFORE = timedelta(hours=24)
NOTES_AFTER = timedelta(hours=2)
PAST_SUPPORTER = "past_supporter"
VIEWER_ROLES = (HOUSEHOLD, SUPPORTER, CANDIDATE, PAST_SUPPORTER)


@dataclass(frozen=True)
class Viewer:
    """How the reader relates to the request."""

    role: str
    candidate: Candidate | None = None
    match: Match | None = None

    @property
    def sees_exact(self) -> bool:
        return self.role in (HOUSEHOLD, SUPPORTER)


def notes_visible(request: ShareRequest, at: datetime) -> bool:
    """Whether the matched supporter may read the children's notes at ``at``."""
    return request.starts_at - NOTES_BEFORE <= at <= request.ends_at + NOTES_AFTER


def match_of(request_id: uuid.UUID) -> Match | None:
    return session.scalar(select(Match).where(Match.request_id == request_id))


def viewer_of(user: User, request: ShareRequest, now: datetime | None = None) -> Viewer | None:
    """The reader's relation to the request, or None when they may not see it."""
    if user.id == request.requester_id or user.household_id == request.household_id:
        return Viewer(HOUSEHOLD, match=match_of(request.id))
    match = match_of(request.id)
    if match is not None and match.supporter_id == user.id:
        return Viewer(PAST_SUPPORTER if match.status == MATCH_CANCELLED else SUPPORTER, match=match)
    if is_effectively_open(request, now):
        found = candidate(request, user.id)
        if found is not None:
            return Viewer(CANDIDATE, candidate=found)
    return None
