"""Share requests (お願い): post, read at the allowed visibility, list mine, cancel."""

from __future__ import annotations

from otagai.extensions.api import Blueprint

blp = Blueprint("share_requests", __name__, description="Share requests (お願い)")
