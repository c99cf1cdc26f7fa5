"""Who may do what to people's data. Small pure functions; services call ``require``."""

from __future__ import annotations

from otagai.domain.people.models import Child, Device, User


def can_manage_child(user: User, child: Child) -> bool:
    return child.household_id == user.household_id and child.deleted_at is None


def can_remove_device(user: User, device: Device) -> bool:
    return device.user_id == user.id
