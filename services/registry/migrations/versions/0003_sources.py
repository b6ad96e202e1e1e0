"""Sources: the registration systems allowed to publish events, their regions and key hashes.

Revision ID: 0003
Revises: 0002
Create Date: 2025-01-03
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sources",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("key_issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("name", name="pk_sources"),
    )
    op.create_index("ix_sources_key_hash", "sources", ["key_hash"], unique=True)
    op.create_table(
        "source_regions",
        sa.Column("source_name", sa.String(64), nullable=False),
        sa.Column("region_code", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("source_name", "region_code", name="pk_source_regions"),
        sa.ForeignKeyConstraint(["source_name"], ["sources.name"], name="fk_source_regions_source_name_sources"),
        sa.ForeignKeyConstraint(["region_code"], ["regions.code"], name="fk_source_regions_region_code_regions"),
    )


def downgrade() -> None:
    op.drop_table("source_regions")
    op.drop_index("ix_sources_key_hash", table_name="sources")
    op.drop_table("sources")
