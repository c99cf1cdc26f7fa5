"""Municipalities (operators)."""

from __future__ import annotations

from otagai.extensions.api import Blueprint

blp = Blueprint("municipalities", __name__, description="Municipalities (operators)")
