"""Reading the audit log: operators page through it, newest first."""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select, tuple_

from otagai.domain.actors import Actor
from otagai.domain.audit.models import AuditEntry
from otagai.domain.audit.policies import can_read_audit_log
from otagai.errors import RuleViolation, require
from otagai.extensions.db import session


def _encode(entry: AuditEntry) -> str:
    raw = json.dumps([entry.created_at.isoformat(), str(entry.id)])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        created, ident = json.loads(base64.urlsafe_b64decode(padded.encode()))
        after = datetime.fromisoformat(created), uuid.UUID(ident)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
        raise RuleViolation("invalid_cursor", errors={"cursor": ["Invalid value."]}) from exc
    if after[0].tzinfo is None:
        raise RuleViolation("invalid_cursor", errors={"cursor": ["Invalid value."]})
    return after


def list_audit_entries(
    actor: Actor,
    *,
    limit: int,
    cursor: str | None = None,
    community_id: uuid.UUID | None = None,
    action: str | None = None,
) -> dict[str, Any]:
    """Operators only. Newest first, keyset-paged on (created_at, id) descending."""
    require(can_read_audit_log(actor), "operator_only")
    stmt = select(AuditEntry)
    if community_id is not None:
        stmt = stmt.where(AuditEntry.community_id == community_id)
    if action is not None:
        stmt = stmt.where(AuditEntry.action == action)
    if cursor:
        stmt = stmt.where(tuple_(AuditEntry.created_at, AuditEntry.id) < tuple_(*_decode(cursor)))
    rows = list(
        session.scalars(
            stmt.order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc()).limit(limit + 1)
        )
    )
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = _encode(rows[-1])
    return {"items": rows, "next_cursor": next_cursor}
