"""Problem details of the match lifecycle and thank-yous: code -> (ja, en)."""

DETAILS: dict[str, tuple[str, str]] = {
    "match_not_confirmed": (
        "この成立はすでに完了またはキャンセルされています。",
        "This match was already completed or cancelled.",
    ),
    "match_not_started": (
        "開始時刻の前は完了にできません。",
        "A match cannot be completed before its start time.",
    ),
    "match_party_only": (
        "お願いした方と引き受けた方だけが行える操作です。",
        "Only the requester and the supporter of this match can do this.",
    ),
    "match_cancelled": (
        "キャンセルされた成立には謝礼を記録できません。",
        "No thank-you can be recorded for a cancelled match.",
    ),
    "thank_you_exists": (
        "この成立の謝礼はすでに記録されています。",
        "A thank-you was already recorded for this match.",
    ),
    "card_payments_unavailable": (
        "現在カードでの謝礼はご利用いただけません。現金でお渡しください。",
        "Card payments are not available right now; give the thank-you in cash.",
    ),
    "thank_you_not_found": ("謝礼の記録が見つかりません。", "Thank-you not found."),
    "thank_you_supporter_only": (
        "謝礼を受け取る方だけが受け取りを確認できます。",
        "Only the supporter who receives the thank-you can acknowledge it.",
    ),
    "thank_you_not_recorded": (
        "この謝礼は受け取り確認できません (確認済み、またはカード払い)。",
        "This thank-you cannot be acknowledged (already acknowledged, or paid by card).",
    ),
}
