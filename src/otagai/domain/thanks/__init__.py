"""Thank-you fees (謝礼): the recommended range, records, card payments (through the
supporter's payout account, ``payments``) and the Stripe webhooks that settle them."""
