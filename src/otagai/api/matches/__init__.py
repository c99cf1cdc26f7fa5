"""Matches (成立): reading one, completing it, cancelling it."""
