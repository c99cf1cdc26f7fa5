"""/v1/me/notification-settings: which push notifications I get, and my quiet hours."""

from __future__ import annotations

from typing import Any

from otagai.api.notifications.schemas import (
    NotificationSettingsSchema,
    NotificationSettingsUpdateSchema,
)
from otagai.domain.notifications import preferences
from otagai.domain.notifications.views import settings_view
from otagai.extensions.api import Blueprint, Resource
from otagai.extensions.auth import current_actor

blp = Blueprint(
    "notifications",
    __name__,
    url_prefix="/me/notification-settings",
    description="My notification settings",
)


@blp.route("")
class NotificationSettingsViews(Resource):
    @blp.response(200, NotificationSettingsSchema)
    @blp.problem(403, "Create your profile first.", code="profile_required")
    def get(self) -> dict[str, Any]:
        """My notification settings

        Every notification type with whether I get it, and my quiet hours (Asia/Tokyo).
        Without changes: everything on, quiet hours 22:00–07:00.
        """
        return settings_view(preferences.my_settings(current_actor()))

    @blp.arguments(
        NotificationSettingsUpdateSchema,
        examples={
            "switch_off": {"value": {"types": {"new_request": False}}},
            "quiet_hours": {"value": {"quiet_hours": {"start": "21:30", "end": "06:30"}}},
            "no_quiet_hours": {"value": {"quiet_hours": {"enabled": False}}},
        },
    )
    @blp.response(200, NotificationSettingsSchema)
    @blp.problem(403, "Create your profile first.", code="profile_required")
    @blp.problem(
        422,
        "An unknown type, a value that is not true or false, a time that is not HH:MM; "
        "`notification_type_always_on` when switching off `match_cancelled`; "
        "`quiet_hours_empty` when start and end would be the same time.",
    )
    def patch(self, data: dict[str, Any]) -> dict[str, Any]:
        """Change my notification settings

        Send only what changes: some types (true on, false off) and/or some of the quiet
        hours. Quiet hours are on the Asia/Tokyo wall clock: a non-urgent notification in
        them is held until the end time; reminders and cancellations always go through.
        Answers all my settings.
        """
        return settings_view(preferences.update_settings(current_actor(), data))
