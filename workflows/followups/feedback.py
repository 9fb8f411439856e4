"""Feedback 7 days after delivery (seed 004 P1.3) as one durable workflow per order.

Id ``feedback-{tenant}-{order}``: delivering twice starts nothing new. Timeline:
wait until ``delivered_at + delay_s`` → no open case on the order? (else re-check every
``open_case_recheck_s`` up to ``open_case_max_wait_s``, then skip, saying why) → send the request
through the outbox → wait for the ``respond`` signal up to ``response_window_s`` (else
``no_response``) → sentiment (LLM, keyword fallback) → a negative answer opens a case and sends a
service-recovery email. Every step is written to ``feedback_requests``.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.common import FollowUpState, email, tag, wake_at
    from workflows.followups import activities as acts
    from workflows.followups.cite import recovery_cite
    from workflows.followups.models import (
        CaseInput,
        FeedbackInput,
        FeedbackRecord,
        FeedbackResult,
        OrderRef,
        SentimentInput,
    )

KIND = "feedback"


@workflow.defn(name="Feedback")
class FeedbackWorkflow:
    def __init__(self) -> None:
        self._response: str | None = None
        self._state = FollowUpState(kind=KIND, status="scheduled")

    @workflow.signal(name="respond")
    def respond(self, text: str) -> None:
        """The client's answer (from the API or inbox ingestion); the first one counts."""
        if self._response is None:
            self._response = text

    @workflow.query(name="status")
    def status(self) -> FollowUpState:
        return self._state

    def _set(
        self, inp: FeedbackInput, status: str, wait_s: float | None = None, waiting_for: str | None = None
    ) -> None:
        self._state = FollowUpState(
            kind=KIND,
            status=status,
            next_wake_at=wake_at(wait_s) if wait_s is not None else None,
            waiting_for=waiting_for,
        )
        tag(inp.tenant_id, KIND, status)

    async def _record(self, inp: FeedbackInput, status: str, **kw: object) -> None:
        rec = FeedbackRecord(
            tenant_id=inp.tenant_id, order_id=inp.order_id, status=status, at=workflow.now(), **kw
        )
        await acts.record_feedback(rec)

    @workflow.run
    async def run(self, inp: FeedbackInput) -> FeedbackResult:
        due = inp.delivered_at + timedelta(seconds=inp.delay_s)
        wait = (due - workflow.now()).total_seconds()
        self._set(inp, "scheduled", wait, "delivery + 7 days")
        await self._record(
            inp, "scheduled", delivered_at=inp.delivered_at, scheduled_for=due, to_email=inp.to_email
        )
        if wait > 0:
            await workflow.sleep(wait)
        waited = 0
        while await acts.open_case_for_order(OrderRef(tenant_id=inp.tenant_id, order_id=inp.order_id)):
            if waited >= inp.open_case_max_wait_s:
                reason = f"an open case on the order after waiting {waited // 3600} h: not sent"
                self._set(inp, "skipped")
                await self._record(inp, "skipped", reason=reason)
                return FeedbackResult(status="skipped", reason=reason)
            self._set(inp, "delayed", inp.open_case_recheck_s, "the open case to close")
            await self._record(inp, "delayed", reason="an open case on the order: re-checking")
            await workflow.sleep(inp.open_case_recheck_s)
            waited += inp.open_case_recheck_s
        if not inp.to_email:
            reason = "no email address for the order's client"
            self._set(inp, "skipped")
            await self._record(inp, "skipped", reason=reason)
            return FeedbackResult(status="skipped", reason=reason)
        sent = await email(
            inp.messaging_queue,
            inp.tenant_id,
            f"{inp.tenant_id}:feedback:{inp.order_id}",
            inp.to_email,
            "How did we do?",
            "Hello, your order was delivered a week ago. How did it go? Just reply to this email.",
        )
        if sent.status not in ("sent", "dry_run"):
            reason = f"feedback email {sent.status}: {sent.detail}"
            self._set(inp, "failed")
            await self._record(inp, "failed", reason=reason)
            return FeedbackResult(status="failed", reason=reason)
        self._set(inp, "sent", inp.response_window_s, "the client's response")
        await self._record(inp, "sent")
        try:
            await workflow.wait_condition(lambda: self._response is not None, timeout=inp.response_window_s)
        except TimeoutError:
            reason = f"no response within {inp.response_window_s // 86400} days"
            self._set(inp, "no_response")
            await self._record(inp, "no_response", reason=reason)
            return FeedbackResult(status="no_response", reason=reason)
        text = self._response or ""
        s = await acts.analyze_sentiment(SentimentInput(tenant_id=inp.tenant_id, text=text))
        case_id = None
        if s.label == "negative":
            case_id = await acts.open_case(
                CaseInput(
                    tenant_id=inp.tenant_id,
                    order_id=inp.order_id,
                    key=f"{inp.tenant_id}:feedback-case:{inp.order_id}",
                    summary=f"Negative feedback: {text[:500]}",
                )
            )
            await email(
                inp.messaging_queue,
                inp.tenant_id,
                f"{inp.tenant_id}:service-recovery:{inp.order_id}",
                inp.to_email,
                "We are sorry: we are on it",
                "Thank you for telling us. We have opened a case and a manager will contact you shortly.",
                cite=recovery_cite(text),
            )
        self._set(inp, "responded")
        await self._record(
            inp, "responded", response=text, sentiment=s.label, sentiment_source=s.source, case_id=case_id
        )
        return FeedbackResult(status="responded", sentiment=s.label, case_id=case_id)
