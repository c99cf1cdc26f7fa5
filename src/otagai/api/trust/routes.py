"""Connections (知り合い) and blocks."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from otagai.api.trust.schemas import (
    BlockCreateSchema,
    BlockSchema,
    ConnectionCodeCreateSchema,
    ConnectionCodeSchema,
    ConnectionCreateSchema,
    ConnectionSchema,
    NewConnectionSchema,
)
from otagai.domain.trust import services as trust
from otagai.domain.trust.ratelimit import REDEEM_LIMIT, REDEEM_WINDOW
from otagai.extensions.api import Blueprint, Resource
from otagai.extensions.auth import current_actor
from otagai.extensions.idempotency import idempotent
from otagai.extensions.keyset import Page, paginate
from otagai.extensions.limits import limited
from otagai.extensions.pagination import PageQueryArgsSchema, page_schema

blp = Blueprint("trust", __name__, description="Connections (知り合い) and blocks")


@blp.route("/me/connection-codes")
class ConnectionCodesViews(Resource):
    @limited(blp, "connection-codes")
    @idempotent
    @blp.arguments(
        ConnectionCodeCreateSchema,
        required=False,
        examples={
            "plain": {"value": {}},
            "at an event": {"value": {"event_id": "0b7e4a52-8c1d-4d0e-9a57-5a4f3c2b1d00"}},
        },
    )
    @blp.response(201, ConnectionCodeSchema)
    @blp.problem(403, "Create your profile first.")
    @blp.problem(404, "No such event, or I neither attended it nor belong to its community.")
    def post(self, data: dict[str, Any]) -> Any:
        """Get a code for somebody I meet to redeem

        The code is valid for 10 minutes and works once. The app shows it as a QR and as
        text. With `event_id`, the connection records that we met at that event.
        """
        return trust.create_connection_code(current_actor(), event_id=data.get("event_id"))


@blp.route("/connections")
class ConnectionsViews(Resource):
    @idempotent
    @blp.arguments(ConnectionCreateSchema, examples={"code": {"value": {"code": "K7Q-M2X"}}})
    @blp.response(201, NewConnectionSchema)
    @blp.problem(403, "Create your profile first.")
    @blp.problem(404, "Unknown or expired code.")
    @blp.problem(409, "Code already used, or we are already connected.")
    @blp.problem(422, "My own code (or invalid input).")
    @limited(
        blp,
        "connection-redeem",
        note=f"Also {REDEEM_LIMIT} failed attempts within "
        f"{int(REDEEM_WINDOW.total_seconds()) // 60} minutes (`too_many_attempts`).",
    )
    def post(self, data: dict[str, Any]) -> Any:
        """Redeem somebody's code: we become connected (知り合い)

        Failed attempts are limited per user, so codes cannot be guessed.
        """
        return trust.redeem_connection_code(current_actor(), code=data["code"])


@blp.route("/me/connections")
class MyConnectionsViews(Resource):
    @blp.arguments(PageQueryArgsSchema, location="query")
    @blp.response(200, page_schema(ConnectionSchema))
    @blp.problem(403, "Create your profile first.")
    def get(self, args: dict[str, Any]) -> Page[Any]:
        """My connections (知り合い), oldest first"""
        rows = trust.connections_query(current_actor())
        return paginate(
            select(rows),
            keys=[rows.c.connected_at, rows.c.user_id],
            limit=args["limit"],
            cursor=args["cursor"],
            mappings=True,
        )


@blp.route("/connections/<uuid:user_id>")
class ConnectionByUserViews(Resource):
    @blp.response(204)
    @blp.problem(403, "Create your profile first.")
    @blp.problem(404, "We are not connected.")
    def delete(self, user_id: uuid.UUID) -> None:
        """Remove a connection (for both of us)"""
        trust.remove_connection(current_actor(), user_id)


@blp.route("/me/blocks")
class BlocksViews(Resource):
    @idempotent
    @blp.arguments(
        BlockCreateSchema,
        examples={"block": {"value": {"user_id": "6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f"}}},
    )
    @blp.response(201, BlockSchema)
    @blp.alt_response(200, schema=BlockSchema, description="Already blocked.")
    @blp.problem(403, "Create your profile first.")
    @blp.problem(404, "No such user.")
    @blp.problem(422, "Myself (or invalid input).")
    def post(self, data: dict[str, Any]) -> Any:
        """Block somebody

        We stop seeing each other anywhere (connections, candidates, feeds) and our
        connection, if any, is removed. They are not told.
        """
        entry, created = trust.block_user(current_actor(), data["user_id"])
        return entry, 201 if created else 200

    @blp.arguments(PageQueryArgsSchema, location="query")
    @blp.response(200, page_schema(BlockSchema))
    @blp.problem(403, "Create your profile first.")
    def get(self, args: dict[str, Any]) -> Page[Any]:
        """The people I blocked, oldest first"""
        rows = trust.blocks_query(current_actor())
        return paginate(
            select(rows),
            keys=[rows.c.blocked_at, rows.c.user_id],
            limit=args["limit"],
            cursor=args["cursor"],
            mappings=True,
        )


@blp.route("/me/blocks/<uuid:user_id>")
class BlockByUserViews(Resource):
    @blp.response(204)
    @blp.problem(403, "Create your profile first.")
    @blp.problem(404, "I have not blocked them.")
    def delete(self, user_id: uuid.UUID) -> None:
        """Unblock somebody (a removed connection does not come back)"""
        trust.unblock_user(current_actor(), user_id)
