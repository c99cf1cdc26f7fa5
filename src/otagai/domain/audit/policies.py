"""Who may read the audit log. (Writing it is for services, in the change's transaction.)"""

from __future__ import annotations

from otagai.domain.actors import Actor


def can_read_audit_log(actor: Actor) -> bool:
    """Platform staff only: the log names coordinators and what they did."""
    return actor.is_operator
