"""Regions, eligible workforce per year, plan points: the schema from before migrations.

Revision ID: 0001
Revises:
Create Date: 2025-01-01

Constraint names are written out (they follow models.NAMING_CONVENTION), so that this
revision stays what it is when the models change. A database created by the old
`Base.metadata.create_all` has exactly these tables and is stamped at this revision.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "regions",
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("parent_code", sa.String(32), nullable=True),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("code", name="pk_regions"),
        sa.CheckConstraint("level IN ('province', 'regency', 'district', 'village')", name="ck_regions_level"),
        sa.ForeignKeyConstraint(["parent_code"], ["regions.code"], name="fk_regions_parent_code_regions"),
    )
    op.create_index("ix_regions_parent_code", "regions", ["parent_code"])
    op.create_table(
        "plan_points",
        sa.Column("region_code", sa.String(32), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("ratio", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("region_code", "date", name="pk_plan_points"),
        sa.CheckConstraint("ratio >= 0 AND ratio <= 1", name="ck_plan_points_ratio_range"),
        sa.ForeignKeyConstraint(["region_code"], ["regions.code"], name="fk_plan_points_region_code_regions"),
    )
    op.create_table(
        "workforce",
        sa.Column("region_code", sa.String(32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("eligible_workforce", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("region_code", "year", name="pk_workforce"),
        sa.CheckConstraint("eligible_workforce > 0", name="ck_workforce_eligible_workforce_positive"),
        sa.ForeignKeyConstraint(["region_code"], ["regions.code"], name="fk_workforce_region_code_regions"),
    )


def downgrade() -> None:
    op.drop_table("workforce")
    op.drop_table("plan_points")
    op.drop_index("ix_regions_parent_code", table_name="regions")
    op.drop_table("regions")
