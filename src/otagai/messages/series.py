"""Problem details of share series and the calendar feed: code -> (ja, en)."""

DETAILS: dict[str, tuple[str, str]] = {
    "share_series_not_found": ("定期のお願いが見つかりません。", "Share series not found."),
    "series_occurrence_not_found": (
        "この定期のお願いにその日付はありません。",
        "The series has no such date.",
    ),
    "series_offer_not_found": (
        "この定期のお願いへの申し出が見つかりません。",
        "No such offer on this series.",
    ),
    "series_requester_only": (
        "定期のお願いをした本人のみが行える操作です。",
        "Only the person who posted the series can do this.",
    ),
    "series_supporter_only": (
        "この定期のお願いを引き受けているサポーターのみが行える操作です。",
        "Only the series' supporter can do this.",
    ),
    "series_offerer_only": (
        "この申し出をしたサポーター本人のみが行える操作です。",
        "Only the supporter who made this offer can do this.",
    ),
    "share_series_ended": ("この定期のお願いは終了しています。", "This series has ended."),
    "share_series_not_open": (
        "この定期のお願いはすでに引き受け手が決まっているか、終了しているか、受付中の日がありません。",
        "This series already has a supporter, has ended, or has no open date.",
    ),
    "series_occurrence_not_changeable": (
        "この日はすでに始まっているか、取り消されているため変更できません。",
        "This date has started or was cancelled, so it cannot be changed.",
    ),
    "calendar_feed_not_found": ("カレンダーが見つかりません。", "Calendar feed not found."),
}

# Field messages of this area, English -> Japanese (for otagai.messages.FIELD_MESSAGES_JA).
FIELD_MESSAGES_JA: dict[str, str] = {
    "Not a valid RRULE.": "繰り返しの規則 (RRULE) の形式が正しくありません。",
    "Must be a single RRULE line without DTSTART, RDATE or EXDATE.": (
        "DTSTART・RDATE・EXDATE を含まない1行の RRULE を指定してください。"
    ),
    "FREQ must be DAILY, WEEKLY or MONTHLY.": "FREQ は DAILY・WEEKLY・MONTHLY のいずれかです。",
    "Must end: give COUNT or UNTIL.": "終わりを COUNT か UNTIL で指定してください。",
    "BYHOUR, BYMINUTE and BYSECOND are not allowed: the time is starts_at's.": (
        "BYHOUR・BYMINUTE・BYSECOND は使えません。時刻は starts_at のものです。"
    ),
    "At most 60 occurrences.": "回数は60回までです。",
    "The last occurrence must be at most one year ahead.": "最後の回は1年以内にしてください。",
    "The rule gives no date.": "この規則では日付がひとつもありません。",
    "Every date is a public holiday: set include_holidays.": (
        "すべての日が祝日です。include_holidays を指定してください。"
    ),
    "Give either skip or starts_at and ends_at.": (
        "skip か、starts_at と ends_at のどちらかを指定してください。"
    ),
    "Give starts_at and ends_at.": "starts_at と ends_at の両方を指定してください。",
}
