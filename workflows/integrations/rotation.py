"""``CredentialRotation``: replace a stored integration credential (issue 15 Build 5; seed 000 §1
90-day rotation, seed 004 P2.4 rotate and revoke with audit).

Steps, each audited in ``integration_events`` (run = this workflow id):

0. ``begin``: take the integration (one rotation at a time; another holder: ``busy``), note the
   Vault version in use and the credential's site name; check consent (an active grant with
   ``auto_renew`` for the generating operation and one for the revoking operation; otherwise
   ``needs_consent``, nothing changes); test the old credential (``test_old``).
1. ``regenerate``: the generating operation as a child workflow. It writes the new value as a new
   KV v2 version of the same path; the old version stays.
2. ``test_new``: the connection test on the new credential.
3. ``switch``: the new version is recorded as current, the old one (and its site name) as
   pending revocation.
4. ``revoke``: the revoking operation deletes the old credential by name on the site (up to
   ``revoke_attempts`` runs, ``revoke_retry_s`` apart). Skipped when the old credential no
   longer authenticated at step 0 (a self-healing run: it is already gone).
5. ``finish``: the old Vault version is destroyed, status ``healthy``; notify
   ``integration.rotation_completed``.

Before 1 (patch ``rotation-revokes-earlier-pending``): a credential an earlier run switched away
from and left live (it was terminated or timed out before its revoke, or ended ``revoke_failed``)
is revoked first (``revoke_pending``); if that fails the run ends ``revoke_failed`` without
making another credential, so at most one stale credential is ever live and it is retried.

A failure at 1 or 2 restores the old version as the latest (a new KV v2 version with its data)
and revokes the new credential if the site made one: the old credential still works and two are
never left active. A crash anywhere resumes from the last completed step (workflow durability;
every activity is idempotent).
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.integrations import activities as acts
    from workflows.integrations.messages import (
        BeginRotationInput,
        FinishRotationInput,
        IntegrationRef,
        RestoreInput,
        RotationInput,
        RotationResult,
        RotationStepInput,
        SettlePendingInput,
        SwitchInput,
    )
    from workflows.integrations.steps import run_operation, send, test_credential
    from workflows.operation.messages import OperationStatus


def site_name(operation_id: str) -> str:
    """The name the generating operation gives the credential on the site (the WordPress
    definition's ``omniops-{{input.operation_id}}``)."""
    return f"omniops-{operation_id}"


@workflow.defn(name="CredentialRotation")
class CredentialRotationWorkflow:
    def __init__(self) -> None:
        self.step = "begin"
        self.key = ""
        """Notification keys' base: integration and start time (the same in a replay, unlike the
        workflow id a replayer may give the history)."""

    @workflow.query
    def current_step(self) -> str:
        return self.step

    @workflow.run
    async def run(self, inp: RotationInput) -> RotationResult:
        ref, run = inp.ref, workflow.info().workflow_id
        self.key = f"rotation:{ref.integration_id}:{workflow.now().isoformat()}"
        start = await acts.begin_rotation(BeginRotationInput(ref=ref, run=run, reason=inp.reason))
        if start.busy:
            return RotationResult(status="busy", detail="another rotation holds this integration")
        consent = await acts.integration_consent(ref)
        if not consent.auto_renew:
            await self._finish(ref, run, False, "needs_consent", consent.detail)
            await send(
                ref,
                "integration.needs_consent",
                "Consent needed to renew a credential",
                f"{self.key}:consent",
            )
            return RotationResult(status="needs_consent", detail=consent.detail)
        if start.pending_revoke and workflow.patched("rotation-revokes-earlier-pending"):
            left = await self._revoke_pending(inp, run, start.pending_revoke)
            if left is not None:
                return left
        self.step = "test_old"
        old_works, old_detail = await test_credential(ref)
        await self._audit(ref, run, "test_old", old_works, old_detail)

        self.step = "regenerate"
        made = await run_operation(ref, ref.generate_operation, inp.tuning)
        new_name = site_name(made.operation_id)
        ok = made.status == OperationStatus.COMPLETED
        await self._audit(ref, run, "regenerate", ok, made.reason or f"operation {made.operation_id}")
        passed, detail = False, made.reason or "the generating operation did not complete"
        if ok:
            self.step = "test_new"
            passed, detail = await test_credential(ref)
            await self._audit(ref, run, "test_new", passed, detail)
        if not passed:
            return await self._abandon(inp, run, start.old_version, new_name, made.credential_path, detail)

        self.step = "switch"
        switched = await acts.switch_credential(
            SwitchInput(
                ref=ref,
                run=run,
                old_version=start.old_version,
                old_name=start.old_name,
                new_name=new_name,
                old_works=old_works,
            )
        )
        revoked = not old_works or start.old_name is None
        if not revoked and start.old_name is not None:
            self.step = "revoke"
            revoked = await self._revoke(inp, run, start.old_name)
        self.step = "finish"
        status = "healthy" if revoked else "revoke_failed"
        await self._finish(
            ref, run, revoked, status, "rotated" if revoked else "the old credential is not revoked"
        )
        await send(
            ref,
            "integration.rotation_completed" if revoked else "integration.rotation_failed",
            "Credential rotated" if revoked else "Credential rotated, the old one is not revoked yet",
            f"{self.key}:done",
            reason=inp.reason,
            vault_version=switched.new_version,
            old_revoked=revoked,
        )
        return RotationResult(
            status="rotated" if revoked else "failed",
            new_version=switched.new_version,
            old_revoked=revoked,
            detail=status,
        )

    async def _revoke(self, inp: RotationInput, run: str, name: str) -> bool:
        """The revoking operation, retried ``revoke_attempts`` times ``revoke_retry_s`` apart."""
        for attempt in range(1, inp.rotation.revoke_attempts + 1):
            res = await run_operation(
                inp.ref, inp.ref.revoke_operation, inp.tuning, {"credential_name": name}
            )
            ok = res.status == OperationStatus.COMPLETED
            await self._audit(inp.ref, run, f"revoke_{attempt}", ok, res.reason or f"revoked {name}")
            if ok:
                return True
            if attempt < inp.rotation.revoke_attempts:
                await workflow.sleep(timedelta(seconds=inp.rotation.revoke_retry_s))
        return False

    async def _revoke_pending(self, inp: RotationInput, run: str, name: str) -> RotationResult | None:
        """Revoke the credential an earlier run switched away from and left live; None when it is
        gone, else the ``revoke_failed`` result: no new credential while an old one is live."""
        self.step = "revoke_pending"
        revoked = await self._revoke(inp, run, name)
        await acts.settle_pending_revoke(SettlePendingInput(ref=inp.ref, run=run, name=name, revoked=revoked))
        if revoked:
            return None
        detail = f"the credential {name} an earlier rotation left is not revoked"
        await self._finish(inp.ref, run, False, "revoke_failed", detail)
        subject = "Credential rotation stopped: an old credential is not revoked"
        await send(inp.ref, "integration.rotation_failed", subject, f"{self.key}:pending", detail=detail)
        return RotationResult(status="failed", detail="revoke_failed")

    async def _abandon(
        self, inp: RotationInput, run: str, old_version: int, new_name: str, made: str | None, detail: str
    ) -> RotationResult:
        """Keep the old credential: restore its version as the latest, and revoke the new one if
        the site made it (its value reached Vault)."""
        ref = inp.ref
        self.step = "restore"
        await acts.restore_credential(RestoreInput(ref=ref, run=run, old_version=old_version, detail=detail))
        if made is not None:
            once = inp.rotation.model_copy(update={"revoke_attempts": 1})
            await self._revoke(inp.model_copy(update={"rotation": once}), run, new_name)
        await self._finish(ref, run, False, "failing", detail)
        subject = "Credential rotation failed; the old one is kept"
        await send(ref, "integration.rotation_failed", subject, f"{self.key}:failed", detail=detail)
        return RotationResult(status="failed", detail=detail)

    async def _audit(self, ref: IntegrationRef, run: str, step: str, ok: bool, detail: str) -> None:
        await acts.audit_rotation_step(
            RotationStepInput(ref=ref, run=run, step=step, success=ok, detail=detail)
        )

    async def _finish(self, ref: IntegrationRef, run: str, ok: bool, status: str, detail: str) -> None:
        await acts.finish_rotation(FinishRotationInput(ref=ref, run=run, ok=ok, status=status, detail=detail))
