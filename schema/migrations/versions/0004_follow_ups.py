"""follow-ups: feedback, cases, quotes, deals, compliance

Revision ID: 0004
Revises: 0003

Tables of seed 004 P1.3, P1.4, P1.5 and P1.7 (see schema/followups.py).
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("tenant_id", sqlmodel.sql.sqltypes.AutoString(length=63), nullable=False),
        sa.Column("order_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("summary", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("source_key", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source_key"),
    )
    op.create_index(op.f("ix_cases_order_id"), "cases", ["order_id"], unique=False)
    op.create_index(op.f("ix_cases_tenant_id"), "cases", ["tenant_id"], unique=False)
    op.create_table(
        "compliance_schedule",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("tenant_id", sqlmodel.sql.sqltypes.AutoString(length=63), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("frequency", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("target_type", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("required_fields", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("notify_days_before", sa.Integer(), nullable=False),
        sa.Column("escalate_after_days", sa.Integer(), nullable=False),
        sa.Column("due_in_days", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_compliance_schedule_tenant_id"), "compliance_schedule", ["tenant_id"], unique=False
    )
    op.create_table(
        "deal_stage_config",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("tenant_id", sqlmodel.sql.sqltypes.AutoString(length=63), nullable=False),
        sa.Column("stage", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("stalled_after_days", sa.Integer(), nullable=False),
        sa.Column("follow_up_every_days", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "stage", name="uq_stage_config"),
    )
    op.create_index(op.f("ix_deal_stage_config_tenant_id"), "deal_stage_config", ["tenant_id"], unique=False)
    op.create_table(
        "feedback_requests",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("tenant_id", sqlmodel.sql.sqltypes.AutoString(length=63), nullable=False),
        sa.Column("order_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("contact_email", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("scheduled_for", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("responded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("response", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("sentiment", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True),
        sa.Column("sentiment_source", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True),
        sa.Column("case_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "order_id", name="uq_feedback_tenant_order"),
    )
    op.create_index(op.f("ix_feedback_requests_tenant_id"), "feedback_requests", ["tenant_id"], unique=False)
    op.create_table(
        "deal_stage_history",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("tenant_id", sqlmodel.sql.sqltypes.AutoString(length=63), nullable=False),
        sa.Column("deal_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("from_stage", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("to_stage", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("duration_s", sa.Integer(), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["deal_id"],
            ["deals.id"],
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_index(op.f("ix_deal_stage_history_deal_id"), "deal_stage_history", ["deal_id"], unique=False)
    op.create_index(
        op.f("ix_deal_stage_history_tenant_id"), "deal_stage_history", ["tenant_id"], unique=False
    )
    op.create_table(
        "quote_activities",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("tenant_id", sqlmodel.sql.sqltypes.AutoString(length=63), nullable=False),
        sa.Column("quote_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("detail", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["quote_id"],
            ["quotes.id"],
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("quote_id", "key", name="uq_quote_activity_key"),
    )
    op.create_index(op.f("ix_quote_activities_quote_id"), "quote_activities", ["quote_id"], unique=False)
    op.create_index(op.f("ix_quote_activities_tenant_id"), "quote_activities", ["tenant_id"], unique=False)
    op.add_column(
        "deals", sa.Column("priority", sa.String(length=10), nullable=False, server_default="normal")
    )
    op.add_column("deals", sa.Column("stage_entered_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column(
        "compliance_checks", sa.Column("reminders", sa.Integer(), nullable=False, server_default="0")
    )
    op.add_column("compliance_checks", sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column(
        "compliance_checks", sa.Column("waiver_reason", sqlmodel.sql.sqltypes.AutoString(), nullable=True)
    )
    op.add_column(
        "compliance_checks",
        sa.Column("workflow_id", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    )
    op.add_column(
        "quotes", sa.Column("view_token", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
    )
    op.add_column("quotes", sa.Column("viewed_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("quotes", sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("quotes", sa.Column("outcome_reason", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    op.create_unique_constraint("quotes_view_token_key", "quotes", ["view_token"])


def downgrade() -> None:
    # WARNING: constraint name is None; this directive will fail as
    # rendered.  Add a name, or use a naming convention; see
    # https://alembic.sqlalchemy.org/en/latest/naming.html
    op.drop_constraint("quotes_view_token_key", "quotes", type_="unique")
    op.drop_column("quotes", "outcome_reason")
    op.drop_column("quotes", "decided_at")
    op.drop_column("quotes", "viewed_at")
    op.drop_column("quotes", "view_token")
    op.drop_column("compliance_checks", "workflow_id")
    op.drop_column("compliance_checks", "waiver_reason")
    op.drop_column("compliance_checks", "escalated_at")
    op.drop_column("compliance_checks", "reminders")
    op.drop_column("deals", "stage_entered_at")
    op.drop_column("deals", "priority")
    op.drop_index(op.f("ix_quote_activities_tenant_id"), table_name="quote_activities")
    op.drop_index(op.f("ix_quote_activities_quote_id"), table_name="quote_activities")
    op.drop_table("quote_activities")
    op.drop_index(op.f("ix_deal_stage_history_tenant_id"), table_name="deal_stage_history")
    op.drop_index(op.f("ix_deal_stage_history_deal_id"), table_name="deal_stage_history")
    op.drop_table("deal_stage_history")
    op.drop_index(op.f("ix_feedback_requests_tenant_id"), table_name="feedback_requests")
    op.drop_table("feedback_requests")
    op.drop_index(op.f("ix_deal_stage_config_tenant_id"), table_name="deal_stage_config")
    op.drop_table("deal_stage_config")
    op.drop_index(op.f("ix_compliance_schedule_tenant_id"), table_name="compliance_schedule")
    op.drop_table("compliance_schedule")
    op.drop_index(op.f("ix_cases_tenant_id"), table_name="cases")
    op.drop_index(op.f("ix_cases_order_id"), table_name="cases")
    op.drop_table("cases")
