"""cycle: one running cycle per tenant, follow-up owners

Revision ID: 0005
Revises: 0004

Issue 9 part 7: the partial unique index ``uq_run_running_tenant`` keeps at most one running
cycle per tenant (older duplicates left ``running`` are closed as failed first), and
``agent_follow_up_owners`` records the quotes and deals handed to their follow-up workflows.
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        UPDATE agent_autonomous_runs r SET status = 'failed', phase = 'done',
               error = 'abandoned: another run of the tenant was running (migration 0005)'
         WHERE r.status = 'running'
           AND EXISTS (SELECT 1 FROM agent_autonomous_runs n
                        WHERE n.tenant_id = r.tenant_id AND n.status = 'running'
                          AND (n.started_at, n.id) > (r.started_at, r.id))
        """
    )
    op.create_index(
        "uq_run_running_tenant",
        "agent_autonomous_runs",
        ["tenant_id"],
        unique=True,
        postgresql_where=sa.text("status = 'running'"),
    )
    op.create_table(
        "agent_follow_up_owners",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("tenant_id", sqlmodel.sql.sqltypes.AutoString(length=63), nullable=False),
        sa.Column("target_type", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("target_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("workflow_id", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("run_id", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "target_type", "target_id", name="uq_follow_up_owner_target"),
    )
    op.create_index(
        op.f("ix_agent_follow_up_owners_tenant_id"), "agent_follow_up_owners", ["tenant_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_agent_follow_up_owners_tenant_id"), table_name="agent_follow_up_owners")
    op.drop_table("agent_follow_up_owners")
    op.drop_index("uq_run_running_tenant", table_name="agent_autonomous_runs")
