"""What the printed report (援助活動報告書) says, as text lines for the PDF: the names the
two parties see of each other anyway, the children's nicknames, the times in Asia/Tokyo,
what was done and the incident. Never an address, a point or a child's notes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from otagai.domain import clock
from otagai.domain.clock import TOKYO
from otagai.domain.communities.models import Community
from otagai.domain.matches.models import Match
from otagai.domain.people.access_log import VIA_ACTIVITY_REPORT, log_child_reads
from otagai.domain.people.models import User
from otagai.domain.people.queries import people_by_id
from otagai.domain.reports.models import CONFIRMED, DISPUTED, ActivityReport
from otagai.domain.requests.queries import request_children
from otagai.extensions.db import session

TITLE = "援助活動報告書"
KINDS = {"pickup": "お迎え", "babysitting": "預かり", "lending": "貸し借り"}
STATUSES = {CONFIRMED: "確認済み", DISPUTED: "異議あり"}
DRAFT_STATUS = "未確認（下書き）"
WEEKDAYS = "月火水木金土日"


@dataclass(frozen=True)
class ReportDocument:
    title: str
    rows: list[tuple[str, str]]  # label, value: one line each
    activities: str
    incident: str  # あり / なし
    incident_text: str | None


def tokyo(moment: datetime) -> str:
    local = moment.astimezone(TOKYO)
    return f"{local:%Y年%m月%d日}（{WEEKDAYS[local.weekday()]}）{local:%H:%M}"


def span(start: datetime, end: datetime) -> str:
    """``2026年12月04日（金）22:00 〜 23:30``; the end's date too when it differs."""
    same_day = start.astimezone(TOKYO).date() == end.astimezone(TOKYO).date()
    return (
        f"{tokyo(start)} 〜 {end.astimezone(TOKYO):%H:%M}"
        if same_day
        else (f"{tokyo(start)} 〜 {tokyo(end)}")
    )


def _nicknames(match: Match, reader: User, at: datetime) -> list[str]:
    """The children's nicknames; shown to the supporter, that read is in their access log."""
    children = request_children([match.request_id])[match.request_id]
    if reader.household_id != match.requester_household_id:
        log_child_reads(
            [c.id for c in children],
            reader_id=reader.id,
            via=VIA_ACTIVITY_REPORT,
            match_id=match.id,
            fields=("nickname",),
            at=at,
        )
    return [c.nickname for c in children if c.nickname]


def report_document(
    report: ActivityReport, match: Match, *, reader: User, now: datetime | None = None
) -> ReportDocument:
    community = session.get(Community, report.community_id)
    people = people_by_id([match.supporter_id, match.requester_id])

    def name(user_id: object) -> str:
        user = people.get(user_id)  # type: ignore[call-overload]
        return (user.display_name if user else None) or "（退会済み）"

    if report.decided_at is not None:
        status = f"{STATUSES[report.status]}（{tokyo(report.decided_at)}）"
        if report.status == DISPUTED and report.decision_comment:
            status += f"　{report.decision_comment}"
    else:
        status = DRAFT_STATUS
    return ReportDocument(
        title=TITLE,
        rows=[
            ("コミュニティ", community.name if community else ""),
            ("種類", KINDS.get(match.kind, match.kind)),
            ("予定日時", span(match.starts_at, match.ends_at)),
            ("実際の日時", span(report.started_at, report.ended_at)),
            ("サポーター", name(match.supporter_id)),
            ("依頼者", name(match.requester_id)),
            ("お子さま", "、".join(_nicknames(match, reader, clock.now(now))) or "—"),
            ("確認", status),
        ],
        activities=report.activities,
        incident="あり" if report.incident else "なし",
        incident_text=report.incident_text,
    )
