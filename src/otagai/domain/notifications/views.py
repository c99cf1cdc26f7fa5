"""My notification settings as the API shows them."""

from __future__ import annotations

from typing import Any

from otagai.domain.notifications.preferences import Preferences, wants
from otagai.domain.notifications.types import TYPES


def settings_view(prefs: Preferences) -> dict[str, Any]:
    return {
        "types": {type: wants(prefs, type) for type in TYPES},
        "quiet_hours": {
            "enabled": prefs.quiet_enabled,
            "start": prefs.quiet_start,
            "end": prefs.quiet_end,
        },
    }
