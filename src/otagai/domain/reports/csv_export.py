"""The coordinators' CSV of a community's activity reports for one month (the Tokyo month
the matches were scheduled to start in), for subsidy claims and their own records: UTF-8
with a BOM (so Excel in Japan reads it), one row per report.

What it leaves out, on purpose: the children (not even their nicknames), addresses and
points, and the incident's text. A CSV leaves the service — it is mailed, put on shared
drives, printed for the municipality — and the incident's text is free text about what
happened to a child, often their health (special-care personal information under the
APPI). The flag is enough to count incidents and to follow one up; the text stays in the
report, read by the two parties, and in the insurance claim, read by operators.
"""

from __future__ import annotations

import csv
import io
import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import aliased

from otagai.domain.actors import Actor
from otagai.domain.clock import TOKYO
from otagai.domain.communities.roles import get_community, require_coordinator
from otagai.domain.matches.models import Match
from otagai.domain.people.models import User
from otagai.domain.reports.models import ActivityReport
from otagai.domain.statistics.months import Month
from otagai.extensions.db import session

BOM = "\ufeff"
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("match_id", "マッチID", "match_id"),
    ("kind", "種類", "kind"),
    ("scheduled_start", "予定開始", "scheduled_start"),
    ("scheduled_end", "予定終了", "scheduled_end"),
    ("actual_start", "実際の開始", "actual_start"),
    ("actual_end", "実際の終了", "actual_end"),
    ("supporter", "サポーター", "supporter"),
    ("requester", "依頼者（世帯）", "requester"),
    ("status", "状態", "status"),
    ("incident", "事故・ケガ", "incident"),
)


def _text(value: str | None) -> str:
    """A person's own words as a cell: one starting like a formula (=, +, -, @) is led
    by an apostrophe, so a spreadsheet shows it and never runs it (CSV injection)."""
    value = value or ""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _local(moment: datetime) -> str:
    """Asia/Tokyo, as Excel reads a date and time."""
    return f"{moment.astimezone(TOKYO):%Y-%m-%d %H:%M}"


def activity_reports_csv(
    actor: Actor, community_id: uuid.UUID, month: Month, lang: str = "ja"
) -> bytes:
    """Coordinators of this community only (403 for anybody else, a coordinator of
    another community included)."""
    get_community(community_id)
    require_coordinator(actor, community_id)
    supporter, requester = aliased(User), aliased(User)
    rows = session.execute(
        select(
            ActivityReport,
            Match.starts_at,
            Match.ends_at,
            supporter.display_name,
            requester.display_name,
        )
        .join(Match, Match.id == ActivityReport.match_id)
        .join(supporter, supporter.id == Match.supporter_id)
        .join(requester, requester.id == Match.requester_id)
        .where(
            ActivityReport.community_id == community_id,
            ActivityReport.match_starts_at >= month.starts_at(),
            ActivityReport.match_starts_at < month.next().starts_at(),
        )
        .order_by(ActivityReport.match_starts_at, ActivityReport.match_id)
    )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([ja if lang == "ja" else en for _, ja, en in COLUMNS])
    for report, starts_at, ends_at, supporter_name, requester_name in rows:
        writer.writerow(
            [
                report.match_id,
                report.kind,
                _local(starts_at),
                _local(ends_at),
                _local(report.started_at),
                _local(report.ended_at),
                _text(supporter_name),
                _text(requester_name),
                report.status,
                # 1/0, so a spreadsheet's SUM counts them.
                1 if report.incident else 0,
            ]
        )
    return (BOM + out.getvalue()).encode("utf-8")


def csv_filename(community_id: uuid.UUID, month: Month) -> str:
    return f"otagai-activity-reports-{community_id}-{month}.csv"
