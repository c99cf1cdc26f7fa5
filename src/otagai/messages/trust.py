"""Problem details of the trust area: code -> (ja, en)."""

DETAILS: dict[str, tuple[str, str]] = {
    "connection_code_not_found": (
        "このコードは見つからないか、有効期限が切れています。"
        "相手に新しいコードを表示してもらってください。",
        "This code is unknown or has expired; ask for a new one.",
    ),
    "connection_code_used": (
        "このコードは使用済みです。相手に新しいコードを表示してもらってください。",
        "This code was already used; ask for a new one.",
    ),
    "cannot_connect_to_self": (
        "自分のコードでは知り合いになれません。相手の端末でコードを読み取ってください。",
        "That is your own code; the other person has to enter it.",
    ),
    "already_connected": ("すでに知り合いです。", "You are already connected."),
    "too_many_attempts": (
        "コードの入力に何度も失敗したため、しばらく入力できません。"
        "Retry-After の秒数が過ぎてから再度お試しください。",
        "Too many failed attempts; try again after the number of seconds in Retry-After.",
    ),
    "connection_not_found": (
        "この方とは知り合いではありません。",
        "You are not connected to this user.",
    ),
    "cannot_block_self": ("自分をブロックすることはできません。", "You cannot block yourself."),
    "block_not_found": ("この方をブロックしていません。", "You have not blocked this user."),
}
