"""Card thank-yous through Stripe Connect: supporters' payout accounts, the payment of a
card thank-you, and the webhooks that settle both."""
