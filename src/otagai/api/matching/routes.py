"""Candidates for a request and the supporters' feed."""

from __future__ import annotations

import uuid
from typing import Any

from otagai.api.matching.schemas import CandidateSchema, FeedItemSchema, FeedQueryArgsSchema
from otagai.domain.matching.candidates import Candidate, list_candidates
from otagai.domain.matching.feed import supporter_feed
from otagai.extensions.api import Blueprint, Resource
from otagai.extensions.auth import current_actor
from otagai.extensions.db import reads_from_replica
from otagai.extensions.geo import LatLng
from otagai.extensions.keyset import Page
from otagai.extensions.pagination import page_schema

blp = Blueprint("matching", __name__, description="Candidates and the supporters' feed")


@blp.route("/share-requests/<uuid:request_id>/candidates")
class ShareRequestCandidatesViews(Resource):
    @blp.response(200, page_schema(CandidateSchema))
    @blp.problem(403, "Create your profile first.")
    @blp.problem(404, "No such request, or not one of your household's.")
    @blp.problem(409, "The request is no longer open (matched, completed, cancelled or expired).")
    def get(self, request_id: uuid.UUID) -> Page[Candidate]:
        """Who may help with my request, best first

        For the requester and their household, while the request is open. Ranked:
        connection and certified, connection, certified, (lending) member; then by
        distance; then by shares completed with your household. At most 50 people, so
        `next_cursor` is always null. Distances are rounded up to 100 m; no coordinates.
        """
        return Page(list_candidates(current_actor(), request_id), next_cursor=None)


@blp.route("/share-requests/feed")
class ShareRequestFeedViews(Resource):
    @blp.arguments(FeedQueryArgsSchema, location="query")
    @blp.response(200, page_schema(FeedItemSchema))
    @blp.problem(403, "Create your profile first, with your home (PUT /v1/me).")
    @blp.problem(422, "lat without lng (or the reverse), a point outside Japan, or a bad cursor.")
    @reads_from_replica
    def get(self, args: dict[str, Any]) -> Page[dict[str, Any]]:
        """Open requests I may help with, nearest first

        The requests you are a candidate for (same rules as the requester's candidate
        list, judged from your home). Ordered by distance rounded up to 100 m, then id;
        pass `lat`/`lng` (where you are now) to measure from there instead of your home.
        """
        position = LatLng(args["lat"], args["lng"]) if "lat" in args else None
        return supporter_feed(
            current_actor(), position=position, limit=args["limit"], cursor=args["cursor"]
        )
