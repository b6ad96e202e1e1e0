"""Coordinators (who receives a region's alerts) and the notifier's delivery log.

Revision ID: 0002
Revises: 0001
Create Date: 2025-01-02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "coordinators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("region_code", sa.String(32), nullable=False),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("webhook_url", sa.String(500), nullable=True),
        sa.Column("webhook_format", sa.String(16), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_coordinators"),
        sa.CheckConstraint("webhook_format IN ('json', 'alertmanager')", name="ck_coordinators_webhook_format"),
        sa.CheckConstraint("language IN ('id', 'en')", name="ck_coordinators_language"),
        sa.CheckConstraint("email IS NOT NULL OR webhook_url IS NOT NULL", name="ck_coordinators_has_channel"),
        sa.ForeignKeyConstraint(["region_code"], ["regions.code"], name="fk_coordinators_region_code_regions"),
    )
    op.create_index("ix_coordinators_region_code", "coordinators", ["region_code"])
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("transition_id", sa.String(300), nullable=False),
        sa.Column("alert_id", sa.String(300), nullable=False),
        sa.Column("region_code", sa.String(32), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("recipient", sa.String(500), nullable=False),
        sa.Column("coordinator_id", sa.Integer(), nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_deliveries"),
        sa.UniqueConstraint(
            "transition_id", "channel", "recipient", name="uq_deliveries_transition_id_channel_recipient"
        ),
        sa.CheckConstraint("channel IN ('email', 'webhook', 'alertmanager')", name="ck_deliveries_channel"),
        sa.CheckConstraint("status IN ('pending', 'delivered', 'failed')", name="ck_deliveries_status"),
        sa.ForeignKeyConstraint(
            ["coordinator_id"], ["coordinators.id"], name="fk_deliveries_coordinator_id_coordinators"
        ),
    )
    op.create_index("ix_deliveries_status_next_attempt_at", "deliveries", ["status", "next_attempt_at"])
    op.create_table(
        "delivery_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_delivery_attempts"),
        sa.CheckConstraint("outcome IN ('delivered', 'failed')", name="ck_delivery_attempts_outcome"),
        sa.ForeignKeyConstraint(
            ["delivery_id"], ["deliveries.id"], name="fk_delivery_attempts_delivery_id_deliveries"
        ),
    )
    op.create_index("ix_delivery_attempts_delivery_id", "delivery_attempts", ["delivery_id"])


def downgrade() -> None:
    op.drop_index("ix_delivery_attempts_delivery_id", table_name="delivery_attempts")
    op.drop_table("delivery_attempts")
    op.drop_index("ix_deliveries_status_next_attempt_at", table_name="deliveries")
    op.drop_table("deliveries")
    op.drop_index("ix_coordinators_region_code", table_name="coordinators")
    op.drop_table("coordinators")
