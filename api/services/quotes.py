"""Quote service (seed 004 P1.5): sending a draft starts ``quote-{tenant}-{quote}`` (follow-ups
every ``quote_follow_up_every_s``, at most ``quote_max_follow_ups``); viewed, accepted and
rejected are signals; the tracked link ``{api_public_url}/t/q/{token}``, in every quote email,
counts as viewed.
"""

from __future__ import annotations

import secrets

from sqlalchemy.orm import Session
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError

from api.auth import Principal
from api.errors import ConflictException, NotFoundException, ValidationException
from api.schemas.followups import Accepted
from api.schemas.quotes import QuoteActivityItem, QuoteStateView, QuoteStats, QuoteView, SendQuoteView
from api.services.followups_common import FollowUpService, require
from core import queues
from schema.business import Quote
from schema.repositories import quotes as repo
from schema.repositories.followups import contact_email
from workflows.followups.inputs import quote_input, quote_view_url
from workflows.followups.models import QuoteDecision
from workflows.followups.quote import QuoteWorkflow
from workflows.ids import followup_workflow_id


class QuoteService(FollowUpService):
    async def send(self, p: Principal, quote_id: str) -> SendQuoteView:
        """Give the quote a tracked-link token and start its workflow, whose emails carry the
        absolute link (also returned as ``view_url``). 409 unless it is a draft
        (or when it was already sent), 400 without a contact email, 404 for another tenant's."""
        t = p.tenant_id

        def prepare(s: Session) -> tuple[Quote, str | None, str]:
            q = require(s, Quote, t, quote_id)
            if q.status != "draft":
                raise ConflictException(f"quote {quote_id} is {q.status}, not draft")
            token = q.view_token or secrets.token_urlsafe(16)
            to = contact_email(s, q.contact_id)
            repo.set_view_token(s, quote_id, token)
            return q, to, token

        q, to, token = await self.db(t, prepare)
        if not to:
            raise ValidationException(f"quote {quote_id} has no contact with an email address")
        wid = followup_workflow_id("quote", t, quote_id)
        view_url = quote_view_url(self.settings.api_public_url, token)
        try:
            await self.client.start_workflow(
                QuoteWorkflow.run,
                quote_input(t, quote_id, to, q.amount, self.settings.followups, view_url, q.title),
                id=wid,
                task_queue=queues.AGENT,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            )
        except WorkflowAlreadyStartedError:
            raise ConflictException(f"quote {quote_id} was already sent") from None
        return SendQuoteView(workflow_id=wid, view_url=view_url)

    async def viewed(self, p: Principal, quote_id: str) -> Accepted:
        await self.require(Quote, p.tenant_id, quote_id)
        await self.signal(followup_workflow_id("quote", p.tenant_id, quote_id), QuoteWorkflow.viewed)
        return Accepted()

    async def decide(self, p: Principal, quote_id: str, decision: QuoteDecision) -> Accepted:
        """The ``decide`` signal (accepted with an optional reason, rejected with one)."""
        await self.require(Quote, p.tenant_id, quote_id)
        await self.signal(
            followup_workflow_id("quote", p.tenant_id, quote_id), QuoteWorkflow.decide, decision
        )
        return Accepted()

    async def state(self, p: Principal, quote_id: str) -> QuoteStateView:
        t = p.tenant_id
        q = await self.require(Quote, t, quote_id)
        out = await self.workflow_state(followup_workflow_id("quote", t, quote_id), QuoteWorkflow.status)
        acts = await self.db(t, lambda s: repo.activities(s, quote_id))
        return QuoteStateView(
            **out,
            quote=QuoteView.model_validate(q),
            activities=[
                QuoteActivityItem(kind=a.kind, key=a.key, at=a.created_at.isoformat(), detail=a.detail)
                for a in acts
            ],
        )

    async def stats(self, p: Principal) -> QuoteStats:
        c = await self.db(p.tenant_id, lambda s: repo.counts(s, p.tenant_id))
        by = c.by_status
        won, lost, expired = by.get("accepted", 0), by.get("rejected", 0), by.get("expired", 0)
        decided = won + lost + expired
        return QuoteStats(
            by_status=by,
            win_rate=round(100.0 * won / decided, 1) if decided else None,
            avg_follow_ups=round(c.avg_follow_ups, 2) if c.avg_follow_ups is not None else None,
            loss_reasons={k: v for k, v in c.loss_reasons.items() if k is not None},
        )

    async def tracked_link(self, token: str) -> str:
        """Signal ``viewed`` for the token's quote (an ended quote ignores it); 404 if unknown."""
        q = await self.platform_db(
            "tracked link: the quote of a view token", lambda s: repo.by_view_token(s, token)
        )
        if q is None:
            raise NotFoundException("unknown link")
        try:
            await self.client.get_workflow_handle(followup_workflow_id("quote", q.tenant_id, q.id)).signal(
                QuoteWorkflow.viewed
            )
        except RPCError:
            pass  # an ended quote: the view changes nothing
        return "Thank you: your quote is open."
