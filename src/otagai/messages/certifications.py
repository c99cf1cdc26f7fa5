"""Problem details of the certifications area: code -> (ja, en)."""

DETAILS: dict[str, tuple[str, str]] = {}
