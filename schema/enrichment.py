"""Where a contact's enriched fields came from (issue 13 Build 7, seed 004 P1.6): one row per
value a signature offered for a contact field (``phone``, ``title``, ``company``, ``linkedin_url``,
``address``), with its source message and what enrichment did with it: ``set`` (the field was
empty), ``same`` (the contact already had it) or ``conflict`` (the contact keeps its own value).
Idempotent per (tenant, contact, field, inbound message). RLS: migration 0020.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from schema.tables import _ts, new_id, tenant_fk


class ContactFieldSource(SQLModel, table=True):
    __tablename__ = "contact_field_sources"
    __table_args__ = (
        UniqueConstraint(
            "tenant_id", "contact_id", "field", "inbound_message_id", name="uq_contact_field_source"
        ),
        tenant_fk("contact_field_sources", "contact_id", "contacts", ondelete="CASCADE"),
        Index("ix_contact_field_sources_contact", "tenant_id", "contact_id"),
    )
    id: str = Field(default_factory=new_id, primary_key=True, max_length=64)
    tenant_id: str = Field(foreign_key="tenants.id", max_length=63)
    contact_id: str = Field(max_length=64)
    field: str = Field(max_length=20)
    value: str = Field(max_length=300)
    """Untrusted text from an email signature: display as data."""
    outcome: str = Field(max_length=10)
    """set | same | conflict."""
    source: str = Field(max_length=20)
    """``signature`` (``workflows.mail_models.SourcedValue.source``)."""
    message_id: str = Field(max_length=300)
    """The RFC 5322 Message-ID the value was read from."""
    inbound_message_id: str = Field(max_length=64)
    """The ``inbound_messages`` row id."""
    recorded_at: datetime = _ts(nullable=False, default=True)
