"""Community events (交流イベント) and attendance."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from otagai.api.events.schemas import (
    AttendanceCreateSchema,
    AttendanceSchema,
    EventCreateSchema,
    EventQueryArgsSchema,
    EventSchema,
)
from otagai.domain.events import services as events
from otagai.domain.events.models import Event, EventAttendance
from otagai.domain.events.views import attendance_views, event_views
from otagai.extensions.api import Blueprint, Resource
from otagai.extensions.auth import current_actor
from otagai.extensions.idempotency import idempotent
from otagai.extensions.keyset import Page, paginate
from otagai.extensions.pagination import PageQueryArgsSchema, page_schema

blp = Blueprint("events", __name__, description="Community events (交流イベント) and attendance")


def _upcoming(stmt: Any, args: dict[str, Any]) -> Page[dict[str, Any]]:
    return paginate(
        stmt, keys=[Event.starts_at, Event.id], limit=args["limit"], cursor=args["cursor"]
    ).map(event_views)


def _since(args: dict[str, Any]) -> datetime:
    since: datetime | None = args.get("since")
    return since or datetime.now(UTC)


@blp.route("/communities/<uuid:community_id>/events")
class CommunityEventsViews(Resource):
    @blp.arguments(EventQueryArgsSchema, location="query")
    @blp.response(200, page_schema(EventSchema))
    @blp.problem(403, "Not a member of this community (nor an operator).")
    @blp.problem(404, "No such community.")
    def get(self, args: dict[str, Any], community_id: uuid.UUID) -> Page[dict[str, Any]]:
        """Upcoming events of a community, soonest first

        For its members, coordinators and operators. Events still going on are included.
        """
        stmt = events.community_events(current_actor(), community_id, since=_since(args))
        return _upcoming(stmt, args)

    @idempotent
    @blp.arguments(
        EventCreateSchema,
        examples={
            "event": {
                "value": {
                    "title": "親子でおしゃべり会",
                    "description": "未就学児の親子向け。途中参加OK。",
                    "starts_at": "2026-12-05T10:00:00+09:00",
                    "ends_at": "2026-12-05T12:00:00+09:00",
                    "place": {"lat": 35.8587, "lng": 139.6571},
                    "place_name": "浦和コミュニティセンター",
                }
            }
        },
    )
    @blp.response(201, EventSchema)
    @blp.problem(403, "Not a coordinator of this community.")
    @blp.problem(404, "No such community.")
    def post(self, data: dict[str, Any], community_id: uuid.UUID) -> dict[str, Any]:
        """Create an event (coordinators)"""
        event = events.create_event(current_actor(), community_id, **data)
        return event_views([event])[0]


@blp.route("/me/events")
class MyEventsViews(Resource):
    @blp.arguments(EventQueryArgsSchema, location="query")
    @blp.response(200, page_schema(EventSchema))
    @blp.problem(403, "Create your profile first.")
    def get(self, args: dict[str, Any]) -> Page[dict[str, Any]]:
        """Upcoming events of all my communities, soonest first"""
        return _upcoming(events.my_events(current_actor(), since=_since(args)), args)


@blp.route("/events/<uuid:event_id>")
class EventByIdViews(Resource):
    @blp.response(200, EventSchema)
    @blp.problem(404, "No such event (or not in one of my communities).")
    def get(self, event_id: uuid.UUID) -> dict[str, Any]:
        """One event"""
        return event_views([events.get_event(current_actor(), event_id)])[0]


@blp.route("/events/<uuid:event_id>/attendances")
class EventAttendancesViews(Resource):
    @blp.arguments(PageQueryArgsSchema, location="query")
    @blp.response(200, page_schema(AttendanceSchema))
    @blp.problem(403, "Not a coordinator of the event's community (nor an operator).")
    @blp.problem(404, "No such event (or not in one of my communities).")
    def get(self, args: dict[str, Any], event_id: uuid.UUID) -> Page[dict[str, Any]]:
        """Who attended, in the order they were recorded"""
        stmt: Any = events.event_attendances(current_actor(), event_id)
        return paginate(
            stmt,
            keys=[EventAttendance.recorded_at, EventAttendance.user_id],
            limit=args["limit"],
            cursor=args["cursor"],
        ).map(attendance_views)

    @idempotent
    @blp.arguments(
        AttendanceCreateSchema,
        examples={"attendance": {"value": {"user_id": "3f0c9a52-7a51-4d7e-9a0e-2b1f0c7d8e91"}}},
    )
    @blp.response(201, AttendanceSchema, description="Attendance recorded.")
    @blp.alt_response(200, schema=AttendanceSchema, description="Already recorded; unchanged.")
    @blp.problem(403, "Not a coordinator of the event's community.")
    @blp.problem(404, "No such event or user.")
    def post(self, data: dict[str, Any], event_id: uuid.UUID) -> tuple[dict[str, Any], int]:
        """Record that a member attended (coordinators)

        From an hour before the start to 30 days after it. Recording someone twice
        answers 200 with the first record.
        """
        attendance, created = events.record_attendance(
            current_actor(), event_id, user_id=data["user_id"]
        )
        return attendance_views([attendance])[0], 201 if created else 200
