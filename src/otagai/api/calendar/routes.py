"""My calendar-feed token: make (or replace) it and get the feed's URL; revoke it."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import current_app, request, url_for

from otagai.domain.calendar import tokens
from otagai.extensions.api import Blueprint, Resource
from otagai.extensions.auth import current_actor

blp = Blueprint("calendar", __name__, description="My calendar feed")


class CalendarTokenSchema(ma.Schema):
    url = ma.fields.String(
        required=True,
        metadata={
            "description": "The feed to subscribe to (text/calendar). The token in it is "
            "its only credential: shown once, stored hashed.",
            "example": "https://api.otagai.example/ical/q8V2....ics",
        },
    )


def _base_url() -> str:
    configured = current_app.config["OTAGAI"].public_base_url
    return configured or request.host_url.rstrip("/")


@blp.route("/me/calendar-token")
class CalendarTokenViews(Resource):
    @blp.response(200, CalendarTokenSchema)
    @blp.problem(403, "Create your profile first.")
    def post(self) -> dict[str, Any]:
        """Make my calendar feed's URL (a new one replaces the old)

        Subscribe to it in a calendar app: my matches and my series' coming dates, each
        titled only by its kind (お迎え · Otagai), in Asia/Tokyo. The previous URL stops
        working at once.
        """
        token = tokens.rotate_calendar_token(current_actor())
        path = url_for("calendar_pages.calendar_feed", token=token)
        return {"url": _base_url() + path}

    @blp.response(204)
    @blp.problem(403, "Create your profile first.")
    def delete(self) -> None:
        """Revoke my calendar feed: its URL answers 404 from now on"""
        tokens.revoke_calendar_token(current_actor())
