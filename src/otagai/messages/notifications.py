"""Texts of the notifications area: problem details (code -> (ja, en)) and the push texts.

Push texts show on a lock screen, so they never carry a name, an address, a note or an
amount: only what kind of help it is and when. Each type has a fixed title and bodies
from the most to the least specific; :mod:`otagai.domain.notifications.render` takes the
first whose fields it has facts for, so the last body of each has no fields at all.

Fields: ``{summary}`` (kind and start, e.g. 「お迎え」12月1日(火) 15:00 から / Pickup, Tue 1
Dec, 15:00, or as much of it as is known), ``{kind}`` (お迎え / pickup), ``{checkin}``
(what a check-in says happened, CHECKIN_LABELS), ``{late}`` (the check-in a late alert
misses, LATE_LABELS), ``{no_show}`` (NO_SHOW_LABELS) and ``{until}`` (a certification's
expiry date).
"""

from __future__ import annotations

DETAILS: dict[str, tuple[str, str]] = {
    "notification_type_always_on": (
        "予定のキャンセルなど、大切なお知らせはオフにできません。",
        "Important notices, such as a cancelled plan, cannot be switched off.",
    ),
    "quiet_hours_empty": (
        "通知を控える時間帯の開始と終了には、別の時刻を指定してください。",
        "Quiet hours need different start and end times.",
    ),
}

# Field messages of this area, English -> Japanese (for otagai.messages.FIELD_MESSAGES_JA).
FIELD_MESSAGES_JA: dict[str, str] = {
    "Must be a time as HH:MM (00:00–23:59).": "時刻は HH:MM (00:00〜23:59) で指定してください。",
    "This notification cannot be switched off.": "この通知はオフにできません。",
    "Start and end must differ.": "開始と終了に同じ時刻は指定できません。",
}

# Kind of help -> (ja, en); en is written to stand mid-sentence.
KIND_LABELS: dict[str, tuple[str, str]] = {
    "pickup": ("お迎え", "pickup"),
    "babysitting": ("預かり", "babysitting"),
    "lending": ("貸し借り", "lending"),
}

# A check-in's type -> (ja, en): what happened, with no name or place.
CHECKIN_LABELS: dict[str, tuple[str, str]] = {
    "picked_up": ("お子さんのお迎えが済みました", "Your child has been picked up"),
    "arrived": ("お子さんが目的地に着きました", "Your child has arrived"),
    "handed_over": ("お子さんの引き渡しが済みました", "Your child has been handed over"),
    "started": ("預かりが始まりました", "Babysitting has started"),
    "ended": ("預かりが終わりました", "Babysitting has ended"),
}

# The check-in a late alert misses -> (ja, en): what has not been recorded yet.
LATE_LABELS: dict[str, tuple[str, str]] = {
    "picked_up": ("お迎えの記録がまだありません", "No pickup has been recorded yet"),
    "handed_over": ("引き渡しの記録がまだありません", "No handover has been recorded yet"),
    "started": ("預かり開始の記録がまだありません", "Babysitting has not been recorded as started"),
    "ended": ("預かり終了の記録がまだありません", "Babysitting has not been recorded as ended"),
}

# A no-show notification's code -> (ja, en).
NO_SHOW_LABELS: dict[str, tuple[str, str]] = {
    "recorded": (
        "相手の方から、来られなかったと記録されました。予定はキャンセルになります",
        "The other party recorded that you did not come; the plan is cancelled",
    ),
    "answered": (
        "記録した「来られなかった」に返答がありました",
        "There is an answer to the no-show you recorded",
    ),
}

PushText = tuple[str, tuple[str, ...]]  # title, bodies (most specific first)

# type -> locale -> (title, bodies).
PUSH_TEXTS: dict[str, dict[str, PushText]] = {
    "new_request": {
        "ja": (
            "新しいお願いが届きました",
            ("{summary}のお願いです。", "アプリで内容を確認してください。"),
        ),
        "en": (
            "New request for help",
            ("{summary}. Can you help?", "Open the app to see what is needed."),
        ),
    },
    "new_offer": {
        "ja": (
            "申し出が届きました",
            (
                "{summary}のお願いに、引き受けたいという方がいます。",
                "あなたのお願いに、引き受けたいという方がいます。",
            ),
        ),
        "en": (
            "New offer of help",
            (
                "Someone offered to help with your request ({summary}).",
                "Someone offered to help with your request.",
            ),
        ),
    },
    "offer_accepted": {
        "ja": (
            "お手伝いが決まりました",
            (
                "{summary}のお手伝い、よろしくお願いします。",
                "申し出が受け入れられました。アプリで詳細を確認してください。",
            ),
        ),
        "en": (
            "Your offer was accepted",
            (
                "You're helping: {summary}. See the app for the details.",
                "You're helping out. See the app for the details.",
            ),
        ),
    },
    "offer_declined": {
        "ja": (
            "申し出ありがとうございました",
            (
                "{summary}のお願いは、ほかの方が引き受けることになりました。",
                "今回のお願いは、ほかの方が引き受けることになりました。",
            ),
        ),
        "en": (
            "Thanks for your offer",
            (
                "Someone else will help with this request ({summary}).",
                "Someone else will help with this request this time.",
            ),
        ),
    },
    "match_cancelled": {
        "ja": (
            "予定がキャンセルされました",
            (
                "{summary}の予定はキャンセルになりました。",
                "決まっていた予定がキャンセルになりました。アプリで確認してください。",
            ),
        ),
        "en": (
            "Plan cancelled",
            (
                "Cancelled: {summary}. See the app for the details.",
                "A plan you had was cancelled. See the app for the details.",
            ),
        ),
    },
    "match_reminder": {
        "ja": (
            "まもなく予定の時間です",
            ("{summary}の予定です。", "アプリで予定を確認してください。"),
        ),
        "en": (
            "Starting soon",
            ("Coming up: {summary}.", "A plan of yours starts soon. See the app."),
        ),
    },
    "thank_you_recorded": {
        "ja": (
            "お礼が記録されました",
            (
                "{summary}のお手伝いへのお礼です。受け取ったらアプリで確認してください。",
                "お手伝いへのお礼です。受け取ったらアプリで確認してください。",
            ),
        ),
        "en": (
            "Thank-you recorded",
            (
                "A thank-you for your help ({summary}). Confirm in the app once you have it.",
                "A thank-you for your help. Confirm in the app once you have it.",
            ),
        ),
    },
    "thank_you_paid": {
        "ja": (
            "お礼が届きました",
            (
                "{summary}のお手伝いへのお礼が、カードで支払われました。",
                "お手伝いへのお礼が、カードで支払われました。",
            ),
        ),
        "en": (
            "Thank-you paid",
            (
                "A thank-you for your help ({summary}) was paid by card.",
                "A thank-you for your help was paid by card.",
            ),
        ),
    },
    "thank_you_payment_failed": {
        "ja": (
            "お礼の支払いができませんでした",
            (
                "お礼のカード決済ができませんでした ({summary})。"
                "アプリからもう一度お試しください。",
                "お礼のカード決済ができませんでした。アプリからもう一度お試しください。",
            ),
        ),
        "en": (
            "Thank-you payment failed",
            (
                "The card payment of your thank-you ({summary}) did not go through. "
                "Please try again in the app.",
                "The card payment of your thank-you did not go through. "
                "Please try again in the app.",
            ),
        ),
    },
    "certification_granted": {
        "ja": (
            "サポーターに認定されました",
            (
                "{kind}のサポーターとして認定されました ({until}まで有効)。",
                "{kind}のサポーターとして認定されました。",
                "サポーターとして認定されました ({until}まで有効)。",
                "サポーターとして認定されました。よろしくお願いします。",
            ),
        ),
        "en": (
            "You're a certified supporter",
            (
                "You are now certified for {kind}, valid until {until}.",
                "You are now certified for {kind}.",
                "You are now a certified supporter, valid until {until}.",
                "You are now a certified supporter. Thank you!",
            ),
        ),
    },
    "certification_expiring": {
        "ja": (
            "認定の有効期限が近づいています",
            (
                "{kind}のサポーター認定は{until}までです。更新はコーディネーターにご相談ください。",
                "{kind}のサポーター認定がまもなく切れます。更新はコーディネーターにご相談ください。",
                "サポーター認定は{until}までです。更新はコーディネーターにご相談ください。",
                "サポーター認定がまもなく切れます。更新はコーディネーターにご相談ください。",
            ),
        ),
        "en": (
            "Certification expiring soon",
            (
                "Your certification for {kind} ends on {until}. Ask your coordinator to renew it.",
                "Your certification for {kind} ends soon. Ask your coordinator to renew it.",
                "Your supporter certification ends on {until}. Ask your coordinator to renew it.",
                "Your supporter certification ends soon. Ask your coordinator to renew it.",
            ),
        ),
    },
    "certification_revoked": {
        "ja": (
            "認定が取り消されました",
            (
                "{kind}のサポーター認定が取り消されました。詳しくはコーディネーターにお問い合わせください。",
                "サポーター認定が取り消されました。詳しくはコーディネーターにお問い合わせください。",
            ),
        ),
        "en": (
            "Certification revoked",
            (
                "Your certification for {kind} was revoked. Your coordinator can tell you more.",
                "Your supporter certification was revoked. Your coordinator can tell you more.",
            ),
        ),
    },
    "checkin": {
        "ja": (
            "サポーターからの記録",
            (
                "{checkin}（{summary}）。",
                "{checkin}。",
                "サポーターから記録が届きました。アプリで確認してください。",
            ),
        ),
        "en": (
            "Update from your supporter",
            (
                "{checkin} ({summary}).",
                "{checkin}.",
                "Your supporter recorded an update. See the app.",
            ),
        ),
    },
    "handover_locked": {
        "ja": (
            "引き渡しの記録が止められました",
            (
                "{summary}の引き渡しコードが5回まちがって入力されました。"
                "サポーターと直接連絡を取ってください。",
                "引き渡しコードが5回まちがって入力されました。"
                "サポーターと直接連絡を取ってください。",
            ),
        ),
        "en": (
            "Handover locked",
            (
                "The handover code ({summary}) was entered wrongly five times. "
                "Please contact your supporter directly.",
                "The handover code was entered wrongly five times. "
                "Please contact your supporter directly.",
            ),
        ),
    },
    "request_unanswered": {
        "ja": (
            "返事のないお願いがあります",
            (
                "{summary}のお願いに、まだ申し出がありません。",
                "コミュニティのお願いに、まだ申し出がありません。",
            ),
        ),
        "en": (
            "A request has no offer yet",
            (
                "A request in your community ({summary}) has had no offer yet.",
                "A request in your community has had no offer yet.",
            ),
        ),
    },
    "late_alert": {
        "ja": (
            "予定の記録が遅れています",
            (
                "{late}（{summary}）。状況を確認してください。",
                "{late}。状況を確認してください。",
                "予定の記録が遅れています。アプリで状況を確認してください。",
            ),
        ),
        "en": (
            "A check-in is late",
            (
                "{late} ({summary}). Please check what is happening.",
                "{late}. Please check what is happening.",
                "A check-in is late. Please check in the app what is happening.",
            ),
        ),
    },
    "no_show": {
        "ja": (
            "「来られなかった」の記録",
            (
                "{no_show}（{summary}）。",
                "{no_show}。",
                "「来られなかった」の記録があります。アプリで確認してください。",
            ),
        ),
        "en": (
            "No-show recorded",
            (
                "{no_show} ({summary}).",
                "{no_show}.",
                "There is news about a no-show. See the app.",
            ),
        ),
    },
    # A gentle word to a consenting household with no connection yet: never a name, a
    # place or the event's title (a lock screen), only when.
    "welcome_event": {
        "ja": (
            "近くで交流イベントがあります",
            (
                "{event_when} から、あなたのコミュニティで交流イベントがあります。"
                "よかったら気軽にのぞいてみてください。",
                "あなたのコミュニティで交流イベントがあります。"
                "よかったら気軽にのぞいてみてください。",
            ),
        ),
        "en": (
            "A get-together nearby",
            (
                "Your community meets on {event_when}. You would be very welcome to drop by.",
                "Your community has a get-together coming up. "
                "You would be very welcome to drop by.",
            ),
        ),
    },
}
