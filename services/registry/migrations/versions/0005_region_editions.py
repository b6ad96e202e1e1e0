"""Region editions: retired region codes and their successors.

Revision ID: 0005
Revises: 0004
Create Date: 2025-01-05

A code that leaves a new edition of the Kemendagri codes stays a region, marked retired, so
events that carry it stay valid; `region_successors` records which codes it became.

Plain ALTER TABLE on every backend (SQLite 3.35 or newer for the downgrade's DROP COLUMN):
batch mode would rebuild `regions`, which every other table references.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("regions", sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "region_successors",
        sa.Column("old_code", sa.String(32), nullable=False),
        sa.Column("new_code", sa.String(32), nullable=False),
        sa.Column("share", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("old_code", "new_code", name="pk_region_successors"),
        sa.ForeignKeyConstraint(["old_code"], ["regions.code"], name="fk_region_successors_old_code_regions"),
        sa.ForeignKeyConstraint(["new_code"], ["regions.code"], name="fk_region_successors_new_code_regions"),
        sa.CheckConstraint("share > 0 AND share <= 1", name="ck_region_successors_share_range"),
    )


def downgrade() -> None:
    op.drop_table("region_successors")
    op.drop_column("regions", "retired_at")
