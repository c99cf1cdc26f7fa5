"""Operators manage insurance policies. Every edit adds a version (the earlier ones stay, so
a match's tag keeps pointing at the terms it was confirmed with); every action is audited."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import func, select

from otagai.domain.actors import Actor
from otagai.domain.audit.services import record
from otagai.domain.communities.roles import require_operator
from otagai.domain.insurance.models import (
    DEFAULT_MAX_CHILD_AGE,
    DEFAULT_MIN_CHILD_AGE,
    InsurancePolicy,
)
from otagai.domain.insurance.views import policy_view
from otagai.errors import NotFound, RuleViolation
from otagai.extensions.db import insert_unique, session
from otagai.extensions.keyset import Page, one_id, paginate

OPERATOR = "operator"
EDITABLE = (
    "insurer",
    "policy_number",
    "name",
    "valid_from",
    "valid_to",
    "kinds",
    "min_child_age",
    "max_child_age",
    "limits",
)


def _check_terms(values: dict[str, Any]) -> None:
    """Rules across fields (each field alone is checked by the schema)."""
    errors: dict[str, list[str]] = {}
    valid_from: date = values["valid_from"]
    valid_to: date = values["valid_to"]
    if valid_to <= valid_from:
        errors["valid_to"] = ["Must be after valid_from."]
    if values["min_child_age"] > values["max_child_age"]:
        errors["min_child_age"] = ["Must not exceed max_child_age."]
    if errors:
        raise RuleViolation("validation_failed", errors=errors)


def _latest(policy_id: uuid.UUID) -> InsurancePolicy:
    policy = session.scalars(
        select(InsurancePolicy)
        .where(InsurancePolicy.id == policy_id)
        .order_by(InsurancePolicy.version.desc())
        .limit(1)
    ).first()
    if policy is None:
        raise NotFound("insurance_policy_not_found")
    return policy


def _add_version(actor: Actor, values: dict[str, Any]) -> InsurancePolicy:
    policy = InsurancePolicy(**values, created_by_id=actor.user.id if actor.user else None)
    # Two edits of one policy at once: the other one took this version number.
    insert_unique(policy, "insurance_policy_edit_conflict")
    return policy


def _details(policy: InsurancePolicy) -> dict[str, Any]:
    view = policy_view(policy)
    return {
        "version": policy.version,
        **{
            k: (v.isoformat() if isinstance(v, date) else v)
            for k, v in view.items()
            if k in EDITABLE
        },
    }


def create_policy(actor: Actor, **fields: Any) -> dict[str, Any]:
    require_operator(actor)
    values = {
        "min_child_age": DEFAULT_MIN_CHILD_AGE,
        "max_child_age": DEFAULT_MAX_CHILD_AGE,
        "limits": {},
        **{k: v for k, v in fields.items() if k in EDITABLE},
    }
    _check_terms(values)
    policy = _add_version(actor, {"id": uuid.uuid4(), "version": 1, **values})
    record(
        actor,
        role=OPERATOR,
        action="insurance_policy.create",
        target_type="insurance_policy",
        target_id=policy.id,
        details=_details(policy),
    )
    return policy_view(policy)


def update_policy(actor: Actor, policy_id: uuid.UUID, **changes: Any) -> dict[str, Any]:
    """A new version with ``changes`` over the latest one; unchanged when nothing differs."""
    require_operator(actor)
    current = _latest(policy_id)
    before = {k: getattr(current, k) for k in EDITABLE}
    before["kinds"] = list(before["kinds"])
    after = {**before, **{k: v for k, v in changes.items() if k in EDITABLE}}
    if after == before:
        return policy_view(current)
    _check_terms(after)
    policy = _add_version(actor, {"id": current.id, "version": current.version + 1, **after})
    record(
        actor,
        role=OPERATOR,
        action="insurance_policy.update",
        target_type="insurance_policy",
        target_id=policy.id,
        details={
            **_details(policy),
            "changed": sorted(k for k in EDITABLE if after[k] != before[k]),
        },
    )
    return policy_view(policy)


def get_policy(actor: Actor, policy_id: uuid.UUID, version: int | None = None) -> dict[str, Any]:
    require_operator(actor)
    if version is None:
        return policy_view(_latest(policy_id))
    policy = session.get(InsurancePolicy, (policy_id, version))
    if policy is None:
        raise NotFound("insurance_policy_not_found")
    return policy_view(policy)


def list_policies(actor: Actor, *, limit: int, cursor: str | None) -> Page[dict[str, Any]]:
    """The latest version of every policy, by id."""
    require_operator(actor)
    latest = (
        select(InsurancePolicy.id, func.max(InsurancePolicy.version).label("version"))
        .group_by(InsurancePolicy.id)
        .subquery()
    )
    stmt = select(InsurancePolicy).join(
        latest,
        (latest.c.id == InsurancePolicy.id) & (latest.c.version == InsurancePolicy.version),
    )
    return paginate(stmt, keys=[InsurancePolicy.id], after=one_id, limit=limit, cursor=cursor).map(
        lambda policies: [policy_view(p) for p in policies]
    )
