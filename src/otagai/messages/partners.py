"""Problem details of partner municipalities (API keys, dashboard links): code -> (ja, en).

A reader without credentials gets the general ``token_missing``; a signed-in person who is
not an operator gets ``operator_only`` (both defined in the package's own table)."""

DETAILS: dict[str, tuple[str, str]] = {
    "invalid_api_key": (
        "API キーが無効です (不明なキー、または失効済みのキー)。",
        "The API key is unknown or has been revoked.",
    ),
    "api_key_wrong_municipality": (
        "この API キーでは、発行先の自治体のデータのみ参照できます。",
        "This API key can only read its own municipality.",
    ),
    "api_key_not_found": ("API キーが見つかりません。", "API key not found."),
    "api_key_prefix_ambiguous": (
        "この接頭辞に一致する API キーが複数あります。ID で指定してください。",
        "Several API keys start like this; name the key by its id.",
    ),
}
