"""Problem details of the trust area: code -> (ja, en)."""

DETAILS: dict[str, tuple[str, str]] = {}
