"""Problem details of the matching area: code -> (ja, en)."""

DETAILS: dict[str, tuple[str, str]] = {}
