"""Matches (成立): a party reads one; the requester completes it; either party cancels it.
(Accepting an offer makes one: ``api/offers``; its thank-yous: ``api/thanks``.)"""

from __future__ import annotations

import uuid
from typing import Any

from otagai.api.matches.schemas import MatchCancelSchema, MatchSchema, TimelineSchema
from otagai.domain.matches import lifecycle, timeline
from otagai.domain.matches import services as matches
from otagai.domain.matches.views import match_view
from otagai.extensions.api import Blueprint, Resource
from otagai.extensions.auth import current_actor

blp = Blueprint("matches", __name__, description="Matches (成立)")

MATCH_NOT_VISIBLE = "No such match, or you are not a party to it."


@blp.route("/matches/<uuid:match_id>")
class MatchByIdViews(Resource):
    @blp.response(200, MatchSchema)
    @blp.problem(403, "Create your profile first.")
    @blp.problem(404, MATCH_NOT_VISIBLE)
    def get(self, match_id: uuid.UUID) -> dict[str, Any]:
        """A match I am a party to, with its insurance tag

        The tag is the one computed when the match was confirmed; it is never recomputed.
        """
        return match_view(matches.get_match(current_actor(), match_id))


@blp.route("/matches/<uuid:match_id>/complete")
class MatchCompleteViews(Resource):
    @blp.response(200, MatchSchema)
    @blp.problem(403, "Only the requester may complete the match (or no profile).")
    @blp.problem(404, MATCH_NOT_VISIBLE)
    @blp.problem(
        409,
        "The match is not confirmed (`match_not_confirmed`: already completed or "
        "cancelled), or its start time has not come yet (`match_not_started`).",
    )
    def post(self, match_id: uuid.UUID) -> dict[str, Any]:
        """Mark the help done

        The requester completes a confirmed match once its start time has passed; the
        request becomes `completed` too, and both parties are told.
        """
        return match_view(lifecycle.complete_match(current_actor(), match_id))


@blp.route("/matches/<uuid:match_id>/cancel")
class MatchCancelViews(Resource):
    @blp.arguments(
        MatchCancelSchema,
        examples={"reason": {"value": {"reason": "子どもが熱を出したため、今日はお休みします。"}}},
    )
    @blp.response(200, MatchSchema)
    @blp.problem(403, "Only the requester and the supporter may cancel (or no profile).")
    @blp.problem(404, MATCH_NOT_VISIBLE)
    @blp.problem(409, "The match is not confirmed (already completed or cancelled).")
    @blp.problem(422, "The reason is missing, blank or longer than 500 characters.")
    def post(self, data: dict[str, Any], match_id: uuid.UUID) -> dict[str, Any]:
        """Cancel a match

        Either party cancels a confirmed match with a reason. The request is cancelled
        with it (the requester may post it again), and both parties are told.
        """
        match = lifecycle.cancel_match(current_actor(), match_id, reason=data["reason"])
        return match_view(match)


@blp.route("/matches/<uuid:match_id>/timeline")
class MatchTimelineViews(Resource):
    @blp.response(200, TimelineSchema)
    @blp.problem(403, "Create your profile first.")
    @blp.problem(404, MATCH_NOT_VISIBLE)
    def get(self, match_id: uuid.UUID) -> dict[str, Any]:
        """Everything that happened to a match, in order

        Both parties (and the requester's household) see the same timeline: the match
        confirmed, the pickup pass opened at the nursery, each check-in, each step of a
        late escalation, the activity report, a no-show, the match's end. Times are the
        server's.
        """
        match = matches.get_match(current_actor(), match_id)
        return {"match_id": match.id, "items": timeline.timeline_view(match)}
