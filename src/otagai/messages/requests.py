"""Problem details of the requests area: code -> (ja, en)."""

DETAILS: dict[str, tuple[str, str]] = {
    "share_request_not_found": ("お願いが見つかりません。", "Share request not found."),
    "not_a_community_member": (
        "このコミュニティのメンバーのみがお願いを投稿できます。",
        "Only members of this community can post requests in it.",
    ),
    "requester_only": (
        "お願いをした本人のみが行える操作です。",
        "Only the person who posted the request can do this.",
    ),
    "share_request_not_cancellable": (
        "このお願いはすでに完了・キャンセル・期限切れのため、キャンセルできません。",
        "This request is already completed, cancelled or expired, so it cannot be cancelled.",
    ),
}

# Field messages of this area, English -> Japanese (for otagai.messages.FIELD_MESSAGES_JA).
FIELD_MESSAGES_JA: dict[str, str] = {
    "Must be in the future.": "現在より後の日時を指定してください。",
    "Must be at most one year ahead.": "1年以内の日時を指定してください。",
    "Must be after starts_at.": "開始日時より後の日時を指定してください。",
    "Must be at most 12 hours after starts_at.": "開始から12時間以内の日時を指定してください。",
    "Must be at most 30 days after starts_at.": "開始から30日以内の日時を指定してください。",
    "Required for pickup.": "送迎では必須です。",
    "Only for pickup.": "送迎のときだけ指定できます。",
    "Required for lending.": "モノの貸し借りでは必須です。",
    "Only for lending.": "モノの貸し借りのときだけ指定できます。",
    "At least one child is required.": "お子さまを1人以上選んでください。",
    "Not for lending.": "モノの貸し借りでは指定できません。",
    "Unknown child.": "世帯のお子さまではありません。",
    "Must not contain duplicates.": "同じ項目が重複しています。",
    "At most 10 children.": "お子さまは10人までです。",
    "Must be between 2000 and 2100.": "2000年から2100年までの日時を指定してください。",
    "Not a valid aware datetime.": "タイムゾーン付きの日時 (ISO 8601) を指定してください。",
    "Not a valid integer (a JSON integer is required).": "整数で指定してください。",
}
