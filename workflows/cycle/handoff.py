"""The cycle hands quotes and deals to their follow-up workflows (issue 9, part 7).

``Quote`` (``quote-{tenant}-{quote}``) and ``Deal`` (``deal-{tenant}-{deal}``) are the only
senders of quote and deal follow-ups, as compliance checks' own workflows are for theirs. For
each unowned quote or deal that ``gather_context`` claimed, the cycle starts its workflow as an
abandoned child (it outlives the cycle); one already started (by the API, say) is left alone.

Deterministic: call only from workflow code.
"""

from __future__ import annotations

from temporalio import workflow
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

with workflow.unsafe.imports_passed_through():
    from workflows.followups.deal import DealWorkflow
    from workflows.followups.models import DealInput, QuoteInput
    from workflows.followups.quote import QuoteWorkflow
    from workflows.ids import deal_workflow_id, quote_workflow_id


async def hand_off(quotes: tuple[QuoteInput, ...], deals: tuple[DealInput, ...], messaging_queue: str) -> int:
    """Start ``Quote`` for each of ``quotes`` (the context's ``quote_follow_ups``; ids never reused,
    like the API's ``sendQuote``) and ``Deal`` for each of ``deals`` (reused only after a failed
    run, like ``trackDeal``), on this task queue, emailing through ``messaging_queue``. Returns
    how many it started; an id already taken counts as owned, not as an error."""
    started = 0
    queue = workflow.info().task_queue
    abandon = workflow.ParentClosePolicy.ABANDON
    for q in quotes:
        try:
            await workflow.start_child_workflow(
                QuoteWorkflow.run,
                q.model_copy(update={"messaging_queue": messaging_queue}),
                id=quote_workflow_id(q.tenant_id, q.quote_id),
                task_queue=queue,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                parent_close_policy=abandon,
            )
            started += 1
        except WorkflowAlreadyStartedError:
            workflow.logger.info("quote already has its follow-up workflow", extra={"quote_id": q.quote_id})
    for d in deals:
        try:
            await workflow.start_child_workflow(
                DealWorkflow.run,
                d.model_copy(update={"messaging_queue": messaging_queue}),
                id=deal_workflow_id(d.tenant_id, d.deal_id),
                task_queue=queue,
                id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
                parent_close_policy=abandon,
            )
            started += 1
        except WorkflowAlreadyStartedError:
            workflow.logger.info("deal already has its follow-up workflow", extra={"deal_id": d.deal_id})
    return started
