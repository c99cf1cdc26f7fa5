"""Problem details of the events area: code -> (ja, en)."""

DETAILS: dict[str, tuple[str, str]] = {
    "event_not_found": ("イベントが見つかりません。", "Event not found."),
    "members_only": (
        "このコミュニティのメンバーのみが見られます。",
        "Only members of this community can see this.",
    ),
    "event_not_started": (
        "参加記録はイベント開始の1時間前から付けられます。",
        "Attendance can be recorded from one hour before the event starts.",
    ),
    "attendance_closed": (
        "参加記録はイベント開始から30日以内に付けてください。",
        "Attendance can be recorded up to 30 days after the event started.",
    ),
}

# Field messages of this area, English -> Japanese (for otagai.messages.FIELD_MESSAGES_JA).
FIELD_MESSAGES_JA: dict[str, str] = {
    "Must be at most 30 days ago.": "30日前以降の日時を指定してください。",
    "Must be at most one year ahead.": "1年以内の日時を指定してください。",
    "Must be after starts_at.": "開始日時より後の日時を指定してください。",
    "Must be at most 24 hours after starts_at.": "開始から24時間以内の日時を指定してください。",
    "Must be between 2000 and 2100.": "2000年から2100年までの日時を指定してください。",
    "Not a valid aware datetime.": "タイムゾーン付きの日時 (ISO 8601) を指定してください。",
}
