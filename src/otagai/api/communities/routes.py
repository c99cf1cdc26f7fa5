"""Communities, members and coordinators."""

from __future__ import annotations

from otagai.extensions.api import Blueprint

blp = Blueprint("communities", __name__, description="Communities, members and coordinators")
