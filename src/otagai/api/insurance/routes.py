"""/v1/insurance-policies: the insurance policies matches are tagged with (operators)."""

from __future__ import annotations

import uuid
from typing import Any

from otagai.api.insurance.schemas import (
    PolicyCreateSchema,
    PolicyListQueryArgsSchema,
    PolicySchema,
    PolicyUpdateSchema,
    PolicyVersionQueryArgsSchema,
)
from otagai.domain.insurance import services as insurance
from otagai.extensions.api import Blueprint, Resource
from otagai.extensions.auth import current_actor
from otagai.extensions.idempotency import idempotent
from otagai.extensions.keyset import Page
from otagai.extensions.pagination import page_schema

blp = Blueprint(
    "insurance",
    __name__,
    url_prefix="/insurance-policies",
    description="Insurance policies (versioned; operators)",
)

EXAMPLE_POLICY = {
    "insurer": "お互いさま損害保険",
    "policy_number": "OTG-2026-0001",
    "name": "子育てシェア賠償責任保険",
    "valid_from": "2026-04-01",
    "valid_to": "2027-03-31",
    "kinds": ["pickup", "babysitting"],
    "min_child_age": 1,
    "max_child_age": 18,
    "limits": {"bodily_injury_jpy": 100000000, "property_damage_jpy": 20000000},
}


@blp.route("")
class PoliciesViews(Resource):
    @blp.arguments(PolicyListQueryArgsSchema, location="query")
    @blp.response(200, page_schema(PolicySchema))
    @blp.problem(403, "Operators only.")
    def get(self, args: dict[str, Any]) -> Page[dict[str, Any]]:
        """Insurance policies, each in its latest version (operators)"""
        return insurance.list_policies(current_actor(), limit=args["limit"], cursor=args["cursor"])

    @idempotent
    @blp.arguments(PolicyCreateSchema, examples={"demo": {"value": EXAMPLE_POLICY}})
    @blp.response(201, PolicySchema)
    @blp.problem(403, "Operators only.")
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Create an insurance policy, version 1 (operators)

        422 unless `valid_to` is after `valid_from`, `kinds` is a non-empty set of request
        kinds, 0 ≤ `min_child_age` ≤ `max_child_age` ≤ 18 and every limit is a
        non-negative integer (JPY).
        """
        return insurance.create_policy(current_actor(), **data)


@blp.route("/<uuid:policy_id>")
class PolicyByIdViews(Resource):
    @blp.arguments(PolicyVersionQueryArgsSchema, location="query")
    @blp.response(200, PolicySchema)
    @blp.problem(403, "Operators only.")
    @blp.problem(404, "No such policy (or no such version of it).")
    def get(self, args: dict[str, Any], policy_id: uuid.UUID) -> dict[str, Any]:
        """An insurance policy: its latest version, or `?version=` (operators)"""
        return insurance.get_policy(current_actor(), policy_id, args["version"])

    @blp.arguments(
        PolicyUpdateSchema,
        examples={"extend": {"value": {"valid_to": "2028-03-31"}}},
    )
    @blp.response(200, PolicySchema)
    @blp.problem(403, "Operators only.")
    @blp.problem(404, "No such policy.")
    @blp.problem(409, "Another edit of this policy happened at the same time; retry.")
    def patch(self, data: dict[str, Any], policy_id: uuid.UUID) -> dict[str, Any]:
        """Edit an insurance policy: a new version with the changed fields (operators)

        Matches already confirmed keep the version they were tagged with; new tags use
        the new version. Nothing changed: the latest version, no new one.
        """
        return insurance.update_policy(current_actor(), policy_id, **data)
