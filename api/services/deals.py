"""Deal service (seed 004 P1.4): tracking an open deal starts ``deal-{tenant}-{deal}`` with
per-stage rules (``deal_stage_config`` over ``DEFAULT_STAGE_DAYS``, days of
``settings.followups.day_s`` seconds); activity, stage, client request and close are signals.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from api.auth import Principal
from api.errors import ConflictException
from api.schemas.deals import DealStateView, DealStats, DealView, StageHistoryItem, TrackDealView
from api.schemas.followups import Accepted
from api.services.followups_common import FollowUpService, require
from core import queues
from schema.business import Deal
from schema.repositories import deals as repo
from schema.repositories.followups import contact_email
from workflows.followups.deal import DealWorkflow
from workflows.followups.inputs import deal_input
from workflows.ids import followup_workflow_id


class DealService(FollowUpService):
    async def track(self, p: Principal, deal_id: str) -> TrackDealView:
        """Start working an open deal; 409 if it is not open or is already being worked (a
        failed workflow may be restarted), 404 for another tenant's."""
        t = p.tenant_id

        def load(s: Session) -> tuple[Deal, str | None, dict[str, tuple[int, int]]]:
            d = require(s, Deal, t, deal_id)
            if d.status != "open":
                raise ConflictException(f"deal {deal_id} is {d.status}")
            return d, contact_email(s, d.contact_id), repo.stage_days(s, t)

        d, to, stage_days = await self.db(t, load)
        now = datetime.now(UTC)
        wid = followup_workflow_id("deal", t, deal_id)
        try:
            await self.client.start_workflow(
                DealWorkflow.run,
                deal_input(
                    t,
                    deal_id,
                    stage=d.stage,
                    title=d.title,
                    to_email=to,
                    last_activity_at=d.last_activity_at or d.created_at or now,
                    stage_entered_at=d.stage_entered_at or d.created_at or now,
                    follow_up_count=d.follow_up_count,
                    stage_days=stage_days,
                    settings=self.settings.followups,
                ),
                id=wid,
                task_queue=queues.AGENT,
                id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
            )
        except WorkflowAlreadyStartedError:
            raise ConflictException(f"deal {deal_id} is already being worked") from None
        return TrackDealView(workflow_id=wid)

    async def send(self, p: Principal, deal_id: str, signal: Any, arg: Any) -> Accepted:
        """One of the deal workflow's signals (404 no deal/workflow, 409 ended)."""
        await self.require(Deal, p.tenant_id, deal_id)
        await self.signal(followup_workflow_id("deal", p.tenant_id, deal_id), signal, arg)
        return Accepted()

    async def state(self, p: Principal, deal_id: str) -> DealStateView:
        t = p.tenant_id
        d = await self.require(Deal, t, deal_id)
        out = await self.workflow_state(followup_workflow_id("deal", t, deal_id), DealWorkflow.status)
        history = await self.db(t, lambda s: repo.stage_history(s, deal_id))
        return DealStateView(
            **out,
            deal=DealView.model_validate(d),
            stage_history=[
                StageHistoryItem(
                    {
                        "from": h.from_stage,
                        "to": h.to_stage,
                        "duration_s": h.duration_s,
                        "at": h.changed_at.isoformat(),
                    }
                )
                for h in history
            ],
        )

    async def stats(self, p: Principal) -> DealStats:
        c = await self.db(p.tenant_id, lambda s: repo.counts(s, p.tenant_id))
        return DealStats(
            open_by_stage=c.open_by_stage,
            by_status=c.by_status,
            stalled=c.stalled,
            high_priority=c.high_priority,
            avg_stage_seconds=c.avg_stage_seconds,
        )
