"""The hourly signed digest of every audit chain (issue 16 Build 1), id ``audit-digest`` (a
platform workflow; its Temporal Schedule ``audit-digest`` starts it every
``audit.digest_every_s``, overlap SKIP).

It calls ``sign_audit_digests`` until no chain that grew since its last digest is left (one
batch of ``audit.digest_batch`` chains per call, at most :data:`MAX_BATCHES` calls). Each call
signs each chain head with Vault Transit and stores the digest; a retried call skips what is
already signed (the digest's key is tenant and seq), so nothing is signed twice for a head.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from core import queues
    from workflows import retry

MAX_BATCHES = 100


@dataclass(frozen=True)
class DigestBatch:
    """One call's outcome: chains ``signed``, and whether more remain (a full batch)."""

    signed: int
    more: bool


@dataclass(frozen=True)
class DigestRun:
    signed: int
    batches: int


@workflow.defn(name="AuditDigest")
class AuditDigestWorkflow:
    @workflow.run
    async def run(self) -> DigestRun:
        signed = batches = 0
        while batches < MAX_BATCHES:
            batch: DigestBatch = await workflow.execute_activity(
                "sign_audit_digests",
                task_queue=queues.AGENT,
                result_type=DigestBatch,
                start_to_close_timeout=timedelta(minutes=10),
                heartbeat_timeout=timedelta(seconds=60),
                retry_policy=retry.PATIENT,  # Vault or Postgres down: wait it out
            )
            signed, batches = signed + batch.signed, batches + 1
            if not batch.more:
                break
        return DigestRun(signed=signed, batches=batches)
