"""Stripe Connect: supporters' payout accounts, and the Stripe events already handled.
Paying a card thank-you and applying Stripe's webhooks to it are the thank-yous' own
business (``thanks/card.py``, ``thanks/webhooks.py``), above this package."""
