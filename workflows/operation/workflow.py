"""AutonomousOperationWorkflow: one consented browser operation on a customer's admin site.

Flow (seed 001 "Complete System Flow", as a durable state machine):
awaiting_consent -> pending -> in_progress -> completed | failed | cancelled.

- Consent arrives by the ``grant_consent`` signal (or an active persisted consent found at
  start); ``revoke_consent`` stops the operation before its next browser action (consent.py).
  A grant or confirmation signal counts only once its persisted record is found (signals.py).
- Every session open is preceded by ``prepare_session``: the target is re-vetted and pinned and
  the admin credential wrapped for that session; a refused target fails the operation with
  ``core.targets.REFUSED`` only (session.py).
- Steps come from a data-file definition (load_definition activity).
- A browser session lives on one worker; its step activities go to that worker's own queue.
  If the worker dies (heartbeat or schedule-to-start timeout) a new session is opened from
  the last checkpoint (an encrypted storage state) and the steps after it run again (session.py).
- Every executed step gets an audit row, idempotent on (operation, step, attempt) (trail.py).
- A step the deterministic path cannot finish is handed to the AI step driver (ai_driver.py).
- No secret enters history: the result holds the new credential's Vault path and fingerprint.
"""

from __future__ import annotations

import asyncio

from temporalio import workflow
from temporalio.exceptions import ActivityError, is_cancelled_exception

with workflow.unsafe.imports_passed_through():
    from core.failures import Failure
    from core.targets import REFUSED
    from workflows.operation import activities as acts
    from workflows.operation import announce
    from workflows.operation.consent import ConsentGate
    from workflows.operation.definition import OperationDefinition
    from workflows.operation.errors import (
        ConsentStop,
        StepAbort,
        StepDeclined,
        failure_screenshot,
        failure_text,
        failure_type,
        session_lost,
    )
    from workflows.operation.handoff import Credential, hand_off, test_connection
    from workflows.operation.messages import (
        ConfirmationDecision,
        ConsentGrant,
        ConsentLookupInput,
        ConsentRevoke,
        LoadDefinitionInput,
        OperationInput,
        OperationProgress,
        OperationResult,
        OperationStatus,
    )
    from workflows.operation.plan_scope import NOT_ACTIVE, PLAN_CONSENT, plan_grant
    from workflows.operation.progress import Progress
    from workflows.operation.session import BrowserSession
    from workflows.operation.signals import IGNORED_ATTEMPT_BASE
    from workflows.operation.steps import StepRunner
    from workflows.operation.trail import AuditTrail

S = OperationStatus
CANCEL_DURING_STEP = "operation-cancel-during-step-ends-cancelled"
"""Patch id: a cancel that lands while a step runs ends the operation as cancelled. Before it, the
cancelled step was audited as a failure and the operation ended as failed (old histories)."""
EXPIRY_AFTER_CONFIRM = "operation-consent-expiry-checked-after-confirmation"
"""Patch id: a consent that expired while a sensitive step waited for confirmation stops the
operation before that step. Before it, the approved step still ran once (old histories)."""

__all__ = ["AutonomousOperationWorkflow", "session_lost"]


@workflow.defn
class AutonomousOperationWorkflow:
    @workflow.init
    def __init__(self, inp: OperationInput) -> None:
        self._inp = inp
        self._consent = ConsentGate()
        self._progress = Progress(inp)
        self._session = BrowserSession(inp)
        self._trail = AuditTrail(inp)
        self._steps = StepRunner(inp, self._consent, self._progress, self._session, self._trail)
        self._ai = self._steps.ai

    # --- signals and query -------------------------------------------------------------
    @workflow.signal
    def grant_consent(self, grant: ConsentGrant) -> None:
        self._consent.on_grant(grant)

    @workflow.signal
    def confirm_action(self, decision: ConfirmationDecision) -> None:
        self._consent.on_confirm(decision)

    @workflow.signal
    def revoke_consent(self, revoke: ConsentRevoke) -> None:
        self._consent.on_revoke(revoke)

    @workflow.query
    def status(self) -> OperationProgress:
        return self._progress.query(
            self._session.queue, self._ai.llm, self._ai.self_healing, self._consent.awaiting_confirmation
        )

    # --- run ----------------------------------------------------------------------------
    @workflow.run
    async def run(self, inp: OperationInput) -> OperationResult:
        self._progress.tag()
        try:
            return await self._run(inp)
        except asyncio.CancelledError:
            await asyncio.shield(asyncio.ensure_future(self._on_cancel()))
            raise
        except ActivityError as e:  # a cancel that lands in an activity before the steps
            if not (is_cancelled_exception(e) and workflow.patched(CANCEL_DURING_STEP)):
                raise
            await asyncio.shield(asyncio.ensure_future(self._on_cancel()))
            raise asyncio.CancelledError from None

    async def _run(self, inp: OperationInput) -> OperationResult:
        try:
            definition = await acts.load_definition(
                LoadDefinitionInput(
                    service=inp.service, operation=inp.operation, version=inp.definition_version
                )
            )
        except ActivityError as e:
            if is_cancelled_exception(e) and workflow.patched(CANCEL_DURING_STEP):
                raise
            return await self._finish(S.FAILED, failure_text(e))
        self._progress.total = len(definition.steps)
        missing = [k for k in definition.inputs if not inp.inputs.get(k)]
        if missing:
            return await self._finish(S.FAILED, f"missing inputs: {', '.join(missing)}")
        await self._progress.sync()

        consent = self._consent
        if inp.plan is not None and workflow.patched(PLAN_CONSENT):
            consent.grant = await plan_grant(inp)  # the plan's one consent (plan_scope.py)
            if consent.grant is None:
                return await self._finish(S.CANCELLED, NOT_ACTIVE)
        elif consent.grant is None:
            found = await acts.find_active_consent(
                ConsentLookupInput(tenant_id=inp.tenant_id, service=inp.service, operation=inp.operation)
            )
            if found.grant is not None and consent.grant is None:
                consent.grant = found.grant
            announce.waiting_for_consent(inp, consent.grant is None)
        if not await consent.wait_for_grant(inp.tuning.consent_timeout_s, self._steps.checks.consent):
            return await self._finish(
                S.CANCELLED, f"consent not granted within {inp.tuning.consent_timeout_s}s"
            )
        if consent.revoke is not None:
            return await self._stop_for_revoke(1, 1)

        self._progress.set_status(S.PENDING)
        self._progress.set_status(S.IN_PROGRESS)  # one DB write for both transitions
        await self._progress.sync(consent_at=workflow.now(), started_at=workflow.now())
        return await self._execute(inp, definition)

    async def _execute(self, inp: OperationInput, definition: OperationDefinition) -> OperationResult:
        attempts = [0] * len(definition.steps)
        checkpoint: tuple[str, int] | None = None
        reopens = 0
        credential: Credential | None = None
        if (refused := await self._open(definition, None)) is not None:
            return refused
        idx = 0
        while idx < len(definition.steps):
            step = definition.steps[idx]
            if self._consent.stop_reason() is not None:
                await self._session.close()
                return await self._stop_for_revoke(idx + 1, attempts[idx] + 1)
            self._progress.current, self._progress.intent = idx + 1, step.intent
            if step.sensitive:
                outcome = await self._steps.confirm(idx, attempts, step)
                if outcome is not None:
                    await self._session.close()
                    return await self._finish(*outcome)
                if self._consent.revoke is not None or (
                    workflow.patched(EXPIRY_AFTER_CONFIRM) and self._consent.stop_reason() is not None
                ):
                    continue  # the consent check at the top of the loop stops it
            try:
                res = await self._steps.do_step(definition, idx, attempts, step)
                credential = await hand_off(inp, definition, step, res, self._trail) or credential
            except ConsentStop:
                await self._session.close()
                return await self._stop_for_revoke(idx + 1, attempts[idx] + 1)
            except StepDeclined as declined:
                await self._session.close()
                return await self._finish(S.CANCELLED, str(declined))
            except StepAbort as abort:
                await self._session.close()
                return await self._finish(S.FAILED, f"step {idx + 1} ({step.intent}) failed: {abort}")
            except ActivityError as e:
                if is_cancelled_exception(e) and workflow.patched(CANCEL_DURING_STEP):
                    raise asyncio.CancelledError from None  # run() ends it as cancelled
                lost = session_lost(e)
                self._trail.write(
                    idx + 1,
                    attempts[idx],
                    step,
                    False,
                    failure_screenshot(e),
                    ("browser session lost: " if lost else "") + failure_text(e),
                    None,
                )
                if lost and reopens < inp.tuning.max_session_reopens:
                    reopens += 1
                    if (
                        refused := await self._open(definition, checkpoint[0] if checkpoint else None)
                    ) is not None:
                        return refused
                    idx = checkpoint[1] + 1 if checkpoint else 0
                    continue
                await self._session.close()
                return await self._finish(
                    S.FAILED, f"step {idx + 1} ({step.intent}) failed: {failure_text(e)}"
                )
            if res.checkpoint_key:
                checkpoint = (res.checkpoint_key, idx)
            idx += 1
        self._trail.in_background(asyncio.ensure_future(self._session.close()))
        return await self._verify(inp, definition, credential)

    async def _verify(
        self, inp: OperationInput, definition: OperationDefinition, credential: Credential | None
    ) -> OperationResult:
        passed: bool | None = None
        if definition.connection_test is not None:
            tested = credential[0] if credential else definition.test_credential
            if tested is None:
                return await self._finish(S.FAILED, "no credential was extracted to test")
            self._progress.intent = "Test the connection with the new credential"
            test = await test_connection(inp, definition, tested, self._session.pins)
            passed = test.passed
            if not passed:
                return await self._finish(
                    S.FAILED, f"connection test failed: {test.detail}", credential, passed
                )
        return await self._finish(S.COMPLETED, None, credential, passed)

    async def _open(self, definition: OperationDefinition, checkpoint: str | None) -> OperationResult | None:
        """Open (or reopen) the session; a target ``prepare_session`` refused ends the operation
        as failed with the one tenant-visible reason (no network details)."""
        try:
            await self._session.open(definition, checkpoint)
        except ActivityError as e:
            if failure_type(e) != Failure.TARGET_REFUSED:
                raise
            self._trail.write(
                self._progress.current,
                IGNORED_ATTEMPT_BASE,
                None,
                False,
                None,
                REFUSED,
                None,
                action="prepare_session refused the target",
                intent="Vet the target before opening a session",
            )
            return await self._finish(S.FAILED, REFUSED)
        return None

    # --- ending ---------------------------------------------------------------------------
    async def _stop_for_revoke(self, step_number: int, attempt: int) -> OperationResult:
        reason = self._consent.stop_text()
        self._trail.write(
            step_number,
            attempt,
            None,
            False,
            None,
            reason,
            None,
            action="consent_revoked",
            intent="Stop: consent withdrawn",
        )
        return await self._finish(S.CANCELLED, reason)

    async def _on_cancel(self) -> None:
        await self._session.close()
        await self._finish(S.CANCELLED, "cancelled by request")

    async def _finish(
        self,
        status: OperationStatus,
        reason: str | None,
        credential: Credential | None = None,
        passed: bool | None = None,
    ) -> OperationResult:
        """Wait for the background writes, then write the final status and result."""
        await self._trail.drain()
        result = await self._progress.finish(
            status, reason, self._trail.written, self._ai.llm, self._ai.self_healing, credential, passed
        )
        return await announce.finished(self._inp, result, credential[0] if credential else None)
