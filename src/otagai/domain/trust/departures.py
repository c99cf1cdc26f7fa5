"""What happens to trust when somebody leaves: a community, or the service altogether.

A certification vouches for a member of a community; once they are no longer one, it is
revoked (with a history entry, as any revocation). An account deletion also forgets the
person's connections, blocks and codes: who knows whom is personal data.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import delete, or_, select

from otagai.domain.trust.models import (
    Block,
    Certification,
    Connection,
    ConnectionCode,
)
from otagai.extensions.db import session

LEFT_COMMUNITY = "left_community"
ACCOUNT_DELETED = "account_deleted"


def revoke_on_departure(
    user_id: uuid.UUID, *, reason: str, community_id: uuid.UUID | None = None
) -> int:
    """Revoke the user's live certifications (in one community, or everywhere)."""
    query = select(Certification).where(
        Certification.user_id == user_id, Certification.revoked_at.is_(None)
    )
    if community_id is not None:
        query = query.where(Certification.community_id == community_id)
    now = datetime.now(UTC)
    certifications = list(session.scalars(query.with_for_update()))
    for certification in certifications:
        change = certification.revoke(by=user_id, reason=reason, at=now)
        change.details["automatic"] = True
        session.add(change)
    session.flush()
    return len(certifications)


def forget_connections(user_id: uuid.UUID) -> None:
    session.execute(delete(ConnectionCode).where(ConnectionCode.user_id == user_id))
    session.execute(
        delete(Connection).where(
            or_(Connection.user_low_id == user_id, Connection.user_high_id == user_id)
        )
    )
    session.execute(
        delete(Block).where(or_(Block.blocker_id == user_id, Block.blocked_id == user_id))
    )
    session.flush()
