"""Problem details of the matching area: code -> (ja, en).

The candidate list answers 409 with ``share_request_not_open`` (defined with the offers).
"""

DETAILS: dict[str, tuple[str, str]] = {
    "home_required": (
        "先にプロフィールで自宅の位置を設定してください (PUT /v1/me)。",
        "Set your home location in your profile first (PUT /v1/me).",
    ),
}
