"""Rotation activities (issue 15 Build 5; seed 000 §1, seed 004 P2.4), agent queue, sync, each
idempotent and audited in ``integration_events`` (run = the rotation's workflow id).

KV v2 versions carry the switch: the generating operation writes the new value as a new version
of the same path; ``switch_credential`` records it as current and the old version (and its site
name) as pending revocation; ``finish_rotation`` destroys the old version once it is revoked;
``restore_credential`` (a failed regenerate or test) writes the old version's data back as the
latest, so the old credential is what every reader gets again.

``begin_rotation`` takes the integration (``rotation_run`` = the workflow id); a holder whose
workflow ended without ``finish_rotation`` (terminated, timed out) is asked about in Temporal
and taken over, audited as ``takeover``. A credential an earlier run left pending revocation is
handed to the new run (``RotationStart.pending_revoke``), which revokes it first and settles it
with ``settle_pending_revoke`` (its old Vault version destroyed, audited ``revoke_pending``).

Failpoint ``integration.after_switch`` (tests): the worker dies right after the switch commits,
before the revoke; the rotation resumes from there.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import Engine
from temporalio import activity
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.service import RPCError, RPCStatusCode

from activities.operations import permanent_db_errors
from core.faults import failpoint
from core.keys import fingerprint_key
from core.vault import VaultStore, credential_path, fingerprint
from schema.db import tenant_transaction
from schema.repositories import credentials, integrations
from workflows.integrations.messages import (
    BeginRotationInput,
    FinishRotationInput,
    IntegrationRef,
    RestoreInput,
    RotationStart,
    RotationStepInput,
    SettlePendingInput,
    SwitchInput,
    SwitchResult,
)


async def stale_holder(client: Client | None, workflow_id: str) -> bool:
    """Whether the rotation ``workflow_id`` (its latest run) has ended: any status but RUNNING,
    or no such workflow (its history is past the namespace retention). Without a client (tests
    of the activities alone) no holder is stale."""
    if client is None:
        return False
    try:
        d = await client.get_workflow_handle(workflow_id).describe()
    except RPCError as e:
        if e.status == RPCStatusCode.NOT_FOUND:
            return True
        raise
    return d.status != WorkflowExecutionStatus.RUNNING


class RotationActivities:
    def __init__(self, engine: Engine, vault: VaultStore, client: Client | None = None) -> None:
        self._engine, self._vault, self._client = engine, vault, client

    def _path(self, ref: IntegrationRef) -> str:
        return credential_path(ref.tenant_id, ref.service, ref.credential_type)

    def _audit(self, ref: IntegrationRef, run: str, step: str, ok: bool, detail: str, **data: object) -> None:
        with permanent_db_errors(), tenant_transaction(self._engine, ref.tenant_id) as s:
            integrations.audit(
                s, ref.tenant_id, ref.service, ref.credential_type, run, step, ok, detail, data or None
            )

    @activity.defn(name="begin_rotation")
    async def begin_rotation(self, inp: BeginRotationInput) -> RotationStart:
        """Take the integration for this run (``busy`` when another run holds it); the version in
        use and the credential's site name. A holder whose workflow is no longer running
        (terminated, failed, timed out, or gone: ``stale_holder``) does not hold it: this run
        takes it over (issue 15: a terminated rotation no longer blocks every later one)."""
        start, holder = await asyncio.to_thread(self._begin, inp, None)
        if holder is not None and await stale_holder(self._client, holder):
            start, _ = await asyncio.to_thread(self._begin, inp, holder)
        return start

    def _begin(self, inp: BeginRotationInput, stale: str | None) -> tuple[RotationStart, str | None]:
        """(start, the other run holding the integration, if any); ``stale``: a holder known to
        have ended, taken over if it still holds the row."""
        ref = inp.ref
        version = self._vault.read_versioned(self._path(ref))[1]
        with permanent_db_errors(), tenant_transaction(self._engine, ref.tenant_id) as s:
            row = integrations.get_status(s, ref.tenant_id, ref.service, ref.credential_type, lock=True)
            if row is None:
                return RotationStart(busy=True), None
            if row.rotation_run not in (None, inp.run, stale):
                return RotationStart(busy=True), row.rotation_run
            if row.rotation_run != inp.run:
                if row.rotation_run is not None:
                    integrations.audit(
                        s, ref.tenant_id, ref.service, ref.credential_type, inp.run, "takeover", True,
                        f"the rotation {row.rotation_run} ended without releasing the integration",
                        {"stale_run": row.rotation_run, "pending_revoke": row.pending_revoke},
                    )  # fmt: skip
                integrations.set_fields(s, row, rotation_run=inp.run, status="rotating", detail=inp.reason)
            integrations.audit(
                s, ref.tenant_id, ref.service, ref.credential_type, inp.run, "begin", True, inp.reason,
                {"old_version": version},
            )  # fmt: skip
            return RotationStart(
                old_version=row.current_version or version,
                old_name=row.credential_name,
                pending_revoke=row.pending_revoke,
            ), None

    @activity.defn(name="audit_rotation_step")
    def audit_rotation_step(self, inp: RotationStepInput) -> None:
        self._audit(inp.ref, inp.run, inp.step, inp.success, inp.detail)

    @activity.defn(name="switch_credential")
    def switch_credential(self, inp: SwitchInput) -> SwitchResult:
        """The latest version (the new credential) becomes current; the old version and name wait
        for revocation (only if the old credential still worked)."""
        ref = inp.ref
        _, latest = self._vault.read_versioned(self._path(ref))
        with permanent_db_errors(), tenant_transaction(self._engine, ref.tenant_id) as s:
            row = integrations.get_status(s, ref.tenant_id, ref.service, ref.credential_type, lock=True)
            if row is not None and row.credential_name != inp.new_name:
                integrations.set_fields(
                    s,
                    row,
                    current_version=latest,
                    previous_version=inp.old_version,
                    pending_revoke=inp.old_name if inp.old_works else None,
                    credential_name=inp.new_name,
                    last_rotated_at=datetime.now(UTC),
                )
            integrations.audit(
                s, ref.tenant_id, ref.service, ref.credential_type, inp.run, "switch", True,
                f"Vault version {inp.old_version} -> {latest}", {"old": inp.old_version, "new": latest},
            )  # fmt: skip
        failpoint("integration.after_switch")
        return SwitchResult(new_version=latest)

    @activity.defn(name="settle_pending_revoke")
    def settle_pending_revoke(self, inp: SettlePendingInput) -> None:
        """Audit the revoke of an earlier run's pending credential; once revoked, destroy the Vault
        version it was (``previous_version``, unless current) and clear both fields. Idempotent."""
        ref = inp.ref
        with tenant_transaction(self._engine, ref.tenant_id) as s:
            row = integrations.get_status(s, ref.tenant_id, ref.service, ref.credential_type)
            old, current = (row.previous_version, row.current_version) if row else (None, None)
            mine = row is not None and row.pending_revoke == inp.name
        if inp.revoked and mine and old and old != current:
            self._vault.destroy_versions(self._path(ref), [old])
        with permanent_db_errors(), tenant_transaction(self._engine, ref.tenant_id) as s:
            row = integrations.get_status(s, ref.tenant_id, ref.service, ref.credential_type, lock=True)
            if inp.revoked and row is not None and row.pending_revoke == inp.name:
                integrations.set_fields(s, row, pending_revoke=None, previous_version=None)
            integrations.audit(
                s, ref.tenant_id, ref.service, ref.credential_type, inp.run, "revoke_pending", inp.revoked,
                f"{inp.name}, left by an earlier rotation: " + ("revoked" if inp.revoked else "NOT revoked"),
                {"destroyed_version": old if inp.revoked and mine and old != current else None},
            )  # fmt: skip

    @activity.defn(name="restore_credential")
    def restore_credential(self, inp: RestoreInput) -> None:
        """Write the old version's data back as the latest (unless it already is) and its
        fingerprint back on the metadata row."""
        ref, path = inp.ref, self._path(inp.ref)
        old = self._vault.read_version(path, inp.old_version) if inp.old_version else None
        latest, _ = self._vault.read_versioned(path)
        if old is not None and latest != old:
            self._vault.write(path, old)
        with permanent_db_errors(), tenant_transaction(self._engine, ref.tenant_id) as s:
            if old is not None and old.get("password"):
                fp = fingerprint(fingerprint_key(self._vault, ref.tenant_id), str(old["password"]))
                row = credentials.get_credential(s, ref.tenant_id, ref.service, ref.credential_type)
                if row is not None:
                    row.fingerprint = fp
            integrations.audit(
                s, ref.tenant_id, ref.service, ref.credential_type, inp.run, "restore", old is not None,
                f"old version {inp.old_version} restored: {inp.detail}",
            )  # fmt: skip

    @activity.defn(name="finish_rotation")
    def finish_rotation(self, inp: FinishRotationInput) -> None:
        """Release the integration with its final status; on success destroy the old version
        first (a retry after a crash destroys it again, harmlessly)."""
        ref = inp.ref
        with tenant_transaction(self._engine, ref.tenant_id) as s:
            row = integrations.get_status(s, ref.tenant_id, ref.service, ref.credential_type)
            old, current = (row.previous_version, row.current_version) if row else (None, None)
        if inp.ok and old and old != current:
            self._vault.destroy_versions(self._path(ref), [old])
        with permanent_db_errors(), tenant_transaction(self._engine, ref.tenant_id) as s:
            row = integrations.get_status(s, ref.tenant_id, ref.service, ref.credential_type, lock=True)
            if row is None:
                return
            fields: dict[str, object] = {"status": inp.status, "detail": inp.detail[:500]}
            if row.rotation_run == inp.run:
                fields["rotation_run"] = None
            if inp.ok:
                fields |= {"previous_version": None, "pending_revoke": None, "last_ok_at": datetime.now(UTC)}
            integrations.set_fields(s, row, **fields)
            integrations.audit(
                s, ref.tenant_id, ref.service, ref.credential_type, inp.run, "finish", inp.ok, inp.status
            )
