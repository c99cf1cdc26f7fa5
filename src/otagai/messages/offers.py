"""Problem details of the offers area: code -> (ja, en)."""

DETAILS: dict[str, tuple[str, str]] = {
    "not_a_candidate": (
        "このお願いに手を挙げられるのは、お願いした方の知り合い・認定サポーターなど、"
        "条件を満たす近くの方だけです。",
        "Only people this request is shown to (nearby, trusted, free at that time) can offer.",
    ),
    "share_request_not_open": (
        "このお願いはすでに成立・キャンセル・期限切れのため、受け付けていません。",
        "This request is no longer open (matched, cancelled or expired).",
    ),
    "already_offered": (
        "このお願いにはすでに手を挙げています。",
        "You have already offered to help with this request.",
    ),
    "offer_not_found": ("申し出が見つかりません。", "Offer not found."),
    "offer_not_pending": (
        "この申し出はすでに承諾・お断り・取り下げ済みです。",
        "This offer was already accepted, declined or withdrawn.",
    ),
    "offer_supporter_only": (
        "申し出をした本人のみが行える操作です。",
        "Only the person who made the offer can do this.",
    ),
    "supporter_unavailable": (
        "この方は現在このお願いを引き受けられません (同じ時間帯に別の予定が入ったなど)。",
        "This supporter can no longer take the request (for example, they now have another "
        "match at that time).",
    ),
    "match_not_found": ("成立したお願いが見つかりません。", "Match not found."),
}
