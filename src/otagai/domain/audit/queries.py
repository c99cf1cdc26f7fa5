"""Reading the audit log: operators page through it, newest first."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from otagai.domain.actors import Actor
from otagai.domain.audit.models import AuditEntry
from otagai.domain.audit.policies import can_read_audit_log
from otagai.errors import require
from otagai.extensions.keyset import Page, aware_created_and_id, paginate


def list_audit_entries(
    actor: Actor,
    *,
    limit: int,
    cursor: str | None = None,
    community_id: uuid.UUID | None = None,
    action: str | None = None,
) -> Page[AuditEntry]:
    """Operators only. Newest first, keyset-paged on (created_at, id) descending."""
    require(can_read_audit_log(actor), "operator_only")
    stmt = select(AuditEntry)
    if community_id is not None:
        stmt = stmt.where(AuditEntry.community_id == community_id)
    if action is not None:
        stmt = stmt.where(AuditEntry.action == action)
    return paginate(
        stmt,
        keys=[AuditEntry.created_at, AuditEntry.id],
        descending=True,
        after=aware_created_and_id,
        limit=limit,
        cursor=cursor,
    )
