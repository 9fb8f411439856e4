"""Business entry points of the follow-up workflows (seed 004 P1.3, P1.4, P1.5).

- ``POST /api/orders/{id}/delivered`` starts the order's feedback workflow (idempotent: a second
  call returns the same workflow); ``POST /api/orders/{id}/feedback`` delivers the client's answer.
- ``POST /api/quotes/{id}/send`` starts the quote's workflow; ``viewed``, ``accepted`` and
  ``rejected`` (reason required) are signals; ``GET /t/q/{token}`` is the tracked link (no auth).
- ``POST /api/deals/{id}/track`` starts working a deal; ``activity``, ``stage``, ``request`` and
  ``close`` are signals.
- ``GET /api/{orders|quotes|deals}/{id}/followup`` gives the workflow's state and next wake-up;
  ``GET /api/quotes/stats`` and ``GET /api/deals/stats`` give per-tenant figures.
"""

from __future__ import annotations

import asyncio
import secrets
from datetime import UTC, datetime
from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException, ValidationException
from litestar.params import FromPath, JSONBody
from litestar.response import Response
from litestar.status_codes import HTTP_200_OK, HTTP_202_ACCEPTED
from pydantic import BaseModel, Field
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from sqlmodel import col
from temporalio.client import WorkflowExecutionStatus
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError

from api.auth import Principal
from api.errors import ConflictException
from api.services.agent import AgentAdminService
from core import queues
from schema.business import Contact, Deal, Order, Quote
from schema.followups import DealStageConfig, DealStageHistory, FeedbackRequest, QuoteActivity
from schema.repositories import operations as repo
from workflows.followups.deal import DealWorkflow
from workflows.followups.feedback import FeedbackWorkflow
from workflows.followups.models import (
    ClientRequestSignal,
    DealActivity,
    DealClose,
    DealInput,
    FeedbackInput,
    QuoteDecision,
    QuoteInput,
    StageChange,
    StageRule,
)
from workflows.followups.quote import QuoteWorkflow
from workflows.followups.rules import DEFAULT_STAGE_DAYS


class FeedbackAnswer(BaseModel):
    text: str = Field(min_length=1, max_length=20_000)


class WinRequest(BaseModel):
    reason: str | None = Field(default=None, max_length=2000)


class RejectRequest(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)
    """Why the client said no (seed 004 P1.5: loss reason captured)."""


class ClientRequestBody(BaseModel):
    message_id: str = Field(min_length=1, max_length=300)
    text: str = Field(min_length=1, max_length=10_000)


def _wid(kind: str, tenant: str, id_: str) -> str:
    return f"{kind}-{tenant}-{id_}"


def _row(agent: AgentAdminService, model: Any, tenant: str, id_: str) -> Any:
    """This tenant's row, or 404 (another tenant's id is not found either)."""
    row = repo.get_owned(agent.engine, model, tenant, id_)
    if row is None:
        raise NotFoundException(f"no {model.__tablename__[:-1]} {id_!r}")
    return row


async def _state(agent: AgentAdminService, wid: str, query: Any) -> dict[str, Any]:
    handle = agent.client.get_workflow_handle(wid)
    try:
        desc = await handle.describe()
    except RPCError:
        raise NotFoundException(f"no follow-up workflow {wid!r}") from None
    out: dict[str, Any] = {"workflow_id": wid, "execution": desc.status.name if desc.status else None}
    if desc.status == WorkflowExecutionStatus.RUNNING:
        out["state"] = (await handle.query(query)).model_dump(mode="json")
    else:
        try:
            out["result"] = await handle.result()
        except Exception as e:  # noqa: BLE001 - a failed or terminated workflow has no result
            out["failure"] = str(e)
    return out


async def _signal(agent: AgentAdminService, wid: str, signal: Any, arg: Any = None) -> None:
    handle = agent.client.get_workflow_handle(wid)
    try:
        desc = await handle.describe()
    except RPCError:
        raise NotFoundException(f"no follow-up workflow {wid!r}") from None
    if desc.status != WorkflowExecutionStatus.RUNNING:
        raise ConflictException(f"{wid} has already ended ({desc.status.name if desc.status else 'unknown'})")
    await (handle.signal(signal, arg) if arg is not None else handle.signal(signal))


class FollowUpController(Controller):
    path = "/api"
    tags = ["follow-ups"]

    # --- feedback ----------------------------------------------------------------------------

    @post("/orders/{order_id:str}/delivered", operation_id="orderDelivered", status_code=HTTP_202_ACCEPTED)
    async def delivered(
        self,
        request: Request[Principal, Any, Any],
        order_id: FromPath[str],
        agent: NamedDependency[AgentAdminService],
    ) -> Response[dict[str, Any]]:
        """Mark the order delivered and start its feedback workflow (7 days later, seed 004 P1.3).
        202 when started, 200 when it already was (idempotent)."""
        t = request.user.tenant_id

        def mark() -> tuple[datetime, str | None]:
            order = _row(agent, Order, t, order_id)
            at = order.delivered_at or datetime.now(UTC)
            with Session(agent.engine) as s:
                s.execute(
                    update(Order).where(col(Order.id) == order_id).values(status="delivered", delivered_at=at)
                )
                to = (
                    s.execute(
                        select(Contact.email)
                        .where(
                            Contact.tenant_id == t,
                            Contact.client_id == order.client_id,
                            col(Contact.email).is_not(None),
                        )
                        .order_by(Contact.created_at)  # type: ignore[arg-type]
                    ).scalar()
                    if order.client_id
                    else None
                )
                s.commit()
            return at, to or order.borrower_email

        at, to = await asyncio.to_thread(mark)
        f = agent.settings.followups
        wid = _wid("feedback", t, order_id)
        try:
            await agent.client.start_workflow(
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
            return Response({"workflow_id": wid, "started": False}, status_code=HTTP_200_OK)
        return Response(
            {"workflow_id": wid, "started": True, "delivered_at": at.isoformat()},
            status_code=HTTP_202_ACCEPTED,
        )

    @post("/orders/{order_id:str}/feedback", operation_id="feedbackAnswer", status_code=HTTP_202_ACCEPTED)
    async def answer(
        self,
        request: Request[Principal, Any, Any],
        order_id: FromPath[str],
        data: JSONBody[FeedbackAnswer],
        agent: NamedDependency[AgentAdminService],
    ) -> dict[str, str]:
        """The client's feedback (the ``respond`` signal); inbox ingestion sends the same signal."""
        await asyncio.to_thread(_row, agent, Order, request.user.tenant_id, order_id)
        await _signal(
            agent, _wid("feedback", request.user.tenant_id, order_id), FeedbackWorkflow.respond, data.text
        )
        return {"status": "accepted"}

    @get("/orders/{order_id:str}/followup", operation_id="feedbackState")
    async def feedback_state(
        self,
        request: Request[Principal, Any, Any],
        order_id: FromPath[str],
        agent: NamedDependency[AgentAdminService],
    ) -> dict[str, Any]:
        t = request.user.tenant_id
        await asyncio.to_thread(_row, agent, Order, t, order_id)
        out = await _state(agent, _wid("feedback", t, order_id), FeedbackWorkflow.status)

        def row() -> dict[str, Any] | None:
            with Session(agent.engine) as s:
                r = s.execute(
                    select(FeedbackRequest).where(
                        FeedbackRequest.tenant_id == t, FeedbackRequest.order_id == order_id
                    )
                ).scalar()  # type: ignore[arg-type]
                return r.model_dump(mode="json") if r else None

        out["feedback_request"] = await asyncio.to_thread(row)
        return out

    # --- quotes ------------------------------------------------------------------------------

    @post("/quotes/{quote_id:str}/send", operation_id="sendQuote", status_code=HTTP_202_ACCEPTED)
    async def send_quote(
        self,
        request: Request[Principal, Any, Any],
        quote_id: FromPath[str],
        agent: NamedDependency[AgentAdminService],
    ) -> dict[str, Any]:
        """Send a draft quote and follow it up (seed 004 P1.5); 409 unless it is a draft."""
        t = request.user.tenant_id

        def prepare() -> tuple[Quote, str | None, str]:
            q = _row(agent, Quote, t, quote_id)
            if q.status != "draft":
                raise ConflictException(f"quote {quote_id} is {q.status}, not draft")
            token = q.view_token or secrets.token_urlsafe(16)
            with Session(agent.engine) as s:
                to = (
                    s.execute(select(Contact.email).where(Contact.id == q.contact_id)).scalar()
                    if q.contact_id
                    else None
                )  # type: ignore[arg-type]
                s.execute(update(Quote).where(col(Quote.id) == quote_id).values(view_token=token))
                s.commit()
            return q, to, token

        q, to, token = await asyncio.to_thread(prepare)
        if not to:
            raise ValidationException(f"quote {quote_id} has no contact with an email address")
        f = agent.settings.followups
        wid = _wid("quote", t, quote_id)
        try:
            await agent.client.start_workflow(
                QuoteWorkflow.run,
                QuoteInput(
                    tenant_id=t,
                    quote_id=quote_id,
                    to_email=to,
                    amount=float(q.amount) if q.amount else None,
                    follow_up_every_s=f.quote_follow_up_every_s,
                    max_follow_ups=f.quote_max_follow_ups,
                ),
                id=wid,
                task_queue=queues.AGENT,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            )
        except WorkflowAlreadyStartedError:
            raise ConflictException(f"quote {quote_id} was already sent") from None
        return {"workflow_id": wid, "view_url": f"/t/q/{token}"}

    async def _decide(
        self, request: Request[Principal, Any, Any], agent: AgentAdminService, quote_id: str, d: Any
    ) -> dict[str, str]:
        await asyncio.to_thread(_row, agent, Quote, request.user.tenant_id, quote_id)
        await _signal(agent, _wid("quote", request.user.tenant_id, quote_id), QuoteWorkflow.decide, d)
        return {"status": "accepted"}

    @post("/quotes/{quote_id:str}/viewed", operation_id="quoteViewed", status_code=HTTP_202_ACCEPTED)
    async def viewed(
        self,
        request: Request[Principal, Any, Any],
        quote_id: FromPath[str],
        agent: NamedDependency[AgentAdminService],
    ) -> dict[str, str]:
        await asyncio.to_thread(_row, agent, Quote, request.user.tenant_id, quote_id)
        await _signal(agent, _wid("quote", request.user.tenant_id, quote_id), QuoteWorkflow.viewed)
        return {"status": "accepted"}

    @post("/quotes/{quote_id:str}/accepted", operation_id="quoteAccepted", status_code=HTTP_202_ACCEPTED)
    async def accepted(
        self,
        request: Request[Principal, Any, Any],
        quote_id: FromPath[str],
        agent: NamedDependency[AgentAdminService],
        data: JSONBody[WinRequest | None] = None,
    ) -> dict[str, str]:
        """The client accepted; an optional ``reason`` records why we won (seed 004 P1.5)."""
        reason = data.reason if data else None
        return await self._decide(request, agent, quote_id, QuoteDecision(outcome="accepted", reason=reason))

    @post("/quotes/{quote_id:str}/rejected", operation_id="quoteRejected", status_code=HTTP_202_ACCEPTED)
    async def rejected(
        self,
        request: Request[Principal, Any, Any],
        quote_id: FromPath[str],
        data: JSONBody[RejectRequest],
        agent: NamedDependency[AgentAdminService],
    ) -> dict[str, str]:
        return await self._decide(
            request, agent, quote_id, QuoteDecision(outcome="rejected", reason=data.reason)
        )

    @get("/quotes/{quote_id:str}/followup", operation_id="quoteState")
    async def quote_state(
        self,
        request: Request[Principal, Any, Any],
        quote_id: FromPath[str],
        agent: NamedDependency[AgentAdminService],
    ) -> dict[str, Any]:
        t = request.user.tenant_id
        q = await asyncio.to_thread(_row, agent, Quote, t, quote_id)
        out = await _state(agent, _wid("quote", t, quote_id), QuoteWorkflow.status)

        def acts() -> list[dict[str, Any]]:
            with Session(agent.engine) as s:
                rows = s.execute(
                    select(QuoteActivity)
                    .where(QuoteActivity.quote_id == quote_id)
                    .order_by(QuoteActivity.created_at)
                ).scalars()  # type: ignore[arg-type]
                return [
                    {"kind": r.kind, "key": r.key, "at": r.created_at.isoformat(), "detail": r.detail}
                    for r in rows
                ]

        out |= {
            "quote": q.model_dump(mode="json", exclude={"view_token"}),
            "activities": await asyncio.to_thread(acts),
        }
        return out

    @get("/quotes/stats", operation_id="quoteStats")
    async def quote_stats(
        self, request: Request[Principal, Any, Any], agent: NamedDependency[AgentAdminService]
    ) -> dict[str, Any]:
        """Counts by status, win rate over decided quotes (%), average follow-ups, loss reasons."""
        t = request.user.tenant_id

        def read() -> dict[str, Any]:
            with Session(agent.engine) as s:
                by = dict(
                    s.execute(
                        select(Quote.status, func.count()).where(Quote.tenant_id == t).group_by(Quote.status)
                    ).all()
                )  # type: ignore[arg-type]
                avg = s.execute(
                    select(func.avg(Quote.follow_up_count)).where(
                        Quote.tenant_id == t, col(Quote.status) != "draft"
                    )
                ).scalar()  # type: ignore[arg-type]
                reasons = dict(
                    s.execute(
                        select(Quote.outcome_reason, func.count())
                        .where(Quote.tenant_id == t, Quote.status == "rejected")
                        .group_by(Quote.outcome_reason)
                    ).all()
                )  # type: ignore[arg-type]
            won, lost, expired = by.get("accepted", 0), by.get("rejected", 0), by.get("expired", 0)
            decided = won + lost + expired
            return {
                "by_status": by,
                "win_rate": round(100.0 * won / decided, 1) if decided else None,
                "avg_follow_ups": round(float(avg), 2) if avg is not None else None,
                "loss_reasons": reasons,
            }

        return await asyncio.to_thread(read)

    # --- deals -------------------------------------------------------------------------------

    @post("/deals/{deal_id:str}/track", operation_id="trackDeal", status_code=HTTP_202_ACCEPTED)
    async def track(
        self,
        request: Request[Principal, Any, Any],
        deal_id: FromPath[str],
        agent: NamedDependency[AgentAdminService],
    ) -> dict[str, Any]:
        """Start working an open deal: stalled detection by stage thresholds, follow-ups (seed 004 P1.4)."""
        t, day = request.user.tenant_id, agent.settings.followups.day_s

        def load() -> tuple[Deal, str | None, dict[str, StageRule]]:
            d = _row(agent, Deal, t, deal_id)
            if d.status != "open":
                raise ConflictException(f"deal {deal_id} is {d.status}")
            with Session(agent.engine) as s:
                to = (
                    s.execute(select(Contact.email).where(Contact.id == d.contact_id)).scalar()
                    if d.contact_id
                    else None
                )  # type: ignore[arg-type]
                cfg = {
                    c.stage: (c.stalled_after_days, c.follow_up_every_days)
                    for c in s.execute(
                        select(DealStageConfig).where(DealStageConfig.tenant_id == t)
                    ).scalars()
                }  # type: ignore[arg-type]
            days = {**DEFAULT_STAGE_DAYS, **cfg}
            rules = {
                k: StageRule(stalled_after_s=a * day, follow_up_every_s=b * day) for k, (a, b) in days.items()
            }
            return d, to, rules

        d, to, rules = await asyncio.to_thread(load)
        now = datetime.now(UTC)
        wid = _wid("deal", t, deal_id)
        try:
            await agent.client.start_workflow(
                DealWorkflow.run,
                DealInput(
                    tenant_id=t,
                    deal_id=deal_id,
                    stage=d.stage,
                    to_email=to,
                    last_activity_at=d.last_activity_at or d.created_at or now,
                    stage_entered_at=d.stage_entered_at or d.created_at or now,
                    rules=rules,
                    title=d.title,
                    escalate_after=agent.settings.followups.deal_escalate_after,
                    follow_up_count=d.follow_up_count,
                ),
                id=wid,
                task_queue=queues.AGENT,
                id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
            )
        except WorkflowAlreadyStartedError:
            raise ConflictException(f"deal {deal_id} is already being worked") from None
        return {"workflow_id": wid}

    async def _deal_signal(
        self,
        request: Request[Principal, Any, Any],
        agent: AgentAdminService,
        deal_id: str,
        sig: Any,
        arg: Any,
    ) -> dict[str, str]:
        await asyncio.to_thread(_row, agent, Deal, request.user.tenant_id, deal_id)
        await _signal(agent, _wid("deal", request.user.tenant_id, deal_id), sig, arg)
        return {"status": "accepted"}

    @post("/deals/{deal_id:str}/activity", operation_id="dealActivity", status_code=HTTP_202_ACCEPTED)
    async def deal_activity(
        self,
        request: Request[Principal, Any, Any],
        deal_id: FromPath[str],
        data: JSONBody[DealActivity],
        agent: NamedDependency[AgentAdminService],
    ) -> dict[str, str]:
        """Real engagement on the deal: clears stalled (seed ``recordDealActivity``)."""
        return await self._deal_signal(request, agent, deal_id, DealWorkflow.record_activity, data)

    @post("/deals/{deal_id:str}/stage", operation_id="dealStage", status_code=HTTP_202_ACCEPTED)
    async def deal_stage(
        self,
        request: Request[Principal, Any, Any],
        deal_id: FromPath[str],
        data: JSONBody[StageChange],
        agent: NamedDependency[AgentAdminService],
    ) -> dict[str, str]:
        return await self._deal_signal(request, agent, deal_id, DealWorkflow.change_stage, data)

    @post("/deals/{deal_id:str}/request", operation_id="dealClientRequest", status_code=HTTP_202_ACCEPTED)
    async def deal_request(
        self,
        request: Request[Principal, Any, Any],
        deal_id: FromPath[str],
        data: JSONBody[ClientRequestBody],
        agent: NamedDependency[AgentAdminService],
    ) -> dict[str, str]:
        """A client's message: a task is created only if it explicitly asks for one."""
        return await self._deal_signal(
            request,
            agent,
            deal_id,
            DealWorkflow.client_request,
            ClientRequestSignal(message_id=data.message_id, text=data.text),
        )

    @post("/deals/{deal_id:str}/close", operation_id="dealClose", status_code=HTTP_202_ACCEPTED)
    async def deal_close(
        self,
        request: Request[Principal, Any, Any],
        deal_id: FromPath[str],
        data: JSONBody[DealClose],
        agent: NamedDependency[AgentAdminService],
    ) -> dict[str, str]:
        return await self._deal_signal(request, agent, deal_id, DealWorkflow.close, data)

    @get("/deals/{deal_id:str}/followup", operation_id="dealState")
    async def deal_state(
        self,
        request: Request[Principal, Any, Any],
        deal_id: FromPath[str],
        agent: NamedDependency[AgentAdminService],
    ) -> dict[str, Any]:
        t = request.user.tenant_id
        d = await asyncio.to_thread(_row, agent, Deal, t, deal_id)
        out = await _state(agent, _wid("deal", t, deal_id), DealWorkflow.status)

        def history() -> list[dict[str, Any]]:
            with Session(agent.engine) as s:
                rows = s.execute(
                    select(DealStageHistory)
                    .where(DealStageHistory.deal_id == deal_id)
                    .order_by(DealStageHistory.changed_at)
                ).scalars()  # type: ignore[arg-type]
                return [
                    {
                        "from": r.from_stage,
                        "to": r.to_stage,
                        "duration_s": r.duration_s,
                        "at": r.changed_at.isoformat(),
                    }
                    for r in rows
                ]

        return out | {"deal": d.model_dump(mode="json"), "stage_history": await asyncio.to_thread(history)}

    @get("/deals/stats", operation_id="dealStats")
    async def deal_stats(
        self, request: Request[Principal, Any, Any], agent: NamedDependency[AgentAdminService]
    ) -> dict[str, Any]:
        """Open deals by stage, stalled, high priority, won/lost, average seconds per stage."""
        t = request.user.tenant_id

        def read() -> dict[str, Any]:
            with Session(agent.engine) as s:
                by_stage = dict(
                    s.execute(
                        select(Deal.stage, func.count())
                        .where(Deal.tenant_id == t, Deal.status == "open")
                        .group_by(Deal.stage)
                    ).all()
                )  # type: ignore[arg-type]
                by_status = dict(
                    s.execute(
                        select(Deal.status, func.count()).where(Deal.tenant_id == t).group_by(Deal.status)
                    ).all()
                )  # type: ignore[arg-type]
                stalled = s.execute(
                    select(func.count()).where(
                        Deal.tenant_id == t, Deal.status == "open", col(Deal.stalled_at).is_not(None)
                    )
                ).scalar_one()  # type: ignore[arg-type]
                high = s.execute(
                    select(func.count()).where(
                        Deal.tenant_id == t, Deal.status == "open", Deal.priority == "high"
                    )
                ).scalar_one()  # type: ignore[arg-type]
                per_stage = {
                    k: round(float(v), 1)
                    for k, v in s.execute(
                        select(DealStageHistory.from_stage, func.avg(DealStageHistory.duration_s))
                        .where(DealStageHistory.tenant_id == t)
                        .group_by(DealStageHistory.from_stage)
                    ).all()
                    if k
                }  # type: ignore[arg-type]
            return {
                "open_by_stage": by_stage,
                "by_status": by_status,
                "stalled": stalled,
                "high_priority": high,
                "avg_stage_seconds": per_stage,
            }

        return await asyncio.to_thread(read)


@get("/t/q/{token:str}", operation_id="quoteTrackedLink", tags=["follow-ups"], exclude_from_auth=True)
async def tracked_link(token: FromPath[str], agent: NamedDependency[AgentAdminService]) -> Response[str]:
    """The quote's tracked link: counts as ``viewed`` (no auth; an unknown token is a plain 404)."""

    def find() -> Quote | None:
        with Session(agent.engine) as s:
            return s.execute(select(Quote).where(Quote.view_token == token)).scalar()  # type: ignore[arg-type]

    q = await asyncio.to_thread(find)
    if q is None:
        raise NotFoundException("unknown link")
    try:
        await agent.client.get_workflow_handle(_wid("quote", q.tenant_id, q.id)).signal(QuoteWorkflow.viewed)
    except RPCError:
        pass  # an ended quote: the view changes nothing
    return Response("Thank you: your quote is open.", media_type="text/plain")
