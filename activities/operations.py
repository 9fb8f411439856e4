"""DB activities of the operation workflow: operation row, audit trail, consent, credentials.

Sync activities (run on the worker's thread pool); each is idempotent so a retry never
duplicates a row.

``record_credential`` takes the extracted credential over from the browser worker (issue 10):
the value arrives response-wrapped (a single-use Vault token, ``credential_wrap``) and is
unwrapped here, then written to Vault with the admin credential's username and its metadata row
with the registered origin. Its fingerprint is computed here, after the unwrap: a keyed HMAC
under the tenant's fingerprint key (core/vault.py ``fingerprint``, core/keys.py
``fingerprint_key``), which the browser worker may not read (issue 11 item 6).

Exactly once: the Vault secret records which delivery wrote it (``delivery``: a digest of the
single-use wrapping token). A retry after the unwrap finds the wrap spent and counts as done when
Vault holds this delivery's value; a workflow started before issue 11 still carries the browser's
unkeyed fingerprint, compared with ``legacy_fingerprint`` (the function that made it). Any other
spent wrap is a non-retryable ``CredentialWrapSpent``.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import DataError, IntegrityError
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.credential_reads import CredentialReader
from core.failures import Failure
from core.keys import fingerprint_key
from core.outage_retry import through_outage
from core.targets import TargetRefused, parse_origin
from core.templates import Context, TemplateError, render
from core.vault import VaultStore, WrapSpent, credential_path, fingerprint, legacy_fingerprint, unwrap
from schema.db import tenant_transaction
from schema.repositories import audit, consent, credentials, operations
from workflows.operation.messages import (
    AuditInput,
    ConsentGrant,
    ConsentLookupInput,
    ConsentLookupResult,
    RecordCredentialInput,
    SyncOperationInput,
)
from workflows.operation.trust_activities import WRITE_AFTER_UNWRAP_S


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


def origin_of(site_url: str | None) -> str | None:
    """The WHATWG-serialized origin of ``site_url`` (None when absent or not a site URL)."""
    try:
        return str(parse_origin(site_url)) if site_url else None
    except TargetRefused:
        return None


class OperationActivities:
    def __init__(self, engine: Engine, vault: VaultStore | None = None, vault_addr: str = "") -> None:
        self._engine = engine
        self._vault = vault
        self._vault_addr = vault_addr

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
        with permanent_db_errors(), tenant_transaction(self._engine, inp.tenant_id) as s:
            operations.upsert_operation(s, values)

    @activity.defn(name="write_audit")
    def write_audit(self, inp: AuditInput) -> bool:
        """One audit row, idempotent on (operation, step, attempt). True when newly written."""
        row = inp.model_dump()
        row["operation_id"] = uuid.UUID(inp.operation_id)
        with permanent_db_errors(), tenant_transaction(self._engine, inp.tenant_id) as s:
            return audit.write_audit(s, row, current_step=inp.step_number if inp.success else None)

    @activity.defn(name="find_active_consent")
    def find_active_consent(self, inp: ConsentLookupInput) -> ConsentLookupResult:
        with tenant_transaction(self._engine, inp.tenant_id) as s:
            c = consent.find_active_consent(s, inp.tenant_id, inp.service, inp.operation, datetime.now(UTC))
        if c is None:
            return ConsentLookupResult()
        return ConsentLookupResult(
            grant=ConsentGrant(consent_id=str(c.id), granted_by=c.user_id, expires_at=c.expires_at)
        )

    @activity.defn(name="record_credential")
    def record_credential(self, inp: RecordCredentialInput) -> str:
        """Unwrap the extracted value into Vault (when ``credential_wrap`` is set), then the
        metadata row (Vault path, fingerprint, registered origin; never the secret). Returns the
        fingerprint recorded (keyed for an unwrapped value; ``inp.fingerprint`` otherwise)."""
        fp = inp.fingerprint
        if inp.credential_wrap:
            fp = self._store_wrapped(inp, inp.credential_wrap)
        values = {
            "tenant_id": inp.tenant_id,
            "service": inp.service,
            "credential_type": inp.credential_type,
            "vault_path": inp.vault_path,
            "fingerprint": fp,
            "site_url": inp.site_url,
            "created_by": inp.created_by,
            "last_rotated_at": datetime.now(UTC),
        }
        if (origin := origin_of(inp.site_url)) is not None:
            values["origin"] = origin
        with permanent_db_errors(), tenant_transaction(self._engine, inp.tenant_id) as s:
            credentials.upsert_credential(s, values)
        return fp

    def _store_wrapped(self, inp: RecordCredentialInput, token: str) -> str:
        """Unwrap into Vault; returns the value's keyed fingerprint."""
        if self._vault is None:
            raise RuntimeError("record_credential needs Vault to take a wrapped credential over")
        path = credential_path(inp.tenant_id, inp.service, inp.credential_type)
        delivery = hashlib.sha256(token.encode()).hexdigest()[:32]
        # everything that can fail on a Vault or Postgres outage (this read writes the access log)
        # comes before the single-use unwrap, so a retry still finds the wrap unspent
        admin = self._read(inp, credential_path(inp.tenant_id, inp.service, inp.admin_credential or "admin"))
        try:
            data = unwrap(self._vault_addr, token)
        except WrapSpent:
            stored = self._read(inp, path) or {}
            password = str(stored.get("password", ""))
            earlier = stored.get("delivery") == delivery or (
                inp.fingerprint != "" and legacy_fingerprint(password) == inp.fingerprint
            )
            if password and earlier:  # an earlier attempt unwrapped and stored it
                return fingerprint(fingerprint_key(self._vault, inp.tenant_id), password)
            raise ApplicationError(
                "the extracted credential's wrap was already used or expired",
                type=Failure.CREDENTIAL_WRAP_SPENT,
                non_retryable=True,
            ) from None
        value = str(data.get("value") or data.get("password") or "")
        if not value:
            raise ApplicationError(
                "the wrapped credential is empty", type=Failure.CREDENTIAL_MISSING, non_retryable=True
            )
        fields = stored_fields(inp, admin or {}, value) | {"delivery": delivery}
        # the wrap is spent: this write is the value's only way into Vault, so it waits out an outage
        vault = self._vault
        through_outage(
            lambda: vault.write(path, fields),
            budget_s=WRITE_AFTER_UNWRAP_S,
            on_wait=activity.heartbeat,
        )
        return fingerprint(fingerprint_key(vault, inp.tenant_id), value)

    def _read(self, inp: RecordCredentialInput, path: str) -> dict[str, Any] | None:
        assert self._vault is not None
        reader = CredentialReader(self._vault, self._engine)
        return reader.read(inp.tenant_id, path, "record_credential", inp.operation_id, inp.step_number)


def stored_fields(inp: RecordCredentialInput, admin: dict[str, Any], value: str) -> dict[str, str]:
    """The new credential's fields: username (the admin's), password (the value) and site_url,
    then the step's ``store_fields`` templates over the admin credential, the inputs and
    ``{{value}}`` (issue 15 Build 1). A template without a value is a non-retryable InvalidStep
    naming the field."""
    out = {"username": str(admin.get("username", "")), "password": value, "site_url": inp.site_url or ""}
    ctx = Context(
        credential={k: v for k, v in admin.items() if k != "delivery"}, inputs=inp.inputs, value=value
    )
    for name, template in inp.store_fields.items():
        try:
            out[name] = render(template, ctx)
        except TemplateError as e:
            raise ApplicationError(
                f"store_fields.{name}: {e}", type=Failure.INVALID_STEP, non_retryable=True
            ) from None
    return out
