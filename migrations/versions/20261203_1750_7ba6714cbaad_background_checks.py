"""background checks on certifications

That a criminal-record check was confirmed for a certification (scheme, day, the
coordinator, when recorded; nothing else), and the community setting that requires one
for babysitting (default false: existing communities are unchanged). Adding nullable
columns and a column with a constant default rewrites no table.

Revision ID: 7ba6714cbaad
Revises: b53348e36d75
Create Date: 2026-12-03 17:50:16.082831
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7ba6714cbaad"
down_revision: str | None = "b53348e36d75"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHOLE = (
    "(background_check_scheme IS NULL) = (background_check_confirmed_on IS NULL) "
    "AND (background_check_scheme IS NULL) = (background_check_confirmed_by_id IS NULL) "
    "AND (background_check_scheme IS NULL) = (background_check_recorded_at IS NULL)"
)


def upgrade() -> None:
    op.add_column(
        "certifications", sa.Column("background_check_scheme", sa.String(length=16), nullable=True)
    )
    op.add_column(
        "certifications", sa.Column("background_check_confirmed_on", sa.Date(), nullable=True)
    )
    op.add_column(
        "certifications", sa.Column("background_check_confirmed_by_id", sa.Uuid(), nullable=True)
    )
    op.add_column(
        "certifications",
        sa.Column("background_check_recorded_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_foreign_key(
        op.f("fk_certifications_background_check_confirmed_by_id_users"),
        "certifications",
        "users",
        ["background_check_confirmed_by_id"],
        ["id"],
    )
    op.create_check_constraint(
        op.f("ck_certifications_background_check_scheme"),
        "certifications",
        "background_check_scheme IN ('jp_dbs', 'equivalent')",
    )
    op.create_check_constraint(
        op.f("ck_certifications_background_check_whole"), "certifications", WHOLE
    )
    op.add_column(
        "communities",
        sa.Column(
            "require_background_check_for_babysitting",
            sa.Boolean(),
            server_default=sa.text("false"),
            nullable=False,
        ),
    )


def downgrade() -> None:
    op.drop_column("communities", "require_background_check_for_babysitting")
    op.drop_constraint(
        op.f("ck_certifications_background_check_whole"), "certifications", type_="check"
    )
    op.drop_constraint(
        op.f("ck_certifications_background_check_scheme"), "certifications", type_="check"
    )
    op.drop_constraint(
        op.f("fk_certifications_background_check_confirmed_by_id_users"),
        "certifications",
        type_="foreignkey",
    )
    op.drop_column("certifications", "background_check_recorded_at")
    op.drop_column("certifications", "background_check_confirmed_by_id")
    op.drop_column("certifications", "background_check_confirmed_on")
    op.drop_column("certifications", "background_check_scheme")
