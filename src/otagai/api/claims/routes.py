"""/v1/insurance-claims: the claims incidents open, for operators to take to the insurer."""

from __future__ import annotations

import uuid
from typing import Any

from otagai.api.claims.schemas import ClaimQueryArgsSchema, ClaimSchema, ClaimUpdateSchema
from otagai.domain.insurance import claims
from otagai.extensions.api import Blueprint, Resource
from otagai.extensions.auth import current_actor
from otagai.extensions.keyset import Page
from otagai.extensions.pagination import page_schema

blp = Blueprint(
    "insurance_claims",
    __name__,
    url_prefix="/insurance-claims",
    description="Insurance claims opened by incidents (operators)",
)


@blp.route("")
class ClaimsViews(Resource):
    @blp.arguments(ClaimQueryArgsSchema, location="query")
    @blp.response(200, page_schema(ClaimSchema))
    @blp.problem(403, "Operators only.")
    def get(self, args: dict[str, Any]) -> Page[dict[str, Any]]:
        """Insurance claims, newest first (operators)

        A claim is opened when a match's activity report first tells of an incident,
        with the match's coverage tag (policy, version, covered children) as it was
        confirmed. Filter with `status`.
        """
        return claims.list_claims(
            current_actor(), limit=args["limit"], cursor=args["cursor"], status=args["status"]
        )


@blp.route("/<uuid:claim_id>")
class ClaimByIdViews(Resource):
    @blp.arguments(
        ClaimUpdateSchema,
        examples={
            "submitted": {
                "value": {"status": "submitted", "insurer_reference": "事故受付番号 2026-123456"}
            }
        },
    )
    @blp.response(200, ClaimSchema)
    @blp.problem(403, "Operators only.")
    @blp.problem(404, "No such claim.")
    @blp.problem(409, "The claim is closed or rejected: its status is final.")
    @blp.problem(422, "Invalid body, or a status the claim cannot move to from its own.")
    def patch(self, data: dict[str, Any], claim_id: uuid.UUID) -> dict[str, Any]:
        """Update an insurance claim: its status, the insurer's reference, a note (operators)

        Every change is in the audit log (`insurance_claim.update`); nothing changed,
        nothing logged.
        """
        return claims.update_claim(current_actor(), claim_id, **data)
