"""Problem details of the requests area: code -> (ja, en)."""

DETAILS: dict[str, tuple[str, str]] = {}
