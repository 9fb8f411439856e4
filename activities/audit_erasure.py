"""``erase_audit_data`` (issue 16 Build 3): erase one data subject, or a whole tenant, with
crypto-shredding and tombstones, then certify it.

Order, so that a retry after any failure finishes the job (every step is idempotent):

1. read what the subject (or tenant) holds (schema/repositories/subject_data.py);
2. shred: delete the Vault keyrings of the subject's operations (every operation keyring, plus
   the tenant's payload, fingerprint and unsubscribe keys, for a whole tenant), so their
   screenshots, checkpoints (and for a tenant: documents, raw mail, Temporal payloads) no longer
   decrypt anywhere, backups included; then delete the blob files themselves (the subject's raw
   inbound mail is sealed with the tenant keyring, so for a subject its files are deleted only);
3. in one tenant transaction: tombstone the audit rows (``omniops_audit_tombstone``: rows
   deleted, chain entries emptied, links kept), delete operations, outgoing and inbound mail and
   export archives' rows, anonymize the subject's business rows (contacts, enrichment sources,
   opportunity signals, feedback requests, order borrowers:
   schema/repositories/subject_business.py), and write the certificate: ``operator_audit``
   action ``audit.erasure`` (itself a link of the chain) and ``audit_erasures.certificate``; the
   subject's email is replaced by its sha256.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import Engine, text
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.operations import permanent_db_errors
from core.keys import fingerprint_key_path, keyring_path, unsubscribe_key_path
from core.objectstore import delete_objects
from core.operation_keys import operation_keyring_path, operations_folder
from core.retention import subject_hash
from core.settings import Settings
from core.vault import VaultStore
from schema.db import tenant_transaction
from schema.repositories import audit_lifecycle, operator_audit
from schema.repositories.subject_business import anonymize_subject
from schema.repositories.subject_data import DELETED, Holdings, delete_holdings, holdings
from workflows.audit_lifecycle import ErasureInput, ErasureResult


class AuditErasureActivities:
    def __init__(self, settings: Settings, engine: Engine, vault: VaultStore) -> None:
        self._root: Path = settings.object_dir
        self._engine, self._vault = engine, vault

    def _shred(self, t: str, h: Holdings, whole: bool, exports: list[str]) -> tuple[int, int]:
        """Delete keyrings, then blob files (``exports``: archive keys); ``(keyrings, files)`` deleted."""
        ops = (
            {n.rstrip("/") for n in self._vault.list(operations_folder(t))} if whole else set(h.operation_ids)
        )
        paths = [operation_keyring_path(t, op) for op in sorted(ops)]
        if whole:
            paths += [keyring_path(t), fingerprint_key_path(t), unsubscribe_key_path(t)]
        for p in paths:
            self._vault.delete(p)
            activity.heartbeat(len(paths))
        tenant_dir = self._root / t
        if whole:
            files = [f for f in tenant_dir.rglob("*") if f.is_file()] if tenant_dir.exists() else []
            shutil.rmtree(tenant_dir, ignore_errors=True)
            return len(paths), len(files)
        keyed = delete_objects(self._root, [*h.raw_mail_keys, *exports])  # a packed mail: zeroed
        blobs: list[Path] = []
        for op in h.operation_ids:
            d = tenant_dir / op
            blobs += [f for f in d.rglob("*") if f.is_file()] if d.exists() else []
        for f in blobs:
            f.unlink(missing_ok=True)
        return len(paths), keyed + len(blobs)

    @activity.defn(name="erase_audit_data")
    def erase_audit_data(self, inp: ErasureInput) -> ErasureResult:
        """Erase and certify. Non-retryable ApplicationError when the erasure row is unknown."""
        t, eid = inp.tenant_id, inp.erasure_id
        with permanent_db_errors(), tenant_transaction(self._engine, t) as s:
            row = audit_lifecycle.get_erasure(s, eid)
            if row is None:
                raise ApplicationError("erasure not found", type="ErasureNotFound", non_retryable=True)
            if row.status == "done" and row.certificate:
                c = row.certificate
                return ErasureResult(
                    eid, c["rows"], c["links_emptied"], c["keyrings_shredded"], c["blobs_deleted"]
                )
            subject, by = row.subject_email, row.requested_by
            whole = subject is None and row.subject_hash is None
            h = holdings(s, t, subject)
            mine = (
                "SELECT blob_key FROM audit_exports WHERE blob_key IS NOT NULL AND lower(subject_email) = :e"
            )
            exports = [str(k) for k in s.execute(text(mine), {"e": subject}).scalars()] if subject else []
        keyrings, blobs = self._shred(t, h, whole, exports)
        with permanent_db_errors(), tenant_transaction(self._engine, t) as s:
            emptied = sum(
                audit_lifecycle.tombstone(s, tb, ids, f"erasure:{eid}") for tb, ids in h.chained_ids.items()
            )
            rows = sum(len(ids) for ids in h.chained_ids.values())
            inbound = [str(r["id"]) for r in h.rows.get("inbound_messages", [])]
            removed = {*h.chained_ids, *DELETED}  # the rest of h.rows is anonymized, not deleted
            anonymized = anonymize_subject(s, subject, inbound) if subject else {}
            rows += delete_holdings(s, t, h, None if whole else subject)
            hashed = subject_hash(subject) if subject else None
            certificate = {
                "erasure_id": eid,
                "scope": "tenant" if whole else "subject",
                "subject": hashed,
                "rows": rows,
                "links_emptied": emptied,
                "keyrings_shredded": keyrings,
                "blobs_deleted": blobs,
                "tables": {tb: len(ids) for tb, ids in h.rows.items() if ids and tb in removed},
                "anonymized": anonymized,
            }
            audit_lifecycle.finish_erasure(s, eid, hashed, certificate)
            operator_audit.record(
                s, actor=by, issuer="tenant", action="audit.erasure", tenant_id=t, detail=certificate
            )
            s.commit()
        activity.logger.info("erasure done", extra={"tenant": t, "erasure": eid, "rows": rows})
        return ErasureResult(eid, rows, emptied, keyrings, blobs)
