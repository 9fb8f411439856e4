"""Typed activity stubs of the feedback, quote and deal workflows: one function per activity,
each owning its registered name, timeouts and named retry policy (workflows/retry.py).

The DB steps are local activities on the agent worker (:func:`workflows.common.db`, policy
``retry.DB``); ``analyze_sentiment`` (an LLM call) is a regular activity on the workflow's own
queue. Emails go through :func:`workflows.common.email`. Deterministic: workflow code only.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

from workflows import retry

with workflow.unsafe.imports_passed_through():
    from workflows.common import db
    from workflows.followups.models import (
        CaseInput,
        DealUpdate,
        FeedbackRecord,
        OrderRef,
        QuoteEvent,
        Sentiment,
        SentimentInput,
    )

SENTIMENT_TIMEOUT = timedelta(seconds=90)


async def record_feedback(rec: FeedbackRecord) -> None:
    """Upsert the order's ``feedback_requests`` row."""
    await db("record_feedback", rec)


async def open_case_for_order(ref: OrderRef) -> str:
    """The id of an open case on the order, or "" when there is none."""
    return await db("open_case_for_order", ref, str)


async def open_case(case: CaseInput) -> str:
    """Open a service-recovery case (once per key); returns its id."""
    return await db("open_case", case, str)


async def analyze_sentiment(inp: SentimentInput) -> Sentiment:
    """positive, neutral or negative (the LLM when configured, else keywords); 90 s per attempt."""
    result: Sentiment = await workflow.execute_activity(
        "analyze_sentiment",
        inp,
        result_type=Sentiment,
        task_queue=workflow.info().task_queue,
        start_to_close_timeout=SENTIMENT_TIMEOUT,
        retry_policy=retry.DEFAULT,
    )
    return result


async def record_quote_event(event: QuoteEvent) -> None:
    """One ``quote_activities`` row plus the quote's new status."""
    await db("record_quote_event", event)


async def record_deal(update: DealUpdate) -> None:
    """The deal's columns and, with a stage change, a ``deal_stage_history`` row."""
    await db("record_deal", update)
