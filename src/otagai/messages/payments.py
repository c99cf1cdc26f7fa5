"""Problem details of card payments and payout accounts: code -> (ja, en)."""

DETAILS: dict[str, tuple[str, str]] = {
    "payment_provider_unavailable": (
        "決済サービスに接続できませんでした。しばらくしてからもう一度お試しください。",
        "The payment provider did not answer; please try again shortly.",
    ),
    "card_amount_below_minimum": (
        "カードでの謝礼は50円からです。",
        "Card thank-yous start at 50 JPY.",
    ),
    "supporter_cannot_receive_card": (
        "引き受けた方はまだカードでの謝礼を受け取れません。現金でお渡しください。",
        "The supporter cannot receive card payments yet; give the thank-you in cash.",
    ),
    "thank_you_payment_succeeded": (
        "以前のカード払いが完了しています。反映まで少しお待ちください。",
        "An earlier card payment for this match went through; it will show shortly.",
    ),
    "thank_you_not_card": (
        "カード払いの謝礼ではありません。",
        "This thank-you is not a card payment.",
    ),
    "thank_you_already_paid": (
        "この謝礼はすでに支払われています。",
        "This thank-you has already been paid.",
    ),
    "thank_you_payment_cancelled": (
        "この支払いは取り消されています。必要なら謝礼を記録し直してください。",
        "This payment was cancelled; record the thank-you again if needed.",
    ),
    "invalid_webhook_signature": (
        "Webhook の署名が正しくありません。",
        "The webhook signature is missing, stale or wrong.",
    ),
    "invalid_webhook_payload": (
        "Webhook の内容を読み取れません。",
        "The webhook body is not a Stripe event.",
    ),
    "webhook_livemode_mismatch": (
        "Webhook のモード（本番／テスト）がこのサービスの設定と一致しません。",
        "The event's livemode does not match this service's Stripe key.",
    ),
    "webhook_wrong_endpoint": (
        "連結アカウントのイベントは Connect 用のエンドポイントに送られる必要があります。",
        "A connected account's event must come from the Connect endpoint.",
    ),
    "webhook_account_missing": (
        "Connect 用エンドポイントのイベントに連結アカウント (account) がありません。",
        "An event from the Connect endpoint must name its connected account.",
    ),
}
