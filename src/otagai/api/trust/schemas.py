"""Request and response bodies of connection codes, connections and blocks."""

from __future__ import annotations

import marshmallow as ma

from otagai.api.common import PersonSchema, StrictSchema


class ConnectionCodeCreateSchema(StrictSchema):
    event_id = ma.fields.UUID(
        allow_none=True,
        metadata={
            "description": "The event where we meet (I attended it or belong to its "
            "community); the connection then counts as made there."
        },
    )


class ConnectionCodeSchema(ma.Schema):
    code = ma.fields.String(
        metadata={
            "example": "K7QM2X",
            "description": "Six characters without 0/O or 1/I/L; show it (as a QR) to "
            "the person I meet. Single use.",
        },
        required=True,
    )
    expires_at = ma.fields.AwareDateTime(
        metadata={"description": "Ten minutes from now."}, required=True
    )
    event_id = ma.fields.UUID(allow_none=True, required=True)


class ConnectionCreateSchema(StrictSchema):
    code = ma.fields.String(
        required=True,
        validate=ma.validate.Length(min=1, max=32),
        metadata={
            "example": "K7Q-M2X",
            "description": "Case, spaces, hyphens and full-width characters do not matter.",
        },
    )


class NewConnectionSchema(ma.Schema):
    user = ma.fields.Nested(
        PersonSchema, metadata={"description": "The code's owner."}, required=True
    )
    connected_at = ma.fields.AwareDateTime(required=True)
    event_id = ma.fields.UUID(allow_none=True, required=True)


class ConnectionSchema(ma.Schema):
    user_id = ma.fields.UUID(required=True)
    display_name = ma.fields.String(allow_none=True, required=True)
    connected_at = ma.fields.AwareDateTime(required=True)
    event_id = ma.fields.UUID(
        allow_none=True,
        metadata={"description": "Set when we connected at an event."},
        required=True,
    )


class BlockCreateSchema(StrictSchema):
    user_id = ma.fields.UUID(required=True)


class BlockSchema(ma.Schema):
    user_id = ma.fields.UUID(required=True)
    display_name = ma.fields.String(allow_none=True, required=True)
    blocked_at = ma.fields.AwareDateTime(required=True)
