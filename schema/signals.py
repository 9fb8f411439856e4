"""Opportunity signals found in inbound email (seed 004 P1.6, issue 13 Build 8): complaint,
urgency, upsell, renewal, referral, each with the seed's strength and its evidence phrase.

One row per (tenant, inbound message, kind): recording is idempotent, so a re-processed message
adds nothing. ``acted_on_at`` is set when the planner has acted on the signal; the planner reads
the ones still NULL. ``inbound_message_id`` is the ``inbound_messages`` row id (no foreign key:
that table has no ``(tenant_id, id)`` key yet); contact and account are tenant-bound foreign keys.
RLS: migration 0013.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from schema.tables import _ts, new_id, tenant_fk


class OpportunitySignal(SQLModel, table=True):
    __tablename__ = "opportunity_signals"
    __table_args__ = (
        UniqueConstraint(
            "tenant_id", "inbound_message_id", "kind", name="uq_opportunity_signal_message_kind"
        ),
        tenant_fk("opportunity_signals", "contact_id", "contacts"),
        tenant_fk("opportunity_signals", "account_id", "clients"),
        Index("ix_opportunity_signals_tenant_created", "tenant_id", "created_at"),
    )
    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    tenant_id: str = Field(foreign_key="tenants.id", max_length=63)
    inbound_message_id: str = Field(max_length=64)
    contact_id: str | None = Field(default=None, max_length=64)
    account_id: str | None = Field(default=None, max_length=64)
    """The contact's account (``clients.id``)."""
    kind: str = Field(max_length=20)
    """complaint, urgency, upsell, renewal or referral (``workflows.mail_models.SignalKind``)."""
    strength: float
    """0..1, the seed's strength for the kind (``SIGNAL_STRENGTH``)."""
    evidence: str = Field(max_length=300)
    """The sentence of the email the signal was found in (untrusted text: display as data)."""
    created_at: datetime = _ts(nullable=False, default=True)
    acted_on_at: datetime | None = _ts()
