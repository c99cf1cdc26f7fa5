"""Supporter certifications (認定サポーター)."""

from __future__ import annotations

from otagai.extensions.api import Blueprint

blp = Blueprint("certifications", __name__, description="Supporter certifications (認定サポーター)")
