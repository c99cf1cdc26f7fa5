"""Stripe Connect onboarding for supporters, and Stripe's webhook."""
