"""How each figure is counted, in words, for the people who read them to a council.
Each: (ja, en). Also the column headers of the CSV."""

from __future__ import annotations

DEFINITIONS: dict[str, tuple[str, str]] = {
    "requests_posted": (
        "その月に投稿された依頼の数。投稿時に依頼者の世帯が住んでいた自治体に数えます。",
        "Requests posted in the month, counted in the municipality the requesting household "
        "lived in when posting.",
    ),
    "requests_matched": (
        "その月に投稿された依頼のうち、引き受け手が決まった（マッチが成立した）数。後でキャンセルされたものも含みます。",
        "Of the requests posted in the month, those that found a supporter (a match was "
        "made), even if that match was cancelled later.",
    ),
    "requests_completed": (
        "その月に投稿された依頼のうち、手助けが完了した数。",
        "Of the requests posted in the month, those whose help was completed.",
    ),
    "resolution_rate": (
        "解決率：マッチした依頼の数 ÷ 投稿された依頼の数（同じ月に投稿された依頼について）。",
        "Resolution rate: requests matched ÷ requests posted, both for the requests posted "
        "in the month.",
    ),
    "matches_cancelled": (
        "その月にキャンセルされたマッチの数（どちらの側からのキャンセルも含みます）。",
        "Matches cancelled in the month, by either party or with their request.",
    ),
    "households_registered": (
        "月末時点でその自治体に住んでいる登録世帯の数（累計）。転出・退会した世帯は転出・退会の時点から数えません。",
        "Registered households living in the municipality at the end of the month "
        "(cumulative); a household that moved away or left stops counting from then.",
    ),
    "households_without_connections": (
        "月末時点でその自治体に住んでいる登録世帯のうち、世帯のだれも知り合い（つながり）を持っていない世帯の数。"
        "孤立した子育て（孤育て）が減っているかを見るための数です。",
        "Of the registered households living in the municipality at the end of the month, "
        "those none of whose members had a connection by then: whether parenting in "
        "isolation is shrinking.",
    ),
    "households_active": (
        "その月に依頼を投稿した、手助けを申し出た、または引き受けが決まった世帯の数（重複なし）。",
        "Households that posted a request, offered help, or had their offer accepted in the "
        "month, each counted once.",
    ),
    "certified_supporters": (
        "月末日に有効な認定を持つサポーターの人数（その自治体のコミュニティでの認定）。",
        "Supporters holding a certification of one of the municipality's communities that "
        "is valid on the month's last day.",
    ),
    "events_held": (
        "その月に開催された（開始した）、その自治体のコミュニティのイベントの数。",
        "Events of the municipality's communities held (started) in the month.",
    ),
    "event_attendances": (
        "その月に開催されたイベントで記録された参加の延べ数。",
        "Attendances recorded at the events held in the month.",
    ),
    "thank_you_count": (
        "その月に記録された謝礼の数（現金は記録されたもの、カードは支払いが完了したもの）。",
        "Thank-yous recorded in the month: cash as recorded, card once paid.",
    ),
    "thank_you_total_jpy": (
        "その月に記録された謝礼の合計額（円）。",
        "The total of those thank-yous, in yen.",
    ),
    "insured_matches": (
        "その月に成立したマッチのうち、成立時の保険判定で補償対象だった数。",
        "Matches made in the month that the insurance check covered when they were made.",
    ),
    "uninsured_matches": (
        "その月に成立したマッチのうち、補償対象外だった数。",
        "Matches made in the month that the insurance check did not cover.",
    ),
    "reports_confirmed": (
        "その月に開始予定だったマッチのうち、援助活動報告書が依頼者の世帯に確認された数。",
        "Matches scheduled to start in the month whose activity report the requesting "
        "household confirmed.",
    ),
    "incidents": (
        "その月に開始予定だったマッチのうち、援助活動報告書で事故・ケガが報告された数（確認の有無を問いません）。",
        "Matches scheduled to start in the month whose activity report tells of an "
        "incident (an accident, an injury, damage), confirmed or not.",
    ),
    "widening_requests": (
        "その月に投稿された「広げて探す」（widening）依頼の数。",
        "Widening requests (whose audience widens rung by rung) posted in the month.",
    ),
    "widening_offered": (
        "そのうち、申し出が1件以上あった依頼の数（その後どうなったかは問いません）。",
        "Of those, the requests that had at least one offer, whatever became of it.",
    ),
    "first_offer_minutes_median": (
        "申し出があった「広げて探す」依頼の、投稿から最初の申し出までの時間（分）の中央値。",
        "The median minutes from posting to the first offer, over the widening requests "
        "that had one.",
    ),
    "resolved_on_acquaintances": (
        "申し出があった「広げて探す」依頼のうち、最初"
        "の申し出の時点で「知り合い」の段階にあった数。",
        "Of the widening requests with an offer, those on the rung of "
        "acquaintances when the first offer came.",
    ),
    "resolved_on_certified": (
        "申し出があった「広げて探す」依頼のうち、最初の申し出の"
        "時点で「コミュニティの認定サポーター」の段階にあった数。",
        "Of the widening requests with an offer, those on the rung of "
        "the community's certified supporters when the first offer came.",
    ),
    "resolved_on_friends_of_friends": (
        "申し出があった「広げて探す」依頼のうち、最初の申し"
        "出の時点で「知り合いの知り合い」の段階にあった数。",
        "Of the widening requests with an offer, those on the rung of "
        "friends of friends when the first offer came.",
    ),
    "resolved_on_neighbouring": (
        "申し出があった「広げて探す」依頼のうち、最初の申し出の時"
        "点で「近隣コミュニティの認定サポーター」の段階にあった数。",
        "Of the widening requests with an offer, those on the rung of "
        "neighbouring communities' certified supporters when the first offer came.",
    ),
    "resolved_on_coordinators": (
        "申し出があった「広げて探す」依頼のうち、最初の申し出"
        "の時点で「コーディネーターへの連絡」の段階にあった数。",
        "Of the widening requests with an offer, those on the rung of "
        "the coordinators being told when the first offer came.",
    ),
}

SUPPRESSION: tuple[str, str] = (
    "個人や家族が特定されないよう、1〜4の件数は表示せず（null）、suppressed に記載します。"
    "合計から引き算で求められないよう、必要に応じてもう一つの件数も非表示にします。"
    "非表示の件数から計算される率や金額も非表示です。0 と 5 以上はそのまま表示します。",
    "So that no family can be singled out, any count from 1 to 4 is withheld (null) and "
    "listed in `suppressed`; where a total would let a withheld count be worked out by "
    "subtraction, a second count is withheld too; a rate or amount computed from a "
    "withheld count is withheld with it. 0 and counts of 5 or more are shown.",
)

# CSV headers.
COLUMN_LABELS: dict[str, tuple[str, str]] = {
    "month": ("月", "month"),
    "kind": ("種類", "kind"),
    "requests_posted": ("依頼数", "requests_posted"),
    "requests_matched": ("マッチ数", "requests_matched"),
    "requests_completed": ("完了数", "requests_completed"),
    "resolution_rate": ("解決率", "resolution_rate"),
    "matches_cancelled": ("キャンセル数", "matches_cancelled"),
    "households_registered": ("登録世帯数", "households_registered"),
    "households_without_connections": ("つながりのない世帯数", "households_without_connections"),
    "households_active": ("活動世帯数", "households_active"),
    "certified_supporters": ("認定サポーター数", "certified_supporters"),
    "events_held": ("イベント開催数", "events_held"),
    "event_attendances": ("イベント参加数", "event_attendances"),
    "thank_you_count": ("謝礼件数", "thank_you_count"),
    "thank_you_total_jpy": ("謝礼合計（円）", "thank_you_total_jpy"),
    "insured_matches": ("保険対象マッチ数", "insured_matches"),
    "uninsured_matches": ("保険対象外マッチ数", "uninsured_matches"),
    "reports_confirmed": ("確認済み活動報告数", "reports_confirmed"),
    "incidents": ("事故・ケガ報告数", "incidents"),
    "widening_requests": ("広げて探す依頼数", "widening_requests"),
    "widening_offered": ("申し出のあった広げて探す依頼数", "widening_offered"),
    "first_offer_minutes_median": (
        "最初の申し出までの時間（分、中央値）",
        "first_offer_minutes_median",
    ),
    "resolved_on_acquaintances": ("知り合いの段階で申し出", "resolved_on_acquaintances"),
    "resolved_on_certified": (
        "コミュニティの認定サポーターの段階で申し出",
        "resolved_on_certified",
    ),
    "resolved_on_friends_of_friends": (
        "知り合いの知り合いの段階で申し出",
        "resolved_on_friends_of_friends",
    ),
    "resolved_on_neighbouring": (
        "近隣コミュニティの認定サポーターの段階で申し出",
        "resolved_on_neighbouring",
    ),
    "resolved_on_coordinators": (
        "コーディネーターへの連絡の段階で申し出",
        "resolved_on_coordinators",
    ),
}
KIND_LABELS: dict[str, tuple[str, str]] = {
    "total": ("合計", "total"),
    "pickup": ("お迎え", "pickup"),
    "babysitting": ("預かり", "babysitting"),
    "lending": ("貸し借り", "lending"),
}


def pick(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "en" else pair[0]
