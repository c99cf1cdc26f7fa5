"""Human-readable titles and details for problems, in Japanese (default) and English."""

from __future__ import annotations

from http import HTTPStatus

LANGUAGES = ("ja", "en")

# code -> (ja, en). Titles are short; details say what to do about it.
DETAILS: dict[str, tuple[str, str]] = {
    "bad_request": ("リクエストの形式が正しくありません。", "The request is malformed."),
    "validation_failed": (
        "入力内容に誤りがあります。errors の各項目を確認してください。",
        "Some fields are invalid; see errors for each field.",
    ),
    "not_found": ("指定されたものは見つかりません。", "The resource was not found."),
    "method_not_allowed": (
        "このURLではこのメソッドは使えません。",
        "This method is not allowed on this URL.",
    ),
    "not_acceptable": (
        "Accept ヘッダーで指定された形式では応答できません。",
        "None of the media types in the Accept header can be answered.",
    ),
    "payload_too_large": (
        "リクエストの本文が大きすぎます。",
        "The request body is too large.",
    ),
    "unsupported_media_type": (
        "本文は application/json で送ってください。",
        "Send the body as application/json.",
    ),
    "internal_error": (
        "サーバーで問題が発生しました。時間をおいて再度お試しください。",
        "Something went wrong on our side. Please try again later.",
    ),
    "database_unavailable": (
        "一時的にデータベースに接続できません。少し待ってからもう一度お試しください。",
        "The database is briefly unavailable; please try again in a moment.",
    ),
    "service_unavailable": (
        "サービスを一時的に利用できません。",
        "The service is temporarily unavailable.",
    ),
    "token_missing": (
        "Authorization ヘッダーに Firebase の ID トークンを付けてください。",
        "Send a Firebase ID token in the Authorization header (Bearer).",
    ),
    "token_invalid": ("ID トークンが無効です。", "The ID token is invalid."),
    "token_expired": (
        "ID トークンの有効期限が切れています。再取得してください。",
        "The ID token has expired; fetch a fresh one.",
    ),
    "token_verification_unavailable": (
        "ID トークンを確認できませんでした。時間をおいて再度お試しください。",
        "The ID token could not be verified right now; try again later.",
    ),
    "forbidden": ("この操作は許可されていません。", "You are not allowed to do this."),
    "operator_only": ("運営スタッフのみが行える操作です。", "Only operators can do this."),
    "profile_not_found": (
        "プロフィールがまだありません。PUT /v1/me で作成してください。",
        "You have no profile yet; create it with PUT /v1/me.",
    ),
    "profile_required": (
        "先にプロフィールを作成してください (PUT /v1/me)。",
        "Create your profile first (PUT /v1/me).",
    ),
    "child_not_found": ("お子さまが見つかりません。", "Child not found."),
    "device_not_found": ("端末が見つかりません。", "Device token not found."),
    "authorised_adult_not_found": (
        "お迎えを任せられる大人が見つかりません。",
        "Authorised adult not found.",
    ),
    "too_many_authorised_adults": (
        "お迎えを任せられる大人は、お子さま1人につき10人までです。",
        "At most 10 authorised adults per child; remove one first.",
    ),
    "invite_not_found": (
        "招待コードが見つからないか、有効期限が切れています。",
        "The invite code is unknown or has expired.",
    ),
    "invite_already_used": ("この招待コードは使用済みです。", "This invite code was already used."),
    "already_in_household": (
        "すでにこの世帯に参加しています。",
        "You are already a member of this household.",
    ),
    "household_has_other_members": (
        "現在の世帯に他のメンバーがいるため、別の世帯に移れません。",
        "Your current household has other members, so you cannot move to another one.",
    ),
    "nul_character": (
        "NUL 文字 (\\u0000) は使えません。",
        "NUL characters (\\u0000) are not allowed.",
    ),
    "idempotency_key_reused": (
        "同じ Idempotency-Key が別の内容のリクエストに使われています。",
        "This Idempotency-Key was already used with a different request.",
    ),
    "idempotency_key_in_use": (
        "同じ Idempotency-Key のリクエストを処理中です。",
        "A request with this Idempotency-Key is still being processed.",
    ),
    "too_many_requests": (
        "短時間にリクエストが多すぎます。しばらく待ってから再度お試しください。",
        "Too many requests; wait a moment and try again.",
    ),
    "invalid_cursor": ("cursor が正しくありません。", "The cursor is invalid."),
    "conflict": ("他の変更と競合しました。", "The request conflicts with another change."),
}


def _merge_areas() -> None:
    # Each area keeps its own codes in a module of this package.
    from otagai.messages import (
        certifications,
        checkins,
        communities,
        events,
        insurance,
        matching,
        noshows,
        notifications,
        offers,
        partners,
        payments,
        reports,
        requests,
        series,
        statistics,
        thanks,
        trust,
    )

    for module in (
        communities,
        trust,
        certifications,
        events,
        requests,
        matching,
        offers,
        insurance,
        thanks,
        checkins,
        noshows,
        reports,
        payments,
        notifications,
        partners,
        statistics,
        series,
    ):
        overlap = DETAILS.keys() & module.DETAILS.keys()
        assert not overlap, f"problem codes defined twice: {sorted(overlap)}"
        DETAILS.update(module.DETAILS)
        FIELD_MESSAGES_JA.update(getattr(module, "FIELD_MESSAGES_JA", {}))
        FIELD_PATTERNS_JA.extend(getattr(module, "FIELD_PATTERNS_JA", []))


def title_for_status(status: int, lang: str) -> str:
    ja = {
        400: "不正なリクエスト",
        401: "認証が必要です",
        403: "権限がありません",
        404: "見つかりません",
        405: "許可されていないメソッド",
        406: "応答できない形式です",
        409: "競合",
        413: "リクエストが大きすぎます",
        415: "サポートされていないメディアタイプ",
        422: "入力エラー",
        429: "リクエストが多すぎます",
        500: "サーバーエラー",
        503: "一時的に利用できません",
    }
    if lang == "ja" and status in ja:
        return ja[status]
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def detail_for(code: str, lang: str) -> str | None:
    pair = DETAILS.get(code)
    if pair is None:
        return None
    return pair[0] if lang == "ja" else pair[1]


# marshmallow/webargs speak English; the app shows field messages to people, so the
# common ones are translated. Unknown messages pass through unchanged.
FIELD_MESSAGES_JA: dict[str, str] = {
    "Missing data for required field.": "必須項目です。",
    "Unknown field.": "不明な項目です。",
    "Field may not be null.": "null は指定できません。",
    "Not a valid string.": "文字列ではありません。",
    "Not a valid integer.": "整数ではありません。",
    "Not a valid number.": "数値ではありません。",
    "Not a valid boolean.": "真偽値ではありません。",
    "Not a valid date.": "日付 (YYYY-MM-DD) ではありません。",
    "Not a valid datetime.": "日時 (ISO 8601) ではありません。",
    "Not a valid UUID.": "UUID ではありません。",
    "Not a valid mapping type.": "オブジェクトではありません。",
    "Not a valid list.": "配列ではありません。",
    "Invalid input type.": "入力の型が正しくありません。",
    "Invalid value.": "値が正しくありません。",
    "Must not be blank.": "空にはできません。",
    "Outside Japan.": "日本国内の位置を指定してください。",
    "Not a valid number (a JSON number is required).": "数値で指定してください。",
    "Special numeric values (nan or infinity) are not permitted.": "数値で指定してください。",
    "Must be printable ASCII.": "英数字と記号のみで指定してください。",
    "Must not be in the future.": "未来の日付は指定できません。",
    "Must be a child aged 18 or under.": "18歳以下のお子さまの生年月日を指定してください。",
}


# Validator messages carry numbers and choices; translated by shape.
FIELD_PATTERNS_JA: list[tuple[str, str]] = [
    (r"^Length must be between (\d+) and (\d+)\.$", r"\1〜\2文字で入力してください。"),
    (r"^Shorter than minimum length (\d+)\.$", r"\1文字以上で入力してください。"),
    (r"^Longer than maximum length (\d+)\.$", r"\1文字以内で入力してください。"),
    (
        r"^Must be greater than or equal to (\S+) and less than or equal to (\S+)\.$",
        r"\1以上\2以下で指定してください。",
    ),
    (r"^Must be greater than or equal to (\S+)\.$", r"\1以上で指定してください。"),
    (r"^Must be less than or equal to (\S+)\.$", r"\1以下で指定してください。"),
    (r"^Must be one of: (.+)\.$", r"次のいずれかを指定してください: \1"),
]


_merge_areas()
