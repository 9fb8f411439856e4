"""alert delivery: an alert's state and when its operators were told

Revision ID: 0022
Revises: 0021

Issue 17 Build 5. ``agent_alerts.state``: ``open`` → ``acknowledged`` → ``resolved`` (a person, or
the evaluation itself when the alert's condition has cleared, with ``resolved_at``).
``notified_at``: when the alert was handed to delivery (email to the tenant's operators through
the outbox); a partial index finds a scope's alerts not yet delivered. ``agent_alerts`` is a
platform table (no RLS, migration 0008).
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("agent_alerts", sa.Column("state", sa.String(12), nullable=False, server_default="open"))
    op.add_column("agent_alerts", sa.Column("notified_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE agent_alerts SET state = CASE WHEN resolved_at IS NOT NULL THEN 'resolved' "
        "WHEN acknowledged_at IS NOT NULL THEN 'acknowledged' ELSE 'open' END"
    )
    # alerts written before delivery existed are not sent now
    op.execute("UPDATE agent_alerts SET notified_at = created_at")
    op.create_index(
        "ix_alerts_undelivered", "agent_alerts", ["scope"], postgresql_where=sa.text("notified_at IS NULL")
    )
    op.create_index(
        "ix_alerts_unresolved",
        "agent_alerts",
        ["scope", "kind"],
        postgresql_where=sa.text("resolved_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_alerts_unresolved", table_name="agent_alerts")
    op.drop_index("ix_alerts_undelivered", table_name="agent_alerts")
    op.drop_column("agent_alerts", "notified_at")
    op.drop_column("agent_alerts", "state")
