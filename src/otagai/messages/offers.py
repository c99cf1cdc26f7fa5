"""Problem details of the offers area: code -> (ja, en)."""

DETAILS: dict[str, tuple[str, str]] = {}
