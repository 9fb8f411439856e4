"""``HealthCheck``: does a stored integration credential still work (issue 15 Build 4; seed 002
self-healing integrations: "API key expired" -> regenerate -> update -> test -> notify).

Started daily (with jitter) by the integration's Temporal Schedule, id
``health-{tenant}-{integration}`` (+ the scheduled time). Runs the generating definition's
connection test on the credential in Vault, pinned to the vetted site.

- Passed: ``healthy``.
- Failed: ``failing`` and ``integration.health_check_failed`` is notified. Then, with an active
  consent including ``auto_renew`` (:data:`~workflows.integrations.messages.AUTO_RENEW`), a
  ``CredentialRotation`` child (reason ``self_heal``, id ``rotate-{tenant}-{integration}``)
  regenerates, tests, switches, revokes and notifies; without it the integration is
  ``needs_consent`` (until a grant) and ``integration.needs_consent`` is notified.
"""

from __future__ import annotations

from temporalio import workflow
from temporalio.exceptions import WorkflowAlreadyStartedError

with workflow.unsafe.imports_passed_through():
    from workflows import ids
    from workflows.integrations import activities as acts
    from workflows.integrations.messages import (
        HealthCheckInput,
        HealthCheckResult,
        RecordCheckInput,
        RotationInput,
        RotationResult,
    )
    from workflows.integrations.rotation import CredentialRotationWorkflow
    from workflows.integrations.steps import send, test_credential


@workflow.defn(name="HealthCheck")
class HealthCheckWorkflow:
    @workflow.run
    async def run(self, inp: HealthCheckInput) -> HealthCheckResult:
        ref, run = inp.ref, workflow.info().workflow_id
        key = f"health:{ref.integration_id}:{workflow.now().isoformat()}"  # the same in a replay
        passed, detail = await test_credential(ref)
        status = "healthy" if passed else "failing"
        await acts.record_check(
            RecordCheckInput(ref=ref, run=run, passed=passed, status=status, detail=detail)
        )
        if passed:
            return HealthCheckResult(passed=True, status=status, detail=detail)
        await send(
            ref,
            "integration.health_check_failed",
            "An integration's health check failed",
            f"{key}:failed",
            detail=detail,
        )
        consent = await acts.integration_consent(ref)
        if not consent.auto_renew:
            await acts.record_check(
                RecordCheckInput(
                    ref=ref, run=run, passed=False, status="needs_consent", detail=consent.detail
                )
            )
            await send(
                ref,
                "integration.needs_consent",
                "Consent needed to renew a credential",
                f"{key}:consent",
                detail=consent.detail,
            )
            return HealthCheckResult(passed=False, status="needs_consent", detail=detail)
        try:
            healed: RotationResult = await workflow.execute_child_workflow(
                CredentialRotationWorkflow.run,
                RotationInput(ref=ref, reason="self_heal", tuning=inp.tuning, rotation=inp.rotation),
                id=ids.rotation_workflow_id(ref.tenant_id, ref.integration_id),
                task_queue=workflow.info().task_queue,
            )
        except WorkflowAlreadyStartedError:
            return HealthCheckResult(passed=False, status="rotating", detail=detail, rotation="busy")
        final = "healthy" if healed.status == "rotated" else healed.status
        return HealthCheckResult(passed=False, status=final, detail=detail, rotation=healed.status)
