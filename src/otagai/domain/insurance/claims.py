"""Insurance claims: an incident in a match's activity report opens one (``open_claim``,
once per match), tied to the coverage tag the match was confirmed with; operators list
them and move them along (open → submitted → closed, or rejected), each change audited.

Nobody but operators sees a claim: the parties see only that an incident was reported
(the match's timeline); the claim's id, status and the insurer's reference are staff
business.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select

from otagai.domain import clock
from otagai.domain.actors import Actor
from otagai.domain.audit.services import record
from otagai.domain.communities.roles import OPERATOR, require_operator
from otagai.domain.insurance.models import (
    CLAIM_CLOSED,
    CLAIM_OPEN,
    CLAIM_REJECTED,
    CLAIM_SUBMITTED,
    InsuranceClaim,
)
from otagai.domain.matches.models import Match
from otagai.domain.people.access_log import VIA_INSURANCE_CLAIM, log_child_reads
from otagai.domain.people.queries import people_by_id
from otagai.domain.people.views import person
from otagai.domain.requests.models import ShareRequest
from otagai.domain.requests.queries import request_children
from otagai.errors import Conflict, NotFound, RuleViolation
from otagai.extensions.db import session
from otagai.extensions.keyset import Page, aware_created_and_id, paginate

# Where a claim may go from each status; closed and rejected are final.
NEXT: dict[str, frozenset[str]] = {
    CLAIM_OPEN: frozenset({CLAIM_SUBMITTED, CLAIM_CLOSED, CLAIM_REJECTED}),
    CLAIM_SUBMITTED: frozenset({CLAIM_CLOSED, CLAIM_REJECTED}),
    CLAIM_CLOSED: frozenset(),
    CLAIM_REJECTED: frozenset(),
}
EDITABLE = ("status", "insurer_reference", "note")


def open_claim(match: Match, incident_text: str, *, at: datetime) -> bool:
    """The match's claim, opened from its stored tag if it has none: True if this call
    opened it. While the claim is still open, the incident's text follows the supporter's
    latest draft; once submitted to the insurer it stays as it was sent."""
    claim = session.scalars(
        select(InsuranceClaim).where(InsuranceClaim.match_id == match.id)
    ).one_or_none()
    if claim is not None:
        if claim.status == CLAIM_OPEN:
            claim.incident_text = incident_text
        return False
    tag = match.insurance
    policy_id = tag.get("policy_id")
    session.add(
        InsuranceClaim(
            id=uuid.uuid4(),
            match_id=match.id,
            status=CLAIM_OPEN,
            opened_at=at,
            policy_id=uuid.UUID(policy_id) if policy_id else None,
            policy_version=tag.get("policy_version"),
            covered=bool(tag.get("covered")),
            covered_child_ids=[
                uuid.UUID(child["child_id"])
                for child in tag.get("children", [])
                if child.get("covered")
            ],
            incident_text=incident_text,
        )
    )
    session.flush()
    return True


def _views(
    claims: list[InsuranceClaim], reader: Actor, now: datetime | None = None
) -> list[dict[str, Any]]:
    """The claims as operators see them. Each shows what happened to the share's children
    (the incident): that read is in each child's access log, before the answer is built."""
    matches = {
        m.id: m
        for m in session.scalars(select(Match).where(Match.id.in_([c.match_id for c in claims])))
    }
    children = request_children(m.request_id for m in matches.values())
    for claim in claims:
        match = matches[claim.match_id]
        log_child_reads(
            [c.id for c in children.get(match.request_id, [])],
            reader_id=reader.user.id if reader.user else None,
            via=VIA_INSURANCE_CLAIM,
            match_id=match.id,
            fields=("incident",),
            at=clock.now(now),
        )
    people = people_by_id([p for m in matches.values() for p in (m.requester_id, m.supporter_id)])
    views = []
    for claim in claims:
        match = matches[claim.match_id]
        tag = match.insurance
        views.append(
            {
                "id": claim.id,
                "match_id": claim.match_id,
                "status": claim.status,
                "opened_at": claim.opened_at,
                "kind": match.kind,
                "starts_at": match.starts_at,
                "ends_at": match.ends_at,
                "supporter": person(match.supporter_id, people.get(match.supporter_id)),
                "requester": person(match.requester_id, people.get(match.requester_id)),
                "policy_id": claim.policy_id,
                "policy_version": claim.policy_version,
                "policy_name": tag.get("policy_name"),
                "policy_number": tag.get("policy_number"),
                "covered": claim.covered,
                "covered_child_ids": list(claim.covered_child_ids),
                "incident_text": claim.incident_text,
                "insurer_reference": claim.insurer_reference,
                "note": claim.note,
                "updated_at": claim.updated_at,
                "updated_by_id": claim.updated_by_id,
            }
        )
    return views


def list_claims(
    actor: Actor, *, limit: int, cursor: str | None, status: str | None = None
) -> Page[dict[str, Any]]:
    """Operators only. Newest first, keyset-paged on (opened_at, id) descending."""
    require_operator(actor)
    stmt = select(InsuranceClaim)
    if status is not None:
        stmt = stmt.where(InsuranceClaim.status == status)
    return paginate(
        stmt,
        keys=[InsuranceClaim.opened_at, InsuranceClaim.id],
        descending=True,
        after=aware_created_and_id,
        limit=limit,
        cursor=cursor,
    ).map(lambda items: _views(items, actor))


def update_claim(
    actor: Actor, claim_id: uuid.UUID, now: datetime | None = None, **changes: Any
) -> dict[str, Any]:
    """An operator moves a claim along or notes what the insurer said; audited. Nothing
    different from what is stored: unchanged, nothing audited."""
    require_operator(actor)
    claim = session.get(InsuranceClaim, claim_id, with_for_update=True)
    if claim is None:
        raise NotFound("insurance_claim_not_found")
    before = {name: getattr(claim, name) for name in EDITABLE}
    after = {**before, **{k: v for k, v in changes.items() if k in EDITABLE}}
    changed = [name for name in EDITABLE if after[name] != before[name]]
    if not changed:
        return _views([claim], actor, now)[0]
    if after["status"] != before["status"]:
        if not NEXT[before["status"]]:
            raise Conflict("insurance_claim_finished")
        if after["status"] not in NEXT[before["status"]]:
            raise RuleViolation(
                "insurance_claim_status_invalid",
                errors={"status": [f"From {before['status']}: {sorted(NEXT[before['status']])}."]},
            )
    for name in changed:
        setattr(claim, name, after[name])
    claim.updated_at = clock.now(now)
    claim.updated_by_id = actor.user.id if actor.user else None
    match = session.get(Match, claim.match_id)
    assert match is not None
    request = session.get(ShareRequest, match.request_id)
    record(
        actor,
        role=OPERATOR,
        action="insurance_claim.update",
        target_type="insurance_claim",
        target_id=claim.id,
        community_id=request.community_id if request else None,
        municipality_code=match.municipality_code,
        details={
            "match_id": str(claim.match_id),
            "changed": changed,
            "from": {name: before[name] for name in changed},
            "to": {name: after[name] for name in changed},
        },
    )
    session.flush()
    return _views([claim], actor, now)[0]
