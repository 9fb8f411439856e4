"""AutonomousOperationWorkflow: one consented browser operation on a customer's admin site.

Flow (seed 001 "Complete System Flow", as a durable state machine):
awaiting_consent -> pending -> in_progress -> completed | failed | cancelled.

- Consent arrives by the ``grant_consent`` signal (or an active persisted consent found at
  start); ``revoke_consent`` stops the operation before its next browser action.
- Steps come from a data-file definition (load_definition activity).
- A browser session lives on one worker; its step activities go to that worker's own queue.
  If the worker dies (heartbeat or schedule-to-start timeout) a new session is opened from
  the last checkpoint (an encrypted storage state) and the steps after it run again.
- Every executed step gets an audit row, idempotent on (operation, step, attempt).
- No secret enters history: the result holds the new credential's Vault path and fingerprint.
"""

from __future__ import annotations

import asyncio
import builtins
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError, TimeoutError, TimeoutType

from workflows.operation.ai_steps import AIStepsMixin, ConsentStop, StepAbort, healable

with workflow.unsafe.imports_passed_through():
    from core import search_attributes as sa
    from workflows.operation.browser_messages import (
        CloseSessionInput,
        OpenSessionInput,
        SessionHandle,
        StepInput,
        StepResult,
    )
    from workflows.operation.definition import OperationDefinition, StepDefinition
    from workflows.operation.messages import (
        AuditInput,
        ConfirmationDecision,
        ConnectionTestInput,
        ConnectionTestResult,
        ConsentGrant,
        ConsentLookupInput,
        ConsentLookupResult,
        ConsentRevoke,
        LLMUsage,
        LoadDefinitionInput,
        OperationInput,
        OperationProgress,
        OperationResult,
        OperationStatus,
        RecordCredentialInput,
        SyncOperationInput,
    )

S = OperationStatus
DB_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30))
DB_TIMEOUT = timedelta(seconds=30)


def session_lost(err: ActivityError) -> bool:
    """True when the failure means the browser worker (or its session) is gone."""
    cause = err.cause
    if isinstance(cause, TimeoutError):
        return cause.type in (TimeoutType.SCHEDULE_TO_START, TimeoutType.HEARTBEAT)
    return isinstance(cause, ApplicationError) and cause.type == "SessionLost"


def failure_text(err: ActivityError) -> str:
    cause = err.cause
    return str(cause.message if cause is not None else err.message)[:2000]


def failure_screenshot(err: ActivityError) -> str | None:
    """The failure screenshot key a step attaches as its error's first detail, if any."""
    details = err.cause.details if isinstance(err.cause, ApplicationError) else ()
    return details[0] if details and isinstance(details[0], str) else None


@workflow.defn
class AutonomousOperationWorkflow(AIStepsMixin):
    def __init__(self) -> None:
        self._status = S.AWAITING_CONSENT
        self._grant: ConsentGrant | None = None
        self._revoke: ConsentRevoke | None = None
        self._current = 0
        self._total = 0
        self._intent: str | None = None
        self._screenshot: str | None = None
        self._session: SessionHandle | None = None
        self._reason: str | None = None
        self._result: OperationResult | None = None
        self._audited = 0
        self._background: list[asyncio.Future[Any]] = []
        self._ai_actions = 0
        self._llm = LLMUsage()
        self._self_healing: str = "unknown"
        self._confirmations: dict[int, ConfirmationDecision] = {}
        self._awaiting_confirmation: int | None = None
        self._inp: OperationInput | None = None

    @property
    def _agent_queue(self) -> str:
        """DB/Vault activities run on the workflow's own queue (the agent worker hosts both)."""
        return workflow.info().task_queue

    # --- signals and query -------------------------------------------------------------
    @workflow.signal
    def grant_consent(self, grant: ConsentGrant) -> None:
        if self._grant is None and self._revoke is None:
            self._grant = grant

    @workflow.signal
    def confirm_action(self, decision: ConfirmationDecision) -> None:
        self._confirmations.setdefault(decision.step_number, decision)

    @workflow.signal
    def revoke_consent(self, revoke: ConsentRevoke) -> None:
        if self._revoke is None:
            self._revoke = revoke

    @workflow.query
    def status(self) -> OperationProgress:
        return OperationProgress(
            operation_id=self._inp.operation_id if self._inp else "",
            status=self._status,
            current_step=self._current,
            total_steps=self._total,
            intent=self._intent,
            last_screenshot_key=self._screenshot,
            session_queue=self._session.task_queue if self._session else None,
            reason=self._reason,
            result=self._result,
            self_healing=self._self_healing,  # type: ignore[arg-type]
            llm=self._llm,
            awaiting_confirmation=self._awaiting_confirmation,
        )

    # --- run ----------------------------------------------------------------------------
    @workflow.run
    async def run(self, inp: OperationInput) -> OperationResult:
        self._inp = inp
        workflow.upsert_search_attributes(
            [
                sa.TENANT_ID.value_set(inp.tenant_id),
                sa.SERVICE.value_set(inp.service),
                sa.OPERATION.value_set(inp.operation),
                sa.OPERATION_STATUS.value_set(S.AWAITING_CONSENT.value),
            ]
        )
        try:
            return await self._run(inp)
        except asyncio.CancelledError:
            await asyncio.shield(asyncio.ensure_future(self._on_cancel()))
            raise

    async def _run(self, inp: OperationInput) -> OperationResult:
        try:
            definition = await workflow.execute_activity(
                "load_definition",
                LoadDefinitionInput(service=inp.service, operation=inp.operation),
                result_type=OperationDefinition,
                task_queue=self._agent_queue,
                start_to_close_timeout=DB_TIMEOUT,
                retry_policy=DB_RETRY,
            )
        except ActivityError as e:
            return await self._finish(S.FAILED, failure_text(e))
        self._total = len(definition.steps)
        missing = [k for k in definition.inputs if not inp.inputs.get(k)]
        if missing:
            return await self._finish(S.FAILED, f"missing inputs: {', '.join(missing)}")
        await self._sync()

        if self._grant is None:
            found = await workflow.execute_activity(
                "find_active_consent",
                ConsentLookupInput(tenant_id=inp.tenant_id, service=inp.service, operation=inp.operation),
                result_type=ConsentLookupResult,
                task_queue=self._agent_queue,
                start_to_close_timeout=DB_TIMEOUT,
                retry_policy=DB_RETRY,
            )
            if found.grant is not None and self._grant is None:
                self._grant = found.grant
        try:
            await workflow.wait_condition(
                lambda: self._grant is not None or self._revoke is not None,
                timeout=timedelta(seconds=inp.tuning.consent_timeout_s),
            )
        except builtins.TimeoutError:
            return await self._finish(
                S.CANCELLED, f"consent not granted within {inp.tuning.consent_timeout_s}s"
            )
        if self._revoke is not None:
            return await self._stop_for_revoke(1, 1)

        self._set_status(S.PENDING)
        self._set_status(S.IN_PROGRESS)  # one DB write for both transitions
        await self._sync(consent_at=workflow.now(), started_at=workflow.now())
        return await self._execute(inp, definition)

    async def _execute(self, inp: OperationInput, definition: OperationDefinition) -> OperationResult:
        attempts = [0] * len(definition.steps)
        checkpoint: tuple[str, int] | None = None
        reopens = 0
        credential: tuple[str, str, str] | None = None  # (type, path, fingerprint)
        self._session = await self._open_session(definition, None)
        idx = 0
        while idx < len(definition.steps):
            step = definition.steps[idx]
            stop = self._consent_stop_reason()
            if stop is not None:
                await self._close_session()
                return await self._stop_for_revoke(idx + 1, attempts[idx] + 1)
            self._current, self._intent = idx + 1, step.intent
            if step.sensitive:
                stopped = await self._confirm(inp, idx, attempts, step)
                if stopped is not None:
                    return stopped
                if self._revoke is not None:
                    continue  # the consent check at the top of the loop stops it
            try:
                res = await self._do_step(inp, definition, idx, attempts, step)
            except ConsentStop:
                await self._close_session()
                return await self._stop_for_revoke(idx + 1, attempts[idx] + 1)
            except StepAbort as abort:
                await self._close_session()
                return await self._finish(S.FAILED, f"step {idx + 1} ({step.intent}) failed: {abort}")
            except ActivityError as e:
                lost = session_lost(e)
                shot = failure_screenshot(e)
                await self._audit(
                    idx + 1,
                    attempts[idx],
                    step,
                    False,
                    shot,
                    ("browser session lost: " if lost else "") + failure_text(e),
                    None,
                )
                if lost and reopens < inp.tuning.max_session_reopens:
                    reopens += 1
                    self._session = await self._open_session(
                        definition, checkpoint[0] if checkpoint else None
                    )
                    idx = checkpoint[1] + 1 if checkpoint else 0
                    continue
                await self._close_session()
                return await self._finish(
                    S.FAILED, f"step {idx + 1} ({step.intent}) failed: {failure_text(e)}"
                )
            if res.checkpoint_key:
                checkpoint = (res.checkpoint_key, idx)
            if res.credential_path and res.credential_fingerprint and step.store_as:
                credential = (step.store_as, res.credential_path, res.credential_fingerprint)
                self._in_background(
                    workflow.start_activity(
                        "record_credential",
                        RecordCredentialInput(
                            tenant_id=inp.tenant_id,
                            service=inp.service,
                            credential_type=step.store_as,
                            vault_path=res.credential_path,
                            fingerprint=res.credential_fingerprint,
                            site_url=inp.inputs.get("site_url"),
                            created_by=f"operation:{inp.operation_id}",
                        ),
                        task_queue=self._agent_queue,
                        start_to_close_timeout=DB_TIMEOUT,
                        retry_policy=DB_RETRY,
                    )
                )
            idx += 1
        self._in_background(asyncio.ensure_future(self._close_session()))
        return await self._verify(inp, definition, credential)

    async def _verify(
        self, inp: OperationInput, definition: OperationDefinition, credential: tuple[str, str, str] | None
    ) -> OperationResult:
        passed: bool | None = None
        if definition.connection_test is not None:
            if credential is None:
                return await self._finish(S.FAILED, "no credential was extracted to test")
            self._intent = "Test the connection with the new credential"
            test = await workflow.execute_activity(
                "test_connection",
                ConnectionTestInput(
                    tenant_id=inp.tenant_id,
                    service=inp.service,
                    credential_type=credential[0],
                    admin_credential=definition.credential,
                    site_url=inp.inputs["site_url"],
                    test=definition.connection_test,
                ),
                result_type=ConnectionTestResult,
                task_queue=self._agent_queue,
                start_to_close_timeout=DB_TIMEOUT,
                retry_policy=RetryPolicy(maximum_attempts=3),
            )
            passed = test.passed
            if not passed:
                return await self._finish(
                    S.FAILED, f"connection test failed: {test.detail}", credential, passed
                )
        return await self._finish(S.COMPLETED, None, credential, passed)

    # --- helpers -------------------------------------------------------------------------
    def _consent_stop_reason(self) -> str | None:
        if self._revoke is not None:
            return "revoked"
        if self._grant and self._grant.expires_at and workflow.now() >= self._grant.expires_at:
            self._revoke = ConsentRevoke(reason="consent expired")
            return "expired"
        return None

    async def _confirm(
        self, inp: OperationInput, idx: int, attempts: list[int], step: StepDefinition
    ) -> OperationResult | None:
        """Wait for a person to approve a sensitive step. Returns the final result when the
        operation ends here (declined: cancelled; no answer in time: failed), else None."""
        n = idx + 1
        self._awaiting_confirmation = n
        try:
            await workflow.wait_condition(
                lambda: n in self._confirmations or self._revoke is not None,
                timeout=timedelta(seconds=inp.tuning.confirmation_timeout_s),
            )
        except builtins.TimeoutError:
            await self._close_session()
            return await self._finish(
                S.FAILED,
                f"step {n} ({step.intent}) was not confirmed within {inp.tuning.confirmation_timeout_s}s",
            )
        finally:
            self._awaiting_confirmation = None
        d = self._confirmations.get(n)
        if d is None:
            return None
        attempts[idx] += 1
        verdict = "approved" if d.approved else "declined"
        await self._audit(
            n,
            attempts[idx],
            step,
            d.approved,
            None,
            None if d.approved else f"declined by {d.by}",
            None,
            action=f"human confirmation: {verdict}",
            mode="human",
            reason=f"{verdict} by {d.by}" + (f": {d.reason}" if d.reason else ""),
        )
        if d.approved:
            return None
        await self._close_session()
        return await self._finish(
            S.CANCELLED,
            f"step {n} ({step.intent}) declined by {d.by}" + (f": {d.reason}" if d.reason else ""),
        )

    async def _do_step(
        self,
        inp: OperationInput,
        definition: OperationDefinition,
        idx: int,
        attempts: list[int],
        step: StepDefinition,
    ) -> StepResult:
        """Run a step deterministically and audit it; heal a StepFailed with the AI; intent-only
        steps go to the AI directly (agent mode). A failure it does not audit is raised."""
        if step.action is None:
            return await self._ai_step(
                inp, definition, idx, attempts, step, "agent mode: the step gives only an intent"
            )
        attempts[idx] += 1
        try:
            res = await self._run_step(inp, definition, idx, attempts[idx], step)
        except ActivityError as e:
            if not healable(e) or self._self_healing == "unavailable":
                raise
            await self._audit(
                idx + 1,
                attempts[idx],
                step,
                False,
                failure_screenshot(e),
                failure_text(e),
                None,
                reason="deterministic selector failed; asking the AI",
            )
            return await self._ai_step(
                inp, definition, idx, attempts, step, f"self-healing after: {failure_text(e)[:300]}"
            )
        self._screenshot = res.screenshot_key
        await self._audit(idx + 1, attempts[idx], step, True, res.screenshot_key, None, res.duration_ms)
        return res

    async def _run_step(
        self,
        inp: OperationInput,
        definition: OperationDefinition,
        idx: int,
        attempt: int,
        step: StepDefinition,
    ) -> StepResult:
        assert self._session is not None
        t = inp.tuning
        return await workflow.execute_activity(
            "run_step",
            StepInput(
                operation_id=inp.operation_id,
                tenant_id=inp.tenant_id,
                service=inp.service,
                credential=definition.credential,
                step_number=idx + 1,
                attempt=attempt,
                step=step,
                inputs={**inp.inputs, "operation_id": inp.operation_id},
                allowed_domains=definition.allowed_domains,
            ),
            result_type=StepResult,
            task_queue=self._session.task_queue,
            schedule_to_start_timeout=timedelta(seconds=t.session_schedule_to_start_s),
            start_to_close_timeout=timedelta(seconds=t.step_timeout_s),
            heartbeat_timeout=timedelta(seconds=t.step_heartbeat_s),
            retry_policy=RetryPolicy(
                maximum_attempts=step.retry.max_attempts,
                initial_interval=timedelta(seconds=step.retry.initial_interval_s),
                backoff_coefficient=step.retry.backoff,
                non_retryable_error_types=["SessionLost", "CredentialMissing", "InvalidStep"],
            ),
        )

    async def _open_session(
        self, definition: OperationDefinition, checkpoint_key: str | None
    ) -> SessionHandle:
        assert self._inp is not None
        return await workflow.execute_activity(
            "open_session",
            OpenSessionInput(
                operation_id=self._inp.operation_id,
                tenant_id=self._inp.tenant_id,
                mask=definition.mask,
                checkpoint_key=checkpoint_key,
            ),
            result_type=SessionHandle,
            task_queue=self._inp.tuning.browser_queue,
            start_to_close_timeout=timedelta(seconds=60),
            retry_policy=RetryPolicy(maximum_attempts=5),
        )

    async def _close_session(self, discard_checkpoint: bool = True) -> None:
        if self._session is None or self._inp is None:
            return
        handle, self._session = self._session, None
        try:
            await workflow.execute_activity(
                "close_session",
                CloseSessionInput(
                    operation_id=self._inp.operation_id,
                    tenant_id=self._inp.tenant_id,
                    discard_checkpoint=discard_checkpoint,
                ),
                task_queue=handle.task_queue,
                schedule_to_start_timeout=timedelta(seconds=10),
                start_to_close_timeout=timedelta(seconds=30),
                retry_policy=RetryPolicy(maximum_attempts=2),
            )
        except ActivityError:
            workflow.logger.warning("close_session failed; the worker is gone or the session was lost")

    async def _audit(
        self,
        step_number: int,
        attempt: int,
        step: StepDefinition | None,
        success: bool,
        screenshot: str | None,
        error: str | None,
        duration_ms: int | None,
        action: str | None = None,
        intent: str | None = None,
        mode: str = "deterministic",
        reason: str | None = None,
    ) -> None:
        assert self._inp is not None
        self._in_background(
            workflow.start_activity(
                "write_audit",
                AuditInput(
                    operation_id=self._inp.operation_id,
                    tenant_id=self._inp.tenant_id,
                    step_number=step_number,
                    attempt=attempt,
                    intent=(intent or (step.intent if step else ""))[:200],
                    action=(action or (f"{step.action} {step.target}" if step else ""))[:500],
                    success=success,
                    mode=mode,
                    reason=reason,
                    screenshot_key=screenshot,
                    error=error,
                    duration_ms=duration_ms,
                ),
                task_queue=self._agent_queue,
                start_to_close_timeout=DB_TIMEOUT,
                retry_policy=DB_RETRY,
            )
        )
        self._audited += 1

    def _in_background(self, fut: asyncio.Future[Any]) -> None:
        """Audit writes, credential metadata and session close do not hold up the next step;
        they are all awaited before the operation's final status is written."""
        self._background.append(fut)

    async def _drain(self) -> None:
        pending, self._background = self._background, []
        await asyncio.gather(*pending)

    async def _stop_for_revoke(self, step_number: int, attempt: int) -> OperationResult:
        r = self._revoke or ConsentRevoke()
        reason = (
            f"consent {'expired' if r.reason == 'consent expired' else 'revoked'}"
            + (f" by {r.revoked_by}" if r.revoked_by else "")
            + (f": {r.reason}" if r.reason else "")
        )
        await self._audit(
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
        await self._close_session()
        await self._finish(S.CANCELLED, "cancelled by request")

    def _set_status(self, status: OperationStatus) -> None:
        self._status = status
        workflow.upsert_search_attributes([sa.OPERATION_STATUS.value_set(status.value)])

    async def _finish(
        self,
        status: OperationStatus,
        reason: str | None,
        credential: tuple[str, str, str] | None = None,
        passed: bool | None = None,
    ) -> OperationResult:
        assert self._inp is not None
        await self._drain()
        self._reason = reason
        self._result = OperationResult(
            operation_id=self._inp.operation_id,
            status=status,
            credential_path=credential[1] if credential else None,
            credential_fingerprint=credential[2] if credential else None,
            connection_test_passed=passed,
            audited_steps=self._audited,
            reason=reason,
            llm=self._llm,
            self_healing=self._self_healing,  # type: ignore[arg-type]
        )
        self._set_status(status)
        await self._sync(completed_at=workflow.now(), result=self._result.model_dump(mode="json"))
        return self._result

    async def _sync(self, **extra: object) -> None:
        inp = self._inp
        assert inp is not None
        await workflow.execute_activity(
            "sync_operation",
            SyncOperationInput(
                operation_id=inp.operation_id,
                tenant_id=inp.tenant_id,
                workflow_id=workflow.info().workflow_id,
                service=inp.service,
                operation=inp.operation,
                user_id=inp.user_id,
                status=self._status,
                total_steps=self._total or None,
                current_step=self._current,
                **extra,
            ),  # type: ignore[arg-type]
            task_queue=self._agent_queue,
            start_to_close_timeout=DB_TIMEOUT,
            retry_policy=DB_RETRY,
        )
