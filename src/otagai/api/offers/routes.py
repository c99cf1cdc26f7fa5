"""Offers on requests, acceptance into a match, and matches."""

from __future__ import annotations

from otagai.extensions.api import Blueprint

blp = Blueprint("offers", __name__, description="Offers and matches (成立)")
