"""Audit log of coordinator and operator actions."""

from __future__ import annotations

from otagai.extensions.api import Blueprint

blp = Blueprint("audit", __name__, description="Audit log of coordinator and operator actions")
