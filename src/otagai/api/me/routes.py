"""/v1/me: my profile, my household's children, household invites and my devices."""

from __future__ import annotations

import uuid
from typing import Any

from flask import current_app

from otagai.api.me.schemas import (
    AuthorisedAdultCreateSchema,
    AuthorisedAdultSchema,
    ChildCreateSchema,
    ChildSchema,
    ChildUpdateSchema,
    DeviceCreateSchema,
    DeviceSchema,
    HouseholdInviteSchema,
    ProfileSchema,
    ProfileUpdateSchema,
)
from otagai.domain.accounts import services as accounts
from otagai.domain.accounts.views import profile_view
from otagai.domain.actors import require_user
from otagai.domain.people import authorised_adults as adults
from otagai.domain.people import services as people
from otagai.domain.people.models import AuthorisedAdult, Child
from otagai.extensions.api import Blueprint, Resource
from otagai.extensions.auth import current_actor
from otagai.extensions.idempotency import idempotent
from otagai.extensions.keyset import Page, paginate
from otagai.extensions.limits import limited
from otagai.extensions.pagination import PageQueryArgsSchema, page_schema

blp = Blueprint("me", __name__, url_prefix="/me", description="My profile, household and devices")


@blp.route("")
class MeViews(Resource):
    @blp.response(200, ProfileSchema)
    @blp.problem(404, "No profile yet: create it with PUT.")
    def get(self) -> dict[str, Any]:
        """My profile, with my household, roles and communities"""
        actor = current_actor()
        return profile_view(actor, people.get_profile(actor))

    @blp.arguments(
        ProfileUpdateSchema,
        examples={
            "profile": {
                "value": {
                    "display_name": "佐藤 美香",
                    "locale": "ja",
                    "home": {"lat": 35.8617, "lng": 139.6455},
                }
            }
        },
    )
    @blp.response(200, ProfileSchema, description="Profile updated.")
    @blp.alt_response(201, schema=ProfileSchema, description="Profile (and household) created.")
    def put(self, data: dict[str, Any]) -> tuple[dict[str, Any], int]:
        """Create or update my profile

        The first call creates my profile and a household of my own. `home` is never shown
        to anybody else; candidate search uses it only to compute rounded distances.
        """
        actor = current_actor()
        user, created = accounts.upsert_profile(
            actor,
            display_name=data["display_name"],
            locale=data.get("locale"),
            home=data.get("home", accounts.UNSET),
            welcome_consent=data.get("welcome_consent"),
        )
        return profile_view(actor, user), 201 if created else 200

    @blp.response(204)
    @blp.problem(404, "No profile.")
    def delete(self) -> None:
        """Delete my account

        Anonymizes my name, home, devices and (when nobody else is left in the household)
        the children; keeps the anonymous rows that municipal statistics count.
        """
        accounts.delete_account(current_actor())


@blp.route("/children")
class ChildrenViews(Resource):
    @blp.arguments(PageQueryArgsSchema, location="query")
    @blp.response(200, page_schema(ChildSchema))
    @blp.problem(403, "Create your profile first.")
    def get(self, args: dict[str, Any]) -> Page[Child]:
        """My household's children"""
        user = require_user(current_actor())
        return paginate(
            people.children_query(user),
            keys=[Child.created_at, Child.id],
            limit=args["limit"],
            cursor=args["cursor"],
        )

    @idempotent
    @blp.arguments(
        ChildCreateSchema,
        examples={
            "child": {
                "value": {
                    "nickname": "はるとくん",
                    "birth_date": "2021-04-01",
                    "notes": "卵アレルギー",
                }
            }
        },
    )
    @blp.response(201, ChildSchema)
    @blp.problem(403, "Create your profile first.")
    def post(self, data: dict[str, Any]) -> Child:
        """Add a child to my household"""
        return people.add_child(current_actor(), **data)


@blp.route("/children/<uuid:child_id>")
class ChildByIdViews(Resource):
    @blp.response(200, ChildSchema)
    @blp.problem(404, "No such child in my household.")
    def get(self, child_id: uuid.UUID) -> Child:
        """One of my household's children"""
        return people.get_child(current_actor(), child_id)

    @blp.arguments(ChildUpdateSchema)
    @blp.response(200, ChildSchema)
    @blp.problem(404, "No such child in my household.")
    def patch(self, data: dict[str, Any], child_id: uuid.UUID) -> Child:
        """Change a child's nickname, birth date or notes"""
        return people.update_child(current_actor(), child_id, **data)

    @blp.response(204)
    @blp.problem(404, "No such child in my household.")
    def delete(self, child_id: uuid.UUID) -> None:
        """Remove a child (their details are erased)"""
        people.remove_child(current_actor(), child_id)


@blp.route("/children/<uuid:child_id>/authorised-adults")
class AuthorisedAdultsViews(Resource):
    @blp.arguments(PageQueryArgsSchema, location="query")
    @blp.response(200, page_schema(AuthorisedAdultSchema))
    @blp.problem(404, "No such child in my household.")
    def get(self, args: dict[str, Any], child_id: uuid.UUID) -> Page[AuthorisedAdult]:
        """Who may collect this child

        Seen only by the child's household: never by a supporter, never on the pickup pass.
        """
        return paginate(
            adults.adults_query(current_actor(), child_id),
            keys=[AuthorisedAdult.created_at, AuthorisedAdult.id],
            limit=args["limit"],
            cursor=args["cursor"],
        )

    @idempotent
    @blp.arguments(
        AuthorisedAdultCreateSchema,
        examples={"grandmother": {"value": {"name": "佐藤 和子", "relation": "祖母"}}},
    )
    @blp.response(201, AuthorisedAdultSchema)
    @blp.problem(404, "No such child in my household.")
    @blp.problem(422, "Already 10 authorised adults for this child.")
    def post(self, data: dict[str, Any], child_id: uuid.UUID) -> AuthorisedAdult:
        """Add an adult who may collect this child

        At most 10 per child. Removing the child, or the household's last account,
        erases them.
        """
        return adults.add_authorised_adult(current_actor(), child_id, **data)


@blp.route("/children/<uuid:child_id>/authorised-adults/<uuid:adult_id>")
class AuthorisedAdultByIdViews(Resource):
    @blp.response(204)
    @blp.problem(404, "No such child in my household, or no such adult for it.")
    def delete(self, child_id: uuid.UUID, adult_id: uuid.UUID) -> None:
        """Remove an authorised adult"""
        adults.remove_authorised_adult(current_actor(), child_id, adult_id)


@blp.route("/household/invites")
class HouseholdInvitesViews(Resource):
    @limited(blp, "household-invites")
    @idempotent
    @blp.response(201, HouseholdInviteSchema)
    @blp.problem(403, "Create your profile first.")
    def post(self) -> Any:
        """Invite a second parent into my household

        Answers a single-use code, valid for 48 hours, for `POST /v1/households/join`.
        """
        ttl = current_app.config["OTAGAI"].household_invite_ttl_hours
        return people.create_household_invite(current_actor(), ttl_hours=ttl)


@blp.route("/devices")
class DevicesViews(Resource):
    @idempotent
    @blp.arguments(DeviceCreateSchema)
    @blp.response(201, DeviceSchema)
    @blp.problem(403, "Create your profile first.")
    def post(self, data: dict[str, Any]) -> Any:
        """Register this device's FCM token for notifications"""
        return people.register_device(current_actor(), **data)


@blp.route("/devices/<string(maxlength=512):token>")
class DeviceByTokenViews(Resource):
    @blp.response(204)
    @blp.problem(404, "Not one of my devices.")
    def delete(self, token: str) -> None:
        """Stop notifications to a device"""
        people.unregister_device(current_actor(), token=token)
