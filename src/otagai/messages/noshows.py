"""Texts of no-shows and reliability: problem details (code -> (ja, en))."""

from __future__ import annotations

DETAILS: dict[str, tuple[str, str]] = {
    "no_show_already_recorded": (
        "この予定には、すでに「来られなかった」の記録があります。",
        "A no-show has already been recorded for this match.",
    ),
    "no_show_too_early": (
        "「来られなかった」の記録は、予定の開始時刻からできます。",
        "A no-show can be recorded only once the match's start time has come.",
    ),
    "no_show_too_late": (
        "「来られなかった」の記録は、予定の終了から7日以内にしてください。",
        "A no-show must be recorded within 7 days of the match's end.",
    ),
    "match_completed": (
        "この予定は完了済みのため、「来られなかった」の記録はできません。",
        "The match was marked done: a no-show cannot be recorded.",
    ),
    "match_cancelled_before_start": (
        "開始前にキャンセルされた予定には、「来られなかった」の記録はできません。",
        "The match was cancelled before its start: nobody was expected to come.",
    ),
    "no_show_not_found": (
        "この予定には「来られなかった」の記録がありません。",
        "No no-show has been recorded for this match.",
    ),
    "no_show_reported_party_only": (
        "返答できるのは、来られなかったと記録された方だけです。",
        "Only the party reported absent can answer.",
    ),
    "no_show_already_answered": (
        "この記録には、すでに返答があります。",
        "This no-show has already been answered.",
    ),
}
