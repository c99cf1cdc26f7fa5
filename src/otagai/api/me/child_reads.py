"""/v1/me/children/{id}/access-log: who outside the household read a child's details."""

from __future__ import annotations

import uuid
from typing import Any

import marshmallow as ma

from otagai.api.common import PersonSchema
from otagai.api.me.routes import blp
from otagai.domain.people import services as people
from otagai.domain.people.access_log import FIELDS, VIAS, ChildRead, read_view, reads_query
from otagai.extensions.api import Resource
from otagai.extensions.auth import current_actor
from otagai.extensions.keyset import Page, aware_created_and_id, paginate
from otagai.extensions.pagination import PageQueryArgsSchema, page_schema


class ChildReadSchema(ma.Schema):
    id = ma.fields.UUID(required=True)
    read_at = ma.fields.AwareDateTime(required=True)
    via = ma.fields.String(
        required=True,
        metadata={
            "enum": list(VIAS),
            "description": "`share_request`: the matched supporter read the request; "
            "`pickup_pass`: somebody opened the pickup pass (nursery staff, no account); "
            "`activity_report`: the supporter read the activity report's PDF; "
            "`insurance_claim`: an operator read the claim of an incident during the share.",
        },
    )
    match_id = ma.fields.UUID(allow_none=True, required=True)
    shown = ma.fields.List(
        ma.fields.String(metadata={"enum": list(FIELDS)}),
        required=True,
        metadata={"description": "What the answer showed of the child."},
    )
    reader = ma.fields.Nested(
        PersonSchema,
        allow_none=True,
        required=True,
        metadata={"description": "Null when the reader has no account (the pickup pass)."},
    )


@blp.route("/children/<uuid:child_id>/access-log")
class ChildAccessLogViews(Resource):
    @blp.arguments(PageQueryArgsSchema, location="query")
    @blp.response(200, page_schema(ChildReadSchema))
    @blp.problem(404, "No such child in my household.")
    def get(self, args: dict[str, Any], child_id: uuid.UUID) -> Page[dict[str, Any]]:
        """Who read my child's details

        Every answer that showed the child's nickname, age or notes to somebody outside
        the household, newest first: the matched supporter reading the share request
        (notes only from 24 h before the start to 2 h after the end), and each opening of
        the pickup pass.
        """
        child = people.get_child(current_actor(), child_id)
        page = paginate(
            reads_query(child),
            keys=[ChildRead.read_at, ChildRead.id],
            limit=args["limit"],
            cursor=args["cursor"],
            after=aware_created_and_id,
            descending=True,
            mappings=True,
        )
        return page.map(lambda rows: [read_view(r) for r in rows])
