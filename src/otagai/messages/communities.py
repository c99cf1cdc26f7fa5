"""Problem details of the communities area: code -> (ja, en)."""

DETAILS: dict[str, tuple[str, str]] = {}
