"""Problem details of municipal statistics: code -> (ja, en)."""

DETAILS: dict[str, tuple[str, str]] = {
    "statistics_range_too_long": (
        "期間は36か月以内で指定してください。",
        "The range may span at most 36 months.",
    ),
}
