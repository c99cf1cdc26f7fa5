"""Candidates for a request and the supporters' feed."""

from __future__ import annotations

from otagai.extensions.api import Blueprint

blp = Blueprint("matching", __name__, description="Candidates and the supporters' feed")
