"""match timeline events

What happened during a share (check-ins, pickup-pass openings, escalation steps,
reports, no-shows), one row each, server time; dedupe_key keeps once-only events once.

Revision ID: c914597b7b2e
Revises: 1bd4c565de25
Create Date: 2026-12-03 12:40:18.526763
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "c914597b7b2e"
down_revision: str | None = "1bd4c565de25"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "match_events",
        sa.Column("match_id", sa.Uuid(), nullable=False),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column(
            "data", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column("dedupe_key", sa.String(length=200), nullable=True),
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_match_events_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["match_id"],
            ["matches.id"],
            name=op.f("fk_match_events_match_id_matches"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match_events")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_match_events_dedupe_key")),
    )
    op.create_index("ix_match_events_match_at", "match_events", ["match_id", "at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_match_events_match_at", table_name="match_events")
    op.drop_table("match_events")
