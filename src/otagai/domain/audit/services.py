"""Writing the audit log. Called by services in the same transaction as the change, so
an action and its entry commit or roll back together."""

from __future__ import annotations

import uuid
from typing import Any

from otagai.domain.actors import Actor
from otagai.domain.audit.models import AuditEntry
from otagai.extensions.db import session


def record(
    actor: Actor,
    *,
    role: str,
    action: str,
    target_type: str,
    target_id: Any,
    community_id: uuid.UUID | None = None,
    municipality_code: str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        actor_user_id=actor.user.id if actor.user else None,
        actor_uid=actor.uid,
        actor_role=role,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        community_id=community_id,
        municipality_code=municipality_code,
        details=details or {},
    )
    session.add(entry)
    session.flush()
    return entry
