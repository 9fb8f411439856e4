"""DB activities of the operation workflow: operation row, audit trail, consent, credentials.

Sync activities (run on the worker's thread pool); each is idempotent so a retry never
duplicates a row.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlalchemy.exc import DataError, IntegrityError
from temporalio import activity
from temporalio.exceptions import ApplicationError

from core.failures import Failure
from schema.db import transaction
from schema.repositories import audit, consent, credentials, operations
from workflows.operation.messages import (
    AuditInput,
    ConsentGrant,
    ConsentLookupInput,
    ConsentLookupResult,
    RecordCredentialInput,
    SyncOperationInput,
)


@contextmanager
def permanent_db_errors() -> Iterator[None]:
    """Integrity and data errors will not heal on retry: fail the activity for good."""
    try:
        yield
    except (IntegrityError, DataError) as e:
        raise ApplicationError(
            f"database rejected the write: {type(e.orig).__name__}",
            type=Failure.DATABASE_ERROR,
            non_retryable=True,
        ) from None


class OperationActivities:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @activity.defn(name="sync_operation")
    def sync_operation(self, inp: SyncOperationInput) -> None:
        """Upsert the ``autonomous_operations`` row from the workflow's state."""
        values = {
            "id": uuid.UUID(inp.operation_id),
            "tenant_id": inp.tenant_id,
            "workflow_id": inp.workflow_id,
            "user_id": inp.user_id,
            "service": inp.service,
            "operation": inp.operation,
            "status": inp.status.value,
            "total_steps": inp.total_steps,
            "current_step": inp.current_step,
        }
        if inp.consent_at:
            values |= {"consent_given": True, "consent_timestamp": inp.consent_at}
        if inp.started_at:
            values["started_at"] = inp.started_at
        if inp.completed_at:
            values["completed_at"] = inp.completed_at
        if inp.result is not None:
            values["result"] = inp.result
        with permanent_db_errors(), transaction(self._engine) as s:
            operations.upsert_operation(s, values)

    @activity.defn(name="write_audit")
    def write_audit(self, inp: AuditInput) -> bool:
        """One audit row, idempotent on (operation, step, attempt). True when newly written."""
        row = inp.model_dump()
        row["operation_id"] = uuid.UUID(inp.operation_id)
        with permanent_db_errors(), transaction(self._engine) as s:
            return audit.write_audit(s, row, current_step=inp.step_number if inp.success else None)

    @activity.defn(name="find_active_consent")
    def find_active_consent(self, inp: ConsentLookupInput) -> ConsentLookupResult:
        with transaction(self._engine) as s:
            c = consent.find_active_consent(s, inp.tenant_id, inp.service, inp.operation, datetime.now(UTC))
        if c is None:
            return ConsentLookupResult()
        return ConsentLookupResult(
            grant=ConsentGrant(consent_id=str(c.id), granted_by=c.user_id, expires_at=c.expires_at)
        )

    @activity.defn(name="record_credential")
    def record_credential(self, inp: RecordCredentialInput) -> None:
        """Metadata row for a credential the operation stored in Vault (never the secret)."""
        now = datetime.now(UTC)
        with permanent_db_errors(), transaction(self._engine) as s:
            credentials.upsert_credential(
                s,
                {
                    "tenant_id": inp.tenant_id,
                    "service": inp.service,
                    "credential_type": inp.credential_type,
                    "vault_path": inp.vault_path,
                    "fingerprint": inp.fingerprint,
                    "site_url": inp.site_url,
                    "created_by": inp.created_by,
                    "last_rotated_at": now,
                },
            )
