"""``build_audit_export`` (issue 16 Build 2): one archive of a tenant's, or one data subject's,
audit trail and data, stored encrypted, audited.

Runs on the agent worker (sync, thread pool). In the export's tenant transaction it reads the
rows (schema/repositories/subject_data.py), the chain links covering the audit rows and the
tenant's signed digests; decrypts each screenshot (its operation's keyring, core/operation_keys.py)
and raw inbound message (the tenant keyring); builds a zip or tar.gz with ``manifest.json``
(core/export_archive.py); seals it with the tenant keyring under ``{tenant}/exports/{id}.{fmt}``;
and records ``audit.export`` in ``operator_audit`` (a link of the tenant's chain). Progress
(files done of ``total``) is written to ``audit_exports`` every :data:`PROGRESS_EVERY` files and
heartbeated. Idempotent: a retry rebuilds the same object key; the audit entry is written with
the final status, once.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.operations import permanent_db_errors
from core.export_archive import build, jsonl
from core.keys import KeyStore, ensure_tenant_keyring, load_keyring_sync
from core.mail_store import MailBlobs
from core.objectstore import ObjectNotFound, ObjectStore
from core.operation_keys import OperationKeyrings
from core.retention import subject_hash
from core.settings import Settings
from schema.db import tenant_transaction
from schema.repositories import audit_chain, audit_lifecycle, operator_audit
from schema.repositories.subject_data import chain_rows, holdings
from workflows.audit_lifecycle import ExportInput, ExportResult

PROGRESS_EVERY = 25


def export_key(tenant_id: str, export_id: str, fmt: str) -> str:
    """``{tenant}/exports/{export id}.{zip|tar.gz}``."""
    return f"{tenant_id}/exports/{export_id}.{fmt}"


class AuditExportActivities:
    def __init__(self, settings: Settings, engine: Engine, vault: KeyStore) -> None:
        self._settings, self._engine, self._vault = settings, engine, vault
        legacy = load_keyring_sync(settings)
        self._shots = ObjectStore(
            settings.object_dir, legacy, OperationKeyrings(vault, settings.crypto.key_cache_s)
        )
        self._mail = MailBlobs(settings, vault)

    def _progress(self, tenant_id: str, export_id: str, **values: Any) -> None:
        with permanent_db_errors(), tenant_transaction(self._engine, tenant_id) as s:
            audit_lifecycle.export_progress(s, export_id, **values)
            s.commit()

    @activity.defn(name="build_audit_export")
    def build_audit_export(self, inp: ExportInput) -> ExportResult:
        """Build, seal and store the archive. Raises a non-retryable ApplicationError when the
        export row does not exist (another tenant's id)."""
        t = inp.tenant_id
        with permanent_db_errors(), tenant_transaction(self._engine, t) as s:
            row = audit_lifecycle.get_export(s, inp.export_id)
            if row is None:
                raise ApplicationError("export not found", type="ExportNotFound", non_retryable=True)
            if row.status == "done" and row.sha256:  # finished before a lost completion: not twice
                return ExportResult(inp.export_id, row.total or 0, row.sha256, row.size_bytes or 0)
            subject, fmt, by = row.subject_email, row.archive_format, row.requested_by
            h = holdings(s, t, subject)
            links = chain_rows(s, t, h, whole=subject is None)
            digests = [d.model_dump(mode="json") for d in audit_chain.digests(s, t)]
        files: dict[str, bytes] = {f"rows/{table}.jsonl": jsonl(rows) for table, rows in h.rows.items()}
        files["audit/chain.jsonl"] = jsonl(links)
        files["audit/digests.json"] = json.dumps(digests, indent=2).encode()
        total = len(files) + len(h.screenshot_keys) + len(h.raw_mail_keys)
        self._progress(t, inp.export_id, status="running", total=total, progress=len(files))
        missing: list[str] = []
        blobs = [(k, "screenshots/", self._shots.get) for k in h.screenshot_keys]
        blobs += [(k, "mail/raw/", lambda key: self._mail.get(t, key)) for k in h.raw_mail_keys]
        for n, (key, folder, read) in enumerate(blobs, 1):
            try:
                files[folder + key.removeprefix(f"{t}/") + (".eml" if folder == "mail/raw/" else "")] = read(
                    key
                )
            except (ObjectNotFound, KeyError):  # expired by retention, or shredded
                missing.append(key)
            if n % PROGRESS_EVERY == 0:
                activity.heartbeat(n)
                self._progress(t, inp.export_id, progress=len(files))
        meta = {
            "export_id": inp.export_id,
            "tenant_id": t,
            "subject": subject_hash(subject) if subject else None,
            "created_at": datetime.now(UTC).isoformat(),
            "chain": {
                "links": len(links),
                "first_seq": links[0]["seq"] if links else None,
                "last_seq": links[-1]["seq"] if links else None,
            },
            "digests": digests,
            "missing_blobs": missing,
        }
        archive = build(files, meta, fmt)
        sha = hashlib.sha256(archive).hexdigest()
        key = ObjectStore(self._settings.object_dir, ensure_tenant_keyring(self._vault, t)).put(
            export_key(t, inp.export_id, fmt), archive
        )
        with permanent_db_errors(), tenant_transaction(self._engine, t) as s:
            audit_lifecycle.export_progress(
                s,
                inp.export_id,
                status="done",
                progress=len(files) + 1,
                total=len(files) + 1,
                blob_key=key,
                sha256=sha,
                size_bytes=len(archive),
            )
            detail = {
                "export_id": inp.export_id,
                "subject": meta["subject"],
                "files": len(files) + 1,
                "sha256": sha,
            }
            operator_audit.record(
                s, actor=by, issuer="tenant", action="audit.export", tenant_id=t, detail=detail
            )
            s.commit()
        return ExportResult(
            export_id=inp.export_id, files=len(files) + 1, sha256=sha, size_bytes=len(archive)
        )
