"""Short codes that people read aloud and type: household invites and connection codes."""

from __future__ import annotations

import unicodedata

# Easy to read aloud and type: no 0/O, 1/I/L.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def normalize_code(code: str) -> str:
    """Forgiving of how people type: case, spaces, hyphens, full-width characters."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", code).upper() if ch.isalnum())
