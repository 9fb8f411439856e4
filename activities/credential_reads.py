"""Audited reads of tenant credentials from Vault (issue 15 Build 8).

Every activity that reads a tenant credential reads it through :class:`CredentialReader`: a row
of ``credential_access_log`` (path, purpose, activity, operation, step, workflow) is committed
first, then Vault is read. So a read is never unlogged; a retried activity logs each attempt.
Without a database engine (unit tests of an adapter) it only reads.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine
from temporalio import activity

from core.vault import VaultStore
from schema.db import tenant_transaction
from schema.repositories.credential_access import record_access


def _activity() -> tuple[str, str | None]:
    try:
        info = activity.info()
    except RuntimeError:  # called outside an activity (a script, a unit test)
        return "direct", None
    return info.activity_type, info.workflow_id


class CredentialReader:
    def __init__(self, vault: VaultStore, engine: Engine | None) -> None:
        self.vault = vault
        self._engine = engine

    def read(
        self,
        tenant_id: str,
        path: str,
        purpose: str,
        operation_id: str | None = None,
        step_number: int | None = None,
    ) -> dict[str, Any] | None:
        """The secret at ``path`` (None when absent), after logging the read."""
        if self._engine is not None:
            name, workflow_id = _activity()
            with tenant_transaction(self._engine, tenant_id) as s:
                record_access(
                    s,
                    {
                        "tenant_id": tenant_id,
                        "vault_path": path,
                        "purpose": purpose,
                        "activity": name,
                        "operation_id": operation_id,
                        "step_number": step_number,
                        "workflow_id": workflow_id,
                    },
                )
        return self.vault.read(path)
