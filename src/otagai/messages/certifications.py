"""Problem details of the certifications area: code -> (ja, en)."""

DETAILS: dict[str, tuple[str, str]] = {
    "certification_not_found": ("認定が見つかりません。", "Certification not found."),
    "certification_exists": (
        "この方はこのコミュニティで既に認定されています。更新 (renew) してください。",
        "This member already holds a certification in this community; renew it instead.",
    ),
    "certification_revoked": (
        "この認定は取り消されています。改めて認定してください。",
        "This certification has been revoked; certify the member again instead.",
    ),
    "self_certification": (
        "自分自身を認定することはできません。別のコーディネーターに依頼してください。",
        "You cannot certify yourself; ask another coordinator.",
    ),
    "background_check_not_found": (
        "この認定には犯罪歴の確認が記録されていません。",
        "No background check is recorded on this certification.",
    ),
    "self_background_check": (
        "自分自身の犯罪歴の確認は記録できません。別のコーディネーターに依頼してください。",
        "You cannot record your own background check; ask another coordinator.",
    ),
}

# Field messages of this area, English -> Japanese (for otagai.messages.FIELD_MESSAGES_JA).
FIELD_MESSAGES_JA: dict[str, str] = {
    "Must not contain duplicates.": "同じ値を重複して指定できません。",
    "Must be within the last 3 years.": "3年以内の日付を指定してください。",
    "Must not be before the current training date.": "現在の研修修了日より前にはできません。",
    "Must be after trained_on.": "研修修了日より後の日付を指定してください。",
    "Must be at most 3 years after trained_on.": "研修修了日から3年以内の日付を指定してください。",
    "Must be after today.": "明日以降の日付を指定してください。",
    "One year after trained_on has already passed: send expires_on "
    "(at most 3 years after trained_on).": (
        "研修修了日から1年が過ぎています。有効期限 (研修修了日から3年以内) を指定してください。"
    ),
    "Must be later than the current expiry date.": "現在の有効期限より後の日付を指定してください。",
    "The certification cannot run more than 3 years past training: send the new training date.": (
        "認定は研修修了日から3年までです。新しい研修修了日を指定してください。"
    ),
    "Not a member of this community.": "このコミュニティのメンバーではありません。",
    "Another coordinator must certify you.": "自分自身は認定できません。",
    "The Japanese DBS starts on 2026-12-25: use equivalent for an earlier check.": (
        "日本版DBSは2026年12月25日に始まります。それより前の確認は equivalent を指定してください。"
    ),
    "Another coordinator must confirm your own check.": (
        "自分自身の確認は、別のコーディネーターが記録してください。"
    ),
}
