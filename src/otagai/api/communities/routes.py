"""/v1/communities: communities near me, joining and leaving, and (operators) creating
communities and appointing their coordinators."""

from __future__ import annotations

import uuid
from typing import Any

from otagai.api.communities.schemas import (
    CommunityCreateSchema,
    CommunityQueryArgsSchema,
    CommunitySchema,
    CommunitySummarySchema,
    CommunityUpdateSchema,
    CoordinatorCreateSchema,
    CoordinatorSchema,
    MembershipSchema,
    NewcomerSchema,
    ReliabilityQueryArgsSchema,
    ReliabilitySchema,
)
from otagai.api.municipalities.schemas import EXAMPLE_POLYGON
from otagai.domain.accounts import services as accounts
from otagai.domain.communities import services as communities
from otagai.domain.communities.views import CommunityView, Membership
from otagai.domain.matches.reliability import community_reliability
from otagai.domain.trust.welcome import community_newcomers
from otagai.extensions.api import Blueprint, Resource
from otagai.extensions.auth import current_actor
from otagai.extensions.db import reads_from_replica
from otagai.extensions.geo import LatLng
from otagai.extensions.idempotency import idempotent
from otagai.extensions.keyset import Page
from otagai.extensions.pagination import PageQueryArgsSchema, page_schema

blp = Blueprint(
    "communities",
    __name__,
    url_prefix="/communities",
    description="Communities, members and coordinators",
)


@blp.route("")
class CommunitiesViews(Resource):
    @blp.arguments(CommunityQueryArgsSchema, location="query")
    @blp.response(200, page_schema(CommunitySummarySchema))
    @reads_from_replica
    def get(self, args: dict[str, Any]) -> Page[CommunityView]:
        """Communities near a point, nearest first

        Those whose area contains the point (distance 0) or lies within `radius_m` of it.
        """
        return communities.nearby_communities(
            current_actor(),
            point=LatLng(args["lat"], args["lng"]),
            radius_m=args["radius_m"],
            limit=args["limit"],
            cursor=args["cursor"],
        )

    @idempotent
    @blp.arguments(
        CommunityCreateSchema,
        examples={
            "sangenjaya": {
                "value": {
                    "municipality_code": "131121",
                    "name": "三軒茶屋子育てシェア",
                    "description": "三軒茶屋駅のまわりで子育て中の家族の助け合い。",
                    "area": EXAMPLE_POLYGON,
                }
            }
        },
    )
    @blp.response(201, CommunitySchema)
    @blp.problem(403, "Operators only.")
    def post(self, data: dict[str, Any]) -> CommunityView:
        """Create a community inside a municipality (operators)

        422 when the area is not a valid polygon, when the municipality is unknown, or
        (`area_outside_municipality`) when the area does not lie within its boundary.
        """
        return communities.create_community(current_actor(), **data)


@blp.route("/<uuid:community_id>")
class CommunityByIdViews(Resource):
    @blp.response(200, CommunitySchema)
    @blp.problem(404, "No such community.")
    def get(self, community_id: uuid.UUID) -> CommunityView:
        """A community: its area, member count, coordinators and my role"""
        return communities.get_community_detail(current_actor(), community_id)

    @blp.arguments(
        CommunityUpdateSchema,
        examples={"require checks": {"value": {"require_background_check_for_babysitting": True}}},
    )
    @blp.response(200, CommunitySchema)
    @blp.problem(403, "Not a coordinator of this community (nor an operator).")
    @blp.problem(404, "No such community.")
    def patch(self, data: dict[str, Any], community_id: uuid.UUID) -> CommunityView:
        """Change a community's settings (its coordinators, operators)

        `require_background_check_for_babysitting`: when true, only supporters whose
        babysitting certification has a confirmed background check are certified
        candidates for babysitting here (and may offer as such). Audited.
        """
        return communities.update_community(current_actor(), community_id, **data)


@blp.route("/<uuid:community_id>/members")
class CommunityMembersViews(Resource):
    @idempotent
    @blp.response(201, MembershipSchema, description="Joined.")
    @blp.alt_response(200, schema=MembershipSchema, description="Already a member: unchanged.")
    @blp.problem(403, "Create your profile first.")
    @blp.problem(404, "No such community.")
    def post(self, community_id: uuid.UUID) -> tuple[Membership, int]:
        """Join a community

        Joining a community I am already in changes nothing and answers 200.
        """
        membership, created = communities.join_community(current_actor(), community_id)
        return membership, 201 if created else 200


@blp.route("/<uuid:community_id>/members/me")
class CommunityMembershipViews(Resource):
    @blp.response(204)
    @blp.problem(403, "Create your profile first.")
    @blp.problem(404, "No such community, or I am not a member of it.")
    def delete(self, community_id: uuid.UUID) -> None:
        """Leave a community (a coordinator who leaves stops being one)"""
        accounts.leave_community(current_actor(), community_id)


@blp.route("/<uuid:community_id>/reliability")
class CommunityReliabilityViews(Resource):
    @blp.arguments(ReliabilityQueryArgsSchema, location="query")
    @blp.response(200, page_schema(ReliabilitySchema))
    @blp.problem(403, "Not a coordinator of this community (`coordinator_only`).")
    @blp.problem(404, "No such community.")
    def get(self, args: dict[str, Any], community_id: uuid.UUID) -> Page[dict[str, Any]]:
        """How each person kept their word in the community's matches

        For the community's coordinators only. Everybody who was a party (requester or
        supporter) to one of its matches that started in the window, by id, with the
        matches completed, cancelled late by them (less than 24 hours before the start,
        or after it) and the no-shows recorded against them. Display names and counts
        only: no address, no child, no reason text.
        """
        return community_reliability(
            current_actor(),
            community_id,
            days=args["days"],
            limit=args["limit"],
            cursor=args["cursor"],
        )


@blp.route("/<uuid:community_id>/newcomers")
class CommunityNewcomersViews(Resource):
    @blp.arguments(PageQueryArgsSchema, location="query")
    @blp.response(200, page_schema(NewcomerSchema))
    @blp.problem(403, "Not a coordinator of this community (`coordinator_only`).")
    @blp.problem(404, "No such community.")
    def get(self, args: dict[str, Any], community_id: uuid.UUID) -> Page[dict[str, Any]]:
        """Newcomers to welcome at the next event

        For the community's coordinators only. Its members whose household consented to
        being welcomed (`welcome_consent` of PUT /v1/me) and has no connection yet, the
        latest to join first: display name and the day they joined, nothing else (no
        address, no child, no household).
        """
        return community_newcomers(
            current_actor(), community_id, limit=args["limit"], cursor=args["cursor"]
        )


@blp.route("/<uuid:community_id>/coordinators")
class CommunityCoordinatorsViews(Resource):
    @idempotent
    @blp.arguments(
        CoordinatorCreateSchema,
        examples={"appoint": {"value": {"user_id": "3f0a8f7e-2b1c-4d5e-9f60-718293a4b5c6"}}},
    )
    @blp.response(201, CoordinatorSchema, description="Appointed.")
    @blp.alt_response(200, schema=CoordinatorSchema, description="Already a coordinator.")
    @blp.problem(403, "Operators only.")
    @blp.problem(404, "No such community, or no such user.")
    def post(self, data: dict[str, Any], community_id: uuid.UUID) -> tuple[Membership, int]:
        """Appoint a coordinator of the community (operators)

        The user becomes a member first if they were not one.
        """
        membership, changed = communities.appoint_coordinator(
            current_actor(), community_id, data["user_id"]
        )
        return membership, 201 if changed else 200


@blp.route("/<uuid:community_id>/coordinators/<uuid:user_id>")
class CommunityCoordinatorByIdViews(Resource):
    @blp.response(204)
    @blp.problem(403, "Operators only.")
    @blp.problem(404, "No such community, or the user is not its coordinator.")
    def delete(self, community_id: uuid.UUID, user_id: uuid.UUID) -> None:
        """Remove a coordinator (operators); they stay a member"""
        communities.remove_coordinator(current_actor(), community_id, user_id)
