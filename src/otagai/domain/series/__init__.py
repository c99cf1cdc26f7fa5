"""Recurring agreements (定期のお願い): a share request that repeats by an RFC 5545 rule."""
