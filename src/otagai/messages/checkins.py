"""Texts of the pickup pass, the check-ins and the two-party handover: problem details
(code -> (ja, en))."""

from __future__ import annotations

DETAILS: dict[str, tuple[str, str]] = {
    "supporter_only": (
        "サポーターだけが行える操作です。",
        "Only the supporter of the match can do this.",
    ),
    "pass_not_for_kind": (
        "お迎えパスは「お迎え」の予定にだけ発行されます。",
        "Pickup passes exist for pickups only.",
    ),
    "pass_not_found": (
        "このお迎えパスは見つかりません。",
        "No such pickup pass.",
    ),
    "handover_not_for_kind": (
        "引き渡しコードは「お迎え」の予定にだけあります。",
        "Handover codes exist for pickups only.",
    ),
    "checkin_not_for_kind": (
        "この種類の予定には、チェックインはありません。",
        "This kind of help has no check-ins.",
    ),
    "checkin_type_invalid": (
        "この予定の種類には使えないチェックインです（お迎え: picked_up, arrived, "
        "handed_over／預かり: started, ended）。",
        "This check-in does not belong to this kind of help (pickup: picked_up, arrived, "
        "handed_over; babysitting: started, ended).",
    ),
    "checkin_already_recorded": (
        "このチェックインはすでに記録されています。",
        "This check-in has already been recorded.",
    ),
    "checkin_out_of_order": (
        "前のチェックインがまだ記録されていません（お迎え → 到着 → 引き渡しの順です）。",
        "The previous check-in has not been recorded yet (pickup, arrival, handover; or "
        "start, end).",
    ),
    "checkin_too_early": (
        "チェックインは開始の30分前からできます。",
        "Check-ins open 30 minutes before the start.",
    ),
    "handover_code_invalid": (
        "引き渡しコードが違います。依頼した方のアプリに表示されている6桁のコードを入力してください。",
        "Wrong handover code. Enter the six digits shown in the requester's app.",
    ),
    "handover_locked": (
        "引き渡しコードの入力に5回失敗したため、引き渡しの記録は止められています。"
        "依頼した方と直接連絡を取ってください。",
        "The handover code was wrong five times, so the handover can no longer be "
        "recorded. Please contact the requester directly.",
    ),
}
