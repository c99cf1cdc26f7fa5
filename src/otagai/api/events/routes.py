"""Community events (交流イベント) and attendance."""

from __future__ import annotations

from otagai.extensions.api import Blueprint

blp = Blueprint("events", __name__, description="Community events (交流イベント) and attendance")
