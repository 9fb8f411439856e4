"""What the operation shows: its status (search attribute, ``autonomous_operations`` row and the
``status`` query) and its final result (deterministic code only).

Statuses follow seed 001 "Operation Service": awaiting_consent -> pending -> in_progress ->
completed | failed | cancelled.
"""

from __future__ import annotations

from datetime import datetime

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from core import search_attributes as sa
    from workflows.operation import activities as acts
    from workflows.operation.messages import (
        LLMUsage,
        OperationInput,
        OperationProgress,
        OperationResult,
        OperationStatus,
        SelfHealing,
        SyncOperationInput,
    )


class Progress:
    def __init__(self, inp: OperationInput) -> None:
        self._inp = inp
        self.status = OperationStatus.AWAITING_CONSENT
        self.current = 0
        """The step being run (1-based; 0 before the first)."""
        self.total = 0
        self.intent: str | None = None
        self.screenshot: str | None = None
        self.reason: str | None = None
        self.result: OperationResult | None = None

    def tag(self) -> None:
        """The search attributes TenantId, Service, Operation and OperationStatus."""
        inp = self._inp
        workflow.upsert_search_attributes(
            [
                sa.TENANT_ID.value_set(inp.tenant_id),
                sa.SERVICE.value_set(inp.service),
                sa.OPERATION.value_set(inp.operation),
                sa.OPERATION_STATUS.value_set(self.status.value),
            ]
        )

    def set_status(self, status: OperationStatus) -> None:
        self.status = status
        workflow.upsert_search_attributes([sa.OPERATION_STATUS.value_set(status.value)])

    async def sync(
        self,
        consent_at: datetime | None = None,
        started_at: datetime | None = None,
        completed_at: datetime | None = None,
        result: OperationResult | None = None,
    ) -> None:
        """Write the state to the ``autonomous_operations`` row."""
        inp = self._inp
        await acts.sync_operation(
            SyncOperationInput(
                operation_id=inp.operation_id,
                tenant_id=inp.tenant_id,
                workflow_id=workflow.info().workflow_id,
                service=inp.service,
                operation=inp.operation,
                user_id=inp.user_id,
                status=self.status,
                total_steps=self.total or None,
                current_step=self.current,
                consent_at=consent_at,
                started_at=started_at,
                completed_at=completed_at,
                result=result.model_dump(mode="json") if result else None,
            )
        )

    async def finish(
        self,
        status: OperationStatus,
        reason: str | None,
        audited: int,
        llm: LLMUsage,
        self_healing: SelfHealing,
        credential: tuple[str, str, str] | None = None,
        passed: bool | None = None,
    ) -> OperationResult:
        """The final result (``credential``: type, Vault path, fingerprint), written to the row."""
        self.reason = reason
        self.result = OperationResult(
            operation_id=self._inp.operation_id,
            status=status,
            credential_path=credential[1] if credential else None,
            credential_fingerprint=credential[2] if credential else None,
            connection_test_passed=passed,
            audited_steps=audited,
            reason=reason,
            llm=llm,
            self_healing=self_healing,
        )
        self.set_status(status)
        await self.sync(completed_at=workflow.now(), result=self.result)
        return self.result

    def query(
        self, session_queue: str | None, llm: LLMUsage, self_healing: SelfHealing, awaiting: int | None
    ) -> OperationProgress:
        return OperationProgress(
            operation_id=self._inp.operation_id,
            status=self.status,
            current_step=self.current,
            total_steps=self.total,
            intent=self.intent,
            last_screenshot_key=self.screenshot,
            session_queue=session_queue,
            reason=self.reason,
            result=self.result,
            self_healing=self_healing,
            llm=llm,
            awaiting_confirmation=awaiting,
        )
