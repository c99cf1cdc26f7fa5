"""Request and response bodies of /v1/me/notification-settings."""

from __future__ import annotations

import re
from datetime import time
from typing import Any

import marshmallow as ma

from otagai.api.common import StrictBoolean, StrictSchema
from otagai.domain.notifications import types as t

# What the spec says each type is (a type missing here fails at import, below).
TYPE_DESCRIPTIONS: dict[str, str] = {
    t.NEW_REQUEST: "A new request you are among the best candidates for.",
    t.NEW_OFFER: "Somebody offered to help with your request.",
    t.OFFER_ACCEPTED: "Your offer was accepted: you are helping.",
    t.OFFER_DECLINED: "Somebody else was chosen for a request you offered to help with.",
    t.MATCH_CANCELLED: "A matched plan was cancelled. Always on: it cannot be switched off.",
    t.MATCH_REMINDER: "60 minutes before a matched plan starts (both parties).",
    t.THANK_YOU_RECORDED: "A thank-you in cash was recorded for your help.",
    t.THANK_YOU_PAID: "A thank-you was paid to you by card.",
    t.THANK_YOU_PAYMENT_FAILED: "The card payment of your thank-you failed.",
    t.CERTIFICATION_GRANTED: "You were certified as a supporter.",
    t.CERTIFICATION_EXPIRING: "Your supporter certification ends in 14 days.",
    t.CERTIFICATION_REVOKED: "Your supporter certification was revoked.",
    t.CHECKIN: "Your supporter checked in: picked up, arrived, handed over (or babysitting "
    "started, ended). Urgent: sent in quiet hours too.",
    t.HANDOVER_LOCKED: "The handover code was entered wrongly five times. Always on.",
    t.LATE_ALERT: "A check-in is late (no pickup 15 minutes after the start, no handover "
    "30 minutes after the end; docs/late-escalation.md): to the requester's household, then "
    "the supporter, then the coordinators. Urgent and always on.",
    t.NO_SHOW: "The other party recorded that you did not come (the plan is cancelled), or "
    "answered a no-show you recorded. Urgent and always on.",
    t.WELCOME_EVENT: "Your community's next get-together, while your household has no "
    "connection yet; only with your household's `welcome_consent`, at most once a month "
    "(docs/welcome.md).",
    t.REQUEST_UNANSWERED: "Coordinators: a widening request of your community reached the "
    "ladder's last rung with no offer (docs/escalation-ladder.md).",
}

NOT_A_TIME = "Must be a time as HH:MM (00:00–23:59)."
_HH_MM = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")


class ClockTime(ma.fields.Field):
    """A wall-clock time of day as "HH:MM", 24-hour (00:00–23:59)."""

    def __init__(self, **kwargs: Any) -> None:
        metadata = {
            "type": "string",
            "pattern": f"^{_HH_MM.pattern}$",
            **kwargs.pop("metadata", {}),
        }
        super().__init__(metadata=metadata, **kwargs)

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> Any:
        return None if value is None else f"{value:%H:%M}"

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> time:
        if not isinstance(value, str) or not _HH_MM.fullmatch(value):
            raise ma.ValidationError(NOT_A_TIME)
        return time(int(value[:2]), int(value[3:]))


NotificationTypesSchema = StrictSchema.from_dict(
    {
        type: StrictBoolean(
            required=True,
            metadata={
                "description": TYPE_DESCRIPTIONS[type],
                # Always on: it can only be sent as true, and always reads true.
                **({"enum": [True]} if type in t.ALWAYS_ON else {}),
            },
        )
        for type in t.TYPES
    },
    name="NotificationTypesSchema",
)


QUIET_HOURS = (
    "Quiet hours, on the Asia/Tokyo wall clock: a non-urgent notification due between "
    "start and end is held until the end time. Reminders and cancellations are urgent and "
    "always go through. The window may span midnight (default 22:00–07:00)."
)


class QuietHoursSchema(StrictSchema):
    """When not to be disturbed (see ``QUIET_HOURS``)."""

    enabled = StrictBoolean(required=True, metadata={"example": True})
    start = ClockTime(
        required=True,
        metadata={"example": "22:00", "description": "Asia/Tokyo; from this time on."},
    )
    end = ClockTime(
        required=True,
        metadata={
            "example": "07:00",
            "description": "Asia/Tokyo; held notifications go out at this time. Not equal "
            "to start.",
        },
    )


class NotificationSettingsSchema(ma.Schema):
    types = ma.fields.Nested(
        NotificationTypesSchema,
        metadata={"description": "Every notification type: true when it is sent to you."},
        required=True,
    )
    quiet_hours = ma.fields.Nested(
        QuietHoursSchema, metadata={"description": QUIET_HOURS}, required=True
    )


class NotificationSettingsUpdateSchema(StrictSchema):
    # Partial: an answer carries every part, an update only the parts to change.
    types = ma.fields.Nested(
        NotificationTypesSchema(partial=True),
        metadata={"description": "Only the types to change; `match_cancelled` stays on."},
    )
    quiet_hours = ma.fields.Nested(
        QuietHoursSchema(partial=True),
        metadata={"description": QUIET_HOURS + " Send only the parts to change."},
    )
