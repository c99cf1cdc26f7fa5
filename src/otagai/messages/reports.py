"""Texts of the activity report (援助活動報告書), its PDF and CSV, and the insurance claims
an incident opens: problem details (code -> (ja, en))."""

from __future__ import annotations

DETAILS: dict[str, tuple[str, str]] = {
    "report_not_found": (
        "この予定の援助活動報告書はまだありません。",
        "This match has no activity report yet.",
    ),
    "report_too_early": (
        "援助活動報告書は、予定の開始時刻を過ぎてから作成できます。",
        "The activity report can be drafted once the match's start time has passed.",
    ),
    "report_match_cancelled": (
        "キャンセルされた予定には援助活動報告書を作成できません。",
        "A cancelled match has no activity report.",
    ),
    "report_already_confirmed": (
        "援助活動報告書は確認済みのため、変更できません。",
        "The activity report has been confirmed and can no longer be changed.",
    ),
    "report_times_invalid": (
        "実際の開始・終了時刻を確認してください（終了は開始より後、予定の前後6時間以内、未来の時刻は不可）。",
        "Check the actual start and end: the end after the start, both within 6 hours of "
        "the scheduled times, neither in the future.",
    ),
    "report_font_missing": (
        "報告書のPDFを作成できません（日本語フォントがありません）。JSON では取得できます。",
        "The report's PDF cannot be made right now (its Japanese font is missing); the "
        "JSON report still works.",
    ),
    "insurance_claim_not_found": (
        "保険請求が見つかりません。",
        "No such insurance claim.",
    ),
    "insurance_claim_finished": (
        "終了または却下された保険請求の状態は変更できません。",
        "A closed or rejected insurance claim's status cannot change.",
    ),
    "insurance_claim_status_invalid": (
        "この状態には変更できません（open → submitted → closed、または rejected）。",
        "The claim cannot move to this status (open → submitted → closed, or rejected).",
    ),
}
