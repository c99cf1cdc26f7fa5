"""Activity reports written straight into the database, for the tests that need many of
them at chosen times (the coordinators' CSV, the statistics, the claims list): the
service's own rules are tested through the API in test_activity_report.py."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from otagai.domain.matches.models import Match
from otagai.domain.requests.models import ShareRequest
from tests.factories import ShareRequestFactory, add_match


def add_report(match: Match, *, status: str = "draft", incident: bool = False, **kw: Any) -> Any:
    """``match``'s report as the supporter drafted it (and the household decided it)."""
    from otagai.domain.reports.models import ActivityReport

    session = ShareRequestFactory._meta.sqlalchemy_session
    request = session.get(ShareRequest, match.request_id)
    decided = status != "draft"
    report = ActivityReport(
        id=uuid.uuid4(),
        match_id=match.id,
        supporter_id=match.supporter_id,
        started_at=kw.pop("started_at", match.starts_at),
        ended_at=kw.pop("ended_at", match.ends_at),
        activities=kw.pop("activities", "絵本を読みました。"),
        incident=incident,
        incident_text=kw.pop("incident_text", "転びました。" if incident else None),
        status=status,
        created_at=match.ends_at,
        drafted_at=match.ends_at,
        decided_at=match.ends_at + dt.timedelta(hours=1) if decided else None,
        decided_by_id=match.requester_id if decided else None,
        community_id=request.community_id,
        municipality_code=match.municipality_code,
        kind=match.kind,
        match_starts_at=match.starts_at,
        **kw,
    )
    session.add(report)
    session.flush()
    return report


def add_reported_match(
    community: Any,
    requester: Any,
    supporter: Any,
    starts_at: dt.datetime,
    *,
    kind: str = "pickup",
    **report: Any,
) -> Match:
    """A match of ``requester`` helped by ``supporter`` in ``community`` at ``starts_at``
    (90 minutes), with its report."""
    request = ShareRequestFactory(
        requester=requester,
        community=community,
        kind=kind,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(minutes=90),
    )
    match = add_match(request, supporter)
    add_report(match, **report)
    return match
