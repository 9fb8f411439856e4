"""Feedback service (seed 004 P1.3): an order delivered starts its feedback workflow
``feedback-{tenant}-{order}`` (7 days later, durations from ``settings.followups``); the
client's answer is the workflow's ``respond`` signal; the state joins the workflow's query with
the ``feedback_requests`` row.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from api.auth import Principal
from api.schemas.feedback import DeliveredView, FeedbackRequestView, FeedbackStateView
from api.schemas.followups import Accepted
from api.services.followups_common import FollowUpService, require
from core import queues
from schema.business import Order
from schema.repositories import feedback as repo
from workflows.followups.feedback import FeedbackWorkflow
from workflows.followups.models import FeedbackInput
from workflows.ids import followup_workflow_id


class FeedbackService(FollowUpService):
    async def delivered(self, p: Principal, order_id: str) -> DeliveredView:
        """Mark the order delivered (keeping an earlier ``delivered_at``) and start its feedback
        workflow, to the client's oldest contact with an email, else the borrower. Idempotent:
        ``started`` False when the workflow already existed. 404 for another tenant's order."""
        t = p.tenant_id

        def mark(s: Session) -> tuple[datetime, str | None]:
            order = require(s, Order, t, order_id)
            at = order.delivered_at or datetime.now(UTC)
            repo.mark_delivered(s, order_id, at)
            return at, repo.first_client_email(s, t, order.client_id) or order.borrower_email

        at, to = await self.db(t, mark)
        f = self.settings.followups
        wid = followup_workflow_id("feedback", t, order_id)
        try:
            await self.client.start_workflow(
                FeedbackWorkflow.run,
                FeedbackInput(
                    tenant_id=t,
                    order_id=order_id,
                    delivered_at=at,
                    to_email=to,
                    delay_s=f.feedback_delay_s,
                    open_case_recheck_s=f.feedback_open_case_recheck_s,
                    open_case_max_wait_s=f.feedback_open_case_max_wait_s,
                    response_window_s=f.feedback_response_window_s,
                ),
                id=wid,
                task_queue=queues.AGENT,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            )
        except WorkflowAlreadyStartedError:
            return DeliveredView(workflow_id=wid, started=False)
        return DeliveredView(workflow_id=wid, started=True, delivered_at=at.isoformat())

    async def answer(self, p: Principal, order_id: str, text: str) -> Accepted:
        """The client's feedback as the ``respond`` signal (404 no order/workflow, 409 ended)."""
        await self.require(Order, p.tenant_id, order_id)
        await self.signal(
            followup_workflow_id("feedback", p.tenant_id, order_id), FeedbackWorkflow.respond, text
        )
        return Accepted()

    async def state(self, p: Principal, order_id: str) -> FeedbackStateView:
        t = p.tenant_id
        await self.require(Order, t, order_id)
        out = await self.workflow_state(
            followup_workflow_id("feedback", t, order_id), FeedbackWorkflow.status
        )
        row = await self.db(t, lambda s: repo.feedback_request(s, t, order_id))
        return FeedbackStateView(
            **out, feedback_request=FeedbackRequestView.model_validate(row) if row else None
        )
