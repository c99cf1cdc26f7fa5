"""Notifications: for now the outbox that the notifications issue will deliver from."""
