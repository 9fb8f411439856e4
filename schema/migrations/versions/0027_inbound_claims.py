"""inbound claims: an understanding page's lease, so no transaction is held across the LLM

Revision ID: 0027
Revises: 0023

Issue 13 (Build 2, race-safe processing, seed 004 P0.6). ``inbound_messages.claimed_by``
(varchar 200: the claiming activity, ``{workflow run id}/{activity id}``, the same across its
retries) and ``claimed_until`` (timestamptz, the database's clock). An understander claims a page
in one short transaction, understands it with no transaction open (the LLM call, the follow-up
signals), then applies its effects in a second one that locks the rows again and keeps only
those still its own and unrouted. Before, the page's ``FOR UPDATE SKIP LOCKED`` transaction stayed
open across every LLM call. NULL on existing rows: claimable at once. The table keeps its RLS
(migration 0015).
"""

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("inbound_messages", sa.Column("claimed_by", sa.String(length=200), nullable=True))
    op.add_column("inbound_messages", sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("inbound_messages", "claimed_until")
    op.drop_column("inbound_messages", "claimed_by")
