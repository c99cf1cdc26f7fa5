"""Share requests (お願い): post, read at the allowed visibility, list mine, cancel."""

from __future__ import annotations

import uuid
from typing import Any

from otagai.api.share_requests.schemas import (
    MyShareRequestsQueryArgsSchema,
    ShareRequestCancelSchema,
    ShareRequestCreateSchema,
    ShareRequestSchema,
)
from otagai.domain.requests import services as requests
from otagai.domain.requests.models import ShareRequest
from otagai.domain.sharing import requests as shared
from otagai.domain.sharing.views import household_views, request_view
from otagai.extensions.api import Blueprint, Resource
from otagai.extensions.auth import current_actor
from otagai.extensions.idempotency import idempotent
from otagai.extensions.keyset import Page, paginate
from otagai.extensions.limits import limited
from otagai.extensions.pagination import page_schema

blp = Blueprint("share_requests", __name__, description="Share requests (お願い)")

NOT_VISIBLE = "No such request, or not one you may see."


@blp.route("/share-requests")
class ShareRequestsViews(Resource):
    @limited(blp, "share-requests")
    @idempotent
    @blp.arguments(
        ShareRequestCreateSchema,
        examples={
            "pickup": {
                "value": {
                    "kind": "pickup",
                    "community_id": "3f0c9a52-7a51-4d7e-9a0e-2b1f0c7d8e91",
                    "title": "保育園のお迎えをお願いしたいです",
                    "details": "17時に〇〇保育園でお迎え、自宅までお願いします。",
                    "starts_at": "2026-12-03T17:00:00+09:00",
                    "ends_at": "2026-12-03T18:30:00+09:00",
                    "location": {"lat": 35.8587, "lng": 139.6571},
                    "dropoff": {"lat": 35.8601, "lng": 139.6555},
                    "child_ids": ["8c1d3b4e-2f6a-4b7c-9d0e-1f2a3b4c5d6e"],
                    "audience": "community",
                    "radius_m": 2000,
                    "intended_thank_you_jpy": 1000,
                }
            },
            "lending": {
                "value": {
                    "kind": "lending",
                    "community_id": "3f0c9a52-7a51-4d7e-9a0e-2b1f0c7d8e91",
                    "title": "ベビーカーを1週間お借りしたいです",
                    "starts_at": "2026-12-05T10:00:00+09:00",
                    "ends_at": "2026-12-12T10:00:00+09:00",
                    "location": {"lat": 35.8587, "lng": 139.6571},
                    "item": {"category": "stroller", "description": "A型ベビーカー"},
                }
            },
        },
    )
    @blp.response(201, ShareRequestSchema)
    @blp.problem(403, "No profile yet, or not a member of the community.")
    @blp.problem(404, "No such community.")
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Post a share request

        Pickup needs a drop-off point and at least one child; babysitting at least one
        child; lending an item. The answer includes the recommended thank-you and how many
        people may help (`candidate_count`). Every broken rule is listed in `errors` (422).
        """
        request = requests.create_share_request(current_actor(), **data)
        return household_views([request], with_candidate_count=True)[0]


@blp.route("/share-requests/<uuid:request_id>")
class ShareRequestByIdViews(Resource):
    @blp.response(200, ShareRequestSchema)
    @blp.problem(403, "Create your profile first.")
    @blp.problem(404, NOT_VISIBLE)
    def get(self, request_id: uuid.UUID) -> Any:
        """One share request, at the detail I may see

        The requester's household sees everything; the matched supporter the exact points
        and the children's details; a candidate (while it is open) a limited view with a
        rounded distance and the children's age bands. Anybody else gets 404.
        """
        request, viewer = shared.get_share_request(current_actor(), request_id)
        return request_view(request, viewer)


@blp.route("/share-requests/<uuid:request_id>/cancel")
class ShareRequestCancelViews(Resource):
    @limited(blp, "share-request-cancel")
    @blp.arguments(
        ShareRequestCancelSchema, examples={"cancel": {"value": {"reason": "予定が変わりました"}}}
    )
    @blp.response(200, ShareRequestSchema)
    @blp.problem(403, "Not the requester (or no profile).")
    @blp.problem(404, NOT_VISIBLE)
    @blp.problem(409, "Already completed, cancelled or expired.")
    def post(self, data: dict[str, Any], request_id: uuid.UUID) -> Any:
        """Cancel my request

        Open or matched requests only. A confirmed match is cancelled with it (by me, with
        the same reason) and offers still pending are declined.
        """
        request = shared.cancel_share_request(current_actor(), request_id, reason=data["reason"])
        return household_views([request])[0]


@blp.route("/me/share-requests")
class MyShareRequestsViews(Resource):
    @blp.arguments(MyShareRequestsQueryArgsSchema, location="query")
    @blp.response(200, page_schema(ShareRequestSchema))
    @blp.problem(403, "Create your profile first.")
    def get(self, args: dict[str, Any]) -> Page[dict[str, Any]]:
        """Requests I posted, newest first

        Filter with `status` (effective status: an open request past its start is
        `expired`).
        """
        stmt = requests.my_share_requests(current_actor(), status=args.get("status"))
        return paginate(
            stmt,
            keys=[ShareRequest.created_at, ShareRequest.id],
            descending=True,
            limit=args["limit"],
            cursor=args["cursor"],
        ).map(household_views)
