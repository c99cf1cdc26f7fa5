"""Connections (知り合い) and blocks."""

from __future__ import annotations

from otagai.extensions.api import Blueprint

blp = Blueprint("trust", __name__, description="Connections (知り合い) and blocks")
