"""An insurance policy version as the API (and the audit log) shows it."""

from __future__ import annotations

from typing import Any

from otagai.domain.insurance.models import InsurancePolicy


def policy_view(policy: InsurancePolicy) -> dict[str, Any]:
    return {
        "id": policy.id,
        "version": policy.version,
        "insurer": policy.insurer,
        "policy_number": policy.policy_number,
        "name": policy.name,
        "valid_from": policy.valid_from,
        "valid_to": policy.valid_to,
        "kinds": list(policy.kinds),
        "min_child_age": policy.min_child_age,
        "max_child_age": policy.max_child_age,
        "limits": dict(policy.limits or {}),
        "created_at": policy.created_at,
        "created_by_id": policy.created_by_id,
    }
