"""/v1/audit-log: what coordinators and operators did (operators read it)."""

from __future__ import annotations

from typing import Any

from otagai.api.audit.schemas import AuditEntrySchema, AuditQueryArgsSchema
from otagai.domain.audit.models import AuditEntry
from otagai.domain.audit.queries import list_audit_entries
from otagai.extensions.api import Blueprint, Resource
from otagai.extensions.auth import current_actor
from otagai.extensions.keyset import Page
from otagai.extensions.pagination import page_schema

blp = Blueprint(
    "audit",
    __name__,
    url_prefix="/audit-log",
    description="Audit log of coordinator and operator actions",
)


@blp.route("")
class AuditLogViews(Resource):
    @blp.arguments(AuditQueryArgsSchema, location="query")
    @blp.response(200, page_schema(AuditEntrySchema))
    @blp.problem(403, "Operators only.")
    def get(self, args: dict[str, Any]) -> Page[AuditEntry]:
        """The audit log, newest first (operators)"""
        return list_audit_entries(current_actor(), **args)
