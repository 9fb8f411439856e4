"""The hourly audit digest workflow (issue 16 Build 1) on the time-skipping test server, with a
stand-in ``sign_audit_digests``: it calls batches until one is not full, counts what was signed,
and a batch that fails (Vault down) is retried rather than failing the run."""

from __future__ import annotations

import uuid

from temporalio import activity
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from core import queues
from tests.histories import record
from workers.sandbox import workflow_runner
from workflows.audit_digest import AuditDigestWorkflow, DigestBatch, DigestRun


async def test_batches_until_a_partial_one_and_a_vault_outage_is_retried(
    time_env: WorkflowEnvironment,
) -> None:
    answers = [DigestBatch(signed=500, more=True), DigestBatch(signed=500, more=True), DigestBatch(7, False)]
    calls: list[int] = []

    @activity.defn(name="sign_audit_digests")
    async def sign_audit_digests() -> DigestBatch:
        calls.append(activity.info().attempt)
        if len(calls) == 2:
            raise RuntimeError("transit sign failed: VaultDown")  # retried (PATIENT)
        return answers.pop(0)

    async with Worker(
        time_env.client,
        task_queue=queues.AGENT,
        workflows=[AuditDigestWorkflow],
        activities=[sign_audit_digests],
        workflow_runner=workflow_runner(),
    ):
        handle = await time_env.client.start_workflow(
            AuditDigestWorkflow.run, id=f"audit-digest-{uuid.uuid4().hex[:6]}", task_queue=queues.AGENT
        )
        result = await handle.result()
    await record(handle)
    assert result == DigestRun(signed=1007, batches=3)
    assert calls == [1, 1, 2, 1]  # the second batch's first attempt failed and was retried
