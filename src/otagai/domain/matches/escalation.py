"""Late escalation (docs/late-escalation.md): a check-in that should have come and has
not is escalated, step by step, until somebody acts.

- Watched, per kind (``LATE_ESCALATION``): ``picked_up`` by ``start_grace_minutes``
  after the start (a pickup; babysitting's ``started`` only if configured), and
  ``handed_over`` (pickup) / ``ended`` (babysitting) by ``end_grace_minutes`` after the
  end.
- Steps, in order: the requester's household, then the supporter, then the community's
  coordinators. The first at the deadline, each next one ``step_minutes`` after the one
  before it was taken (so a worker catching up after a pause still leaves each party a
  step's time to act before the next is woken). At most one step per match and tick.
- Each step once: a timeline event (``late_escalation``, ``dedupe_key`` per match,
  missing check-in and step) and an urgent outbox event with the same key, written
  together or not at all.
- It stops when the check-in arrives, or the match is no longer confirmed (cancelled,
  completed). An end chain does not start while a start chain's check-in is still
  missing: the coordinators have already been told that nobody picked the child up.
- Only matches whose end is less than ``HORIZON`` ago are looked at: the job reads a
  window, not the whole history, and a match forgotten for days is not news.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import select

from otagai.domain import outbox
from otagai.domain.communities.queries import active_coordinators
from otagai.domain.matches import timeline
from otagai.domain.matches.checkins import household_of_requester
from otagai.domain.matches.models import CONFIRMED, Match, MatchEvent
from otagai.domain.requests.models import ShareRequest
from otagai.domain.requests.validation import MAX_SPAN
from otagai.extensions.db import session

REQUESTER, SUPPORTER, COORDINATORS = "requester", "supporter", "coordinators"
STEPS = (REQUESTER, SUPPORTER, COORDINATORS)
HORIZON = timedelta(hours=24)
# kind -> (check-in watched from the start, check-in watched from the end).
WATCHED: dict[str, tuple[str, str]] = {
    "pickup": (timeline.PICKED_UP, timeline.HANDED_OVER),
    "babysitting": (timeline.STARTED, timeline.ENDED),
}
Windows = Mapping[str, Mapping[str, int | None]]


def dedupe_key(match_id: uuid.UUID, missing: str, step: str) -> str:
    return f"late:{match_id}:{missing}:{step}"


def _deadlines(match: Match, window: Mapping[str, int | None]) -> list[tuple[str, datetime]]:
    """(check-in, the time it is due by), the start's first."""
    start_checkin, end_checkin = WATCHED[match.kind]
    out = []
    if window.get("start_grace_minutes") is not None:
        grace = timedelta(minutes=int(window["start_grace_minutes"] or 0))
        out.append((start_checkin, match.starts_at + grace))
    if window.get("end_grace_minutes") is not None:
        grace = timedelta(minutes=int(window["end_grace_minutes"] or 0))
        out.append((end_checkin, match.ends_at + grace))
    return out


def _recipients(match: Match, step: str, community_id: uuid.UUID) -> list[uuid.UUID]:
    if step == REQUESTER:
        return household_of_requester(match)
    if step == SUPPORTER:
        return [match.supporter_id]
    return active_coordinators(community_id)


def escalate_late(now: datetime, windows: Windows) -> int:
    """Take every escalation step due at ``now``; the steps taken. The caller commits."""
    kinds = [kind for kind in windows if kind in WATCHED]
    if not kinds:
        return 0
    due = session.execute(
        select(Match, ShareRequest.community_id)
        .join(ShareRequest, ShareRequest.id == Match.request_id)
        .where(
            Match.status == CONFIRMED,
            Match.kind.in_(kinds),
            Match.starts_at <= now,
            # A bound on the start too, so the partial index on confirmed starts serves.
            Match.starts_at > now - HORIZON - max(MAX_SPAN[kind] for kind in kinds),
            Match.ends_at > now - HORIZON,
        )
        .order_by(Match.starts_at, Match.id)
    ).all()
    if not due:
        return 0
    events: dict[uuid.UUID, list[MatchEvent]] = defaultdict(list)
    for event in session.scalars(
        select(MatchEvent)
        .where(
            MatchEvent.match_id.in_([m.id for m, _ in due]),
            MatchEvent.type.in_(
                [timeline.LATE_ESCALATION, *{t for pair in WATCHED.values() for t in pair}]
            ),
        )
        .order_by(MatchEvent.at, MatchEvent.id)
    ):
        events[event.match_id].append(event)
    taken = 0
    for match, community_id in due:
        taken += _escalate(match, community_id, events[match.id], now, windows[match.kind])
    return taken


def _escalate(
    match: Match,
    community_id: uuid.UUID,
    events: list[MatchEvent],
    now: datetime,
    window: Mapping[str, int | None],
) -> int:
    done = {e.type for e in events if e.type != timeline.LATE_ESCALATION}
    steps: dict[str, dict[str, datetime]] = defaultdict(dict)
    for e in events:
        if e.type == timeline.LATE_ESCALATION:
            steps[str(e.data.get("missing"))][str(e.data.get("step"))] = e.at
    step_gap = timedelta(minutes=int(window["step_minutes"] or 0))
    for missing, deadline in _deadlines(match, window):
        if missing in done:
            continue  # arrived: this chain stops (or never starts)
        if now < deadline:
            return 0
        taken = steps[missing]
        if len(taken) == len(STEPS):
            return 0  # every step taken; nothing further, nor a later chain
        step = STEPS[len(taken)]
        if taken and now < max(taken.values()) + step_gap:
            return 0
        return _take(match, community_id, missing, step, now)
    return 0


def _take(match: Match, community_id: uuid.UUID, missing: str, step: str, now: datetime) -> int:
    key = dedupe_key(match.id, missing, step)
    written = timeline.record(
        match,
        timeline.LATE_ESCALATION,
        at=now,
        data={"step": step, "missing": missing},
        dedupe_key=key,
    )
    if not written:
        return 0  # another worker took this step first
    outbox.enqueue_once(
        outbox.MATCH_LATE,
        {"match_id": match.id, "missing": missing, "step": step},
        _recipients(match, step, community_id),
        dedupe_key=key,
    )
    return 1
