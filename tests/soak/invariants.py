"""What must hold in the database after any mix of calls, however they interleaved: each
check is one SQL query over the rows the soak run wrote (created at or after ``:since``)
that returns the ids breaking it, so an empty answer is a pass.

tests/soak/test_invariants.py plants each violation once and shows its query finds it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.engine import Connection


@dataclass(frozen=True)
class Invariant:
    name: str
    sql: str


INVARIANTS = [
    Invariant(
        "exactly one match per matched or completed request",
        """SELECT r.id FROM share_requests r LEFT JOIN matches m ON m.request_id = r.id
           WHERE r.created_at >= :since AND r.status IN ('matched', 'completed')
           GROUP BY r.id HAVING count(m.id) <> 1""",
    ),
    Invariant(
        "a match's request is matched, completed or cancelled with it",
        """SELECT m.id FROM matches m JOIN share_requests r ON r.id = m.request_id
           WHERE m.created_at >= :since AND NOT (
             (m.status = 'confirmed' AND r.status = 'matched')
             OR (m.status = 'completed' AND r.status = 'completed')
             OR (m.status = 'cancelled' AND r.status = 'cancelled'))""",
    ),
    Invariant(
        "at most one accepted offer per request, and it is the match's",
        """SELECT o.request_id FROM offers o LEFT JOIN matches m ON m.offer_id = o.id
           WHERE o.created_at >= :since AND o.status = 'accepted'
           GROUP BY o.request_id HAVING count(*) > 1 OR bool_or(m.id IS NULL)""",
    ),
    Invariant(
        "no live accepted offer on a cancelled request",
        """SELECT o.id FROM offers o JOIN share_requests r ON r.id = o.request_id
           LEFT JOIN matches m ON m.offer_id = o.id
           WHERE o.created_at >= :since AND r.status = 'cancelled'
             AND (o.status = 'pending'
                  OR (o.status = 'accepted' AND (m.id IS NULL OR m.status <> 'cancelled')))""",
    ),
    Invariant(
        "no pending offer on a request that is no longer open",
        """SELECT o.id FROM offers o JOIN share_requests r ON r.id = o.request_id
           WHERE o.created_at >= :since AND o.status = 'pending'
             AND r.status IN ('matched', 'completed', 'cancelled')""",
    ),
    Invariant(
        "no thank-you without a match that was live when it was recorded",
        """SELECT t.id FROM thank_yous t LEFT JOIN matches m ON m.id = t.match_id
           WHERE t.created_at >= :since
             AND (m.id IS NULL OR (m.cancelled_at IS NOT NULL
                                   AND m.cancelled_at < t.created_at))""",
    ),
    Invariant(
        "an outbox row for every match, and for every completion and cancellation",
        """SELECT m.id FROM matches m WHERE m.created_at >= :since AND (
             NOT EXISTS (SELECT 1 FROM outbox_events e WHERE e.kind = 'offer.accepted'
                         AND e.payload ->> 'match_id' = m.id::text)
             OR (m.status = 'completed' AND NOT EXISTS (
                 SELECT 1 FROM outbox_events e WHERE e.kind = 'match.completed'
                 AND e.payload ->> 'match_id' = m.id::text))
             OR (m.status = 'cancelled' AND NOT EXISTS (
                 SELECT 1 FROM outbox_events e WHERE e.kind = 'match.cancelled'
                 AND e.payload ->> 'match_id' = m.id::text)))""",
    ),
    Invariant(
        "an outbox row for every request posted",
        """SELECT r.id FROM share_requests r WHERE r.created_at >= :since AND NOT EXISTS (
             SELECT 1 FROM outbox_events e WHERE e.kind = 'share_request.created'
             AND e.payload ->> 'request_id' = r.id::text)""",
    ),
    Invariant(
        "no duplicate request from a retried post (titles are unique per logical post)",
        """SELECT min(r.id::text) FROM share_requests r WHERE r.created_at >= :since
           GROUP BY r.requester_id, r.title HAVING count(*) > 1""",
    ),
    Invariant(
        "no duplicate offer from a retried offer",
        """SELECT o.request_id FROM offers o WHERE o.created_at >= :since
           GROUP BY o.request_id, o.supporter_id
           HAVING count(*) FILTER (WHERE o.status <> 'withdrawn') > 1""",
    ),
    Invariant(
        "no duplicate thank-you from a retried thank-you",
        """SELECT t.match_id FROM thank_yous t WHERE t.created_at >= :since
           GROUP BY t.match_id HAVING count(*) FILTER (WHERE t.status <> 'failed') > 1""",
    ),
    Invariant(
        "no duplicate match from concurrent accepts",
        """SELECT m.request_id FROM matches m WHERE m.created_at >= :since
           GROUP BY m.request_id HAVING count(*) > 1""",
    ),
]


def violations(conn: Connection, since: datetime) -> dict[str, list[str]]:
    """Each invariant's name and the ids (at most 20) that break it."""
    found = {}
    for invariant in INVARIANTS:
        rows = conn.execute(text(invariant.sql + " LIMIT 20"), {"since": since}).scalars().all()
        found[invariant.name] = [str(r) for r in rows]
    return found
