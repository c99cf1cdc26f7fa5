"""Problem details of municipal statistics: code -> (ja, en)."""

DETAILS: dict[str, tuple[str, str]] = {
    "statistics_range_too_long": (
        "期間は36か月以内で指定してください。",
        "The range may span at most 36 months.",
    ),
}

# Field messages of this area, English -> Japanese (for otagai.messages.FIELD_MESSAGES_JA).
FIELD_MESSAGES_JA: dict[str, str] = {
    "Must be a month as YYYY-MM, from 2000-01 to 2100-12.": (
        "2000-01から2100-12までの年月 (YYYY-MM) を指定してください。"
    ),
    "Must be a month from 2000-01 to 2100-12.": "2000-01から2100-12までの年月を指定してください。",
    "Must not be before from.": "開始月より前の月は指定できません。",
}
