"""The credential-access log (issue 15 Build 8; seed 000 §1 "audit trail of credential access").

``credential_access_log``: one row per read of a tenant credential from Vault by an activity,
written before the read (a read that then fails is still logged). Append-only for the
application role and a link of the tenant's audit hash chain (migration 0021). The value is
never here: the Vault path, why it was read and on whose behalf.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Column, String
from sqlmodel import Field, SQLModel

from schema.tables import _ts


class CredentialAccess(SQLModel, table=True):
    __tablename__ = "credential_access_log"
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    tenant_id: str = Field(foreign_key="tenants.id", index=True, max_length=63)
    vault_path: str = Field(sa_column=Column(String, nullable=False, index=True))
    purpose: str = Field(max_length=100)
    """e.g. ``connection_test``, ``prepare_session``, ``record_credential``, ``mailbox_sync``."""
    activity: str = Field(max_length=100)
    """The activity type that read it."""
    operation_id: str | None = Field(default=None, max_length=64)
    """The operation (or other workflow) on whose behalf, when there is one."""
    step_number: int | None = None
    workflow_id: str | None = Field(default=None, max_length=300)
    accessed_at: datetime = _ts(nullable=False, default=True)
