"""Problem details of the events area: code -> (ja, en)."""

DETAILS: dict[str, tuple[str, str]] = {}
