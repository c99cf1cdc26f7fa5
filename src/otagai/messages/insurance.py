"""Problem details of the insurance area: code -> (ja, en)."""

DETAILS: dict[str, tuple[str, str]] = {
    "insurance_policy_not_found": ("保険契約が見つかりません。", "Insurance policy not found."),
    "insurance_policy_edit_conflict": (
        "同じ保険契約が同時に編集されました。最新の内容を確認してやり直してください。",
        "This policy was edited at the same time by someone else; reload it and retry.",
    ),
}
