"""Webhook secrets: the key the notifier signs each coordinator's webhooks with.

Revision ID: 0004
Revises: 0003
Create Date: 2025-01-04

Existing coordinators keep a NULL secret. A secret made here would be one nobody has seen,
so no receiver could check it; the operator runs `ucj coordinators rotate-secret ID`, which
prints it for the receiver, and until then the notifier sends that webhook nothing unsigned
(its deliveries are retried, so they go out once the secret exists).

Plain ALTER TABLE on every backend (SQLite 3.35 or newer for the downgrade's DROP COLUMN):
batch mode would rebuild `coordinators`, which the delivery log references.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("coordinators", sa.Column("webhook_secret", sa.String(64), nullable=True))


def downgrade() -> None:
    op.drop_column("coordinators", "webhook_secret")
