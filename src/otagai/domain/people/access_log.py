"""Who outside the household read a child's details, and when (``GET
/v1/me/children/{id}/access-log``).

Every answer that shows a child's nickname, age or notes to somebody outside the child's
household writes one row per child *before* the answer is built: the matched supporter
reading the share request, nursery staff opening the pickup pass (no account: the reader
is empty and ``via`` says ``pickup_pass``). Reads run in autocommit, so the row is
committed by the time the answer leaves; if it cannot be written the request fails (503)
and shows nothing — the log fails closed. Rows go with the child (removed, or the
household anonymized).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ARRAY, DateTime, ForeignKey, Index, String, delete, insert, select
from sqlalchemy.orm import Mapped, mapped_column

from otagai.domain.people.models import Child, User
from otagai.extensions.db import Base, UUIDPrimaryKey, session

VIA_SHARE_REQUEST = "share_request"
VIA_PICKUP_PASS = "pickup_pass"
VIA_ACTIVITY_REPORT = "activity_report"
VIA_INSURANCE_CLAIM = "insurance_claim"
VIAS = (VIA_SHARE_REQUEST, VIA_PICKUP_PASS, VIA_ACTIVITY_REPORT, VIA_INSURANCE_CLAIM)
# What a read can show of a child (``incident``: what the activity report says happened).
FIELDS = ("nickname", "age", "notes", "incident")


class ChildRead(UUIDPrimaryKey, Base):
    __tablename__ = "child_reads"
    __table_args__ = (Index("ix_child_reads_child_at", "child_id", "read_at", "id"),)

    child_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("children.id", ondelete="CASCADE"))
    # Null for a reader without an account (nursery staff at the pickup pass).
    reader_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    via: Mapped[str] = mapped_column(String(20))
    match_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("matches.id"))
    fields: Mapped[list[str]] = mapped_column(ARRAY(String(20)))
    # Python's clock (the service's "now"), like the timeline's events.
    read_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


def log_child_reads(
    child_ids: Sequence[uuid.UUID],
    *,
    reader_id: uuid.UUID | None,
    via: str,
    match_id: uuid.UUID | None,
    fields: Sequence[str],
    at: datetime,
) -> None:
    """Record that ``reader_id`` (None: somebody without an account) is being shown
    ``fields`` of each child. Call it before the answer is built: it raises rather than
    let the details out unrecorded."""
    if not child_ids:
        return
    assert via in VIAS and set(fields) <= set(FIELDS), (via, fields)
    session.execute(
        insert(ChildRead),
        [
            {
                "id": uuid.uuid4(),
                "child_id": child_id,
                "reader_id": reader_id,
                "via": via,
                "match_id": match_id,
                "fields": list(fields),
                "read_at": at,
            }
            for child_id in child_ids
        ],
    )


def forget_child_reads(child_id: uuid.UUID) -> None:
    session.execute(delete(ChildRead).where(ChildRead.child_id == child_id))


def forget_household_reads(household_id: uuid.UUID) -> None:
    children = select(Child.id).where(Child.household_id == household_id)
    session.execute(delete(ChildRead).where(ChildRead.child_id.in_(children)))


def reads_query(child: Child) -> Any:
    """The child's reads, newest first, with the reader's display name."""
    return (
        select(
            ChildRead.id,
            ChildRead.read_at,
            ChildRead.via,
            ChildRead.match_id,
            ChildRead.fields,
            ChildRead.reader_id,
            User.display_name.label("reader_name"),
        )
        .outerjoin(User, User.id == ChildRead.reader_id)
        .where(ChildRead.child_id == child.id)
    )


def read_view(row: Any) -> dict[str, Any]:
    # The reader as others see anybody (``views.stub``): id and display name only.
    reader = (
        {"id": row["reader_id"], "display_name": row["reader_name"]} if row["reader_id"] else None
    )
    return {
        "id": row["id"],
        "read_at": row["read_at"],
        "via": row["via"],
        "match_id": row["match_id"],
        "shown": row["fields"],
        "reader": reader,
    }
