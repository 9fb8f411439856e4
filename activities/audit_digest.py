"""``sign_audit_digests`` (issue 16 Build 1): sign the heads of the audit chains that grew since
their last digest, with Vault Transit, and store each digest.

Runs on the agent worker (sync, thread pool). Reads every tenant's chain head in a platform
transaction (SELECT only) and writes ``audit_digests`` (a platform table). The signed message is
:func:`core.audit_chain.digest_message`; the key never leaves Vault. Idempotent: a digest is
keyed by (tenant, seq), so a retried batch signs nothing twice.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine
from temporalio import activity

from activities.operations import permanent_db_errors
from core.audit_chain import digest_message
from core.logging import get_logger
from core.settings import Settings
from core.transit import Transit
from schema.db import platform_transaction
from schema.repositories import audit_chain
from workflows.audit_digest import DigestBatch

log = get_logger("activities.audit_digest")


class AuditDigestActivities:
    def __init__(self, settings: Settings, engine: Engine, transit: Transit | None = None) -> None:
        self._engine = engine
        self._batch = settings.audit.digest_batch
        self._transit = transit or Transit(settings)

    @activity.defn(name="sign_audit_digests")
    def sign_audit_digests(self) -> DigestBatch:
        """Sign up to ``audit.digest_batch`` chain heads; ``more`` when the batch was full.
        Raises ``VaultUnavailable`` (retryable) when Vault cannot sign."""
        with permanent_db_errors(), platform_transaction(self._engine, "audit digests: chain heads") as s:
            heads = audit_chain.heads_to_sign(s, self._batch)
        signed_at = datetime.now(UTC)
        for tenant_id, seq, head_hash in heads:
            signature = self._transit.sign(digest_message(tenant_id, seq, head_hash, signed_at))
            with permanent_db_errors(), platform_transaction(self._engine, "audit digest: store") as s:
                audit_chain.add_digest(s, tenant_id, seq, head_hash, signed_at, self._transit.key, signature)
                s.commit()
            activity.heartbeat(tenant_id)
        if heads:
            log.info("audit digests signed", chains=len(heads))
        return DigestBatch(signed=len(heads), more=len(heads) == self._batch)
