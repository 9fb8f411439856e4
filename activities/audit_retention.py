"""Retention enforcement (issue 16 Build 4): ``retention_tenants`` pages through the tenants,
``enforce_retention`` removes (or, in a dry run, only reports) one tenant's data past its
retention at the run's ``now``.

Runs on the agent worker (sync). Periods: the tenant's ``retention_policies`` rows, else
``audit.retention_days`` (core/retention.py). What is past retention is found by the same
queries in a dry run and in a run (schema/repositories/retention.py), and each class is reported
as a count, the sha256 of its sorted items and a sample, so a dry run at a given ``now`` reports
exactly what a run at that ``now`` removes. Blobs: an expired operation's screenshots and
checkpoint files, and expired raw inbound messages, are deleted from the object store; once both
of an operation's blob classes expired, its keyring (core/operation_keys.py) is deleted too, so
copies in backups stop decrypting as well. Audit
rows are tombstoned, so the chain still verifies. A run that removed anything is itself audited
(``operator_audit`` action ``audit.retention``).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy import Engine
from temporalio import activity

from activities.operations import permanent_db_errors
from core.objectstore import delete_objects
from core.operation_keys import operation_keyring_path
from core.retention import cutoffs, is_checkpoint, periods
from core.settings import Settings
from core.vault import VaultStore
from schema.db import platform_transaction, tenant_transaction
from schema.repositories import audit_lifecycle, operator_audit
from schema.repositories.retention import expire, expired
from workflows.audit_lifecycle import PAGE, ClassReport, RetentionReport, TenantPage, TenantRetention

SAMPLE = 20


def report(items: list[str]) -> ClassReport:
    ordered = sorted(items)
    digest = hashlib.sha256("\n".join(ordered).encode()).hexdigest()
    return ClassReport(count=len(ordered), digest=digest, sample=ordered[:SAMPLE])


class AuditRetentionActivities:
    def __init__(self, settings: Settings, engine: Engine, vault: VaultStore) -> None:
        self._engine, self._root, self._default = engine, settings.object_dir, settings.audit.retention_days
        self._vault = vault

    @activity.defn(name="retention_tenants")
    def retention_tenants(self, after: str) -> TenantPage:
        """The next :data:`PAGE` tenant ids after ``after`` (platform scope)."""
        with permanent_db_errors(), platform_transaction(self._engine, "retention: tenants") as s:
            ids = [t for t in audit_lifecycle.tenants_with_data(s) if t > after]
        return TenantPage(tenants=ids[:PAGE])

    def _blobs(self, tenant_id: str, operations: list[str]) -> list[str]:
        """Object keys of the files stored under these operations (``{tenant}/{op}/...``)."""
        keys: list[str] = []
        for op in operations:
            d: Path = self._root / tenant_id / op
            if d.exists():
                keys += [str(f.relative_to(self._root)).removesuffix(".enc") for f in d.rglob("*.enc")]
        return keys

    @activity.defn(name="enforce_retention")
    def enforce_retention(self, inp: TenantRetention) -> RetentionReport:
        t = inp.tenant_id
        with permanent_db_errors(), tenant_transaction(self._engine, t) as s:
            days = periods(self._default, audit_lifecycle.retention_overrides(s, t))
            found = expired(s, t, cutoffs(inp.now, days))
            gone = sorted(set(found["screenshots"]) & set(found["checkpoints"]))  # every blob class expired
            shots = [k for k in self._blobs(t, found.pop("screenshots")) if not is_checkpoint(k)]
            checkpoints = [k for k in self._blobs(t, found.pop("checkpoints")) if is_checkpoint(k)]
            classes = {c: report(v) for c, v in found.items()}
            classes["screenshots"], classes["checkpoints"] = report(shots), report(checkpoints)
            if not inp.dry_run and any(c.count for c in classes.values()):
                delete_objects(self._root, [*shots, *checkpoints, *found["raw_inbound_mail"]])
                for op in gone:
                    self._vault.delete(operation_keyring_path(t, op))
                expire(s, t, found)
                counts = {c: r.count for c, r in classes.items() if r.count}
                detail = {"now": inp.now.isoformat(), "removed": counts}
                operator_audit.record(
                    s,
                    actor="retention",
                    issuer="platform",
                    action="audit.retention",
                    tenant_id=t,
                    detail=detail,
                )
                s.commit()
        activity.heartbeat(t)
        return RetentionReport(tenant_id=t, dry_run=inp.dry_run, classes=classes)
