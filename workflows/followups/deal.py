"""Work a deal to close (seed 004 P1.4), one durable workflow per open deal.

Id ``deal-{tenant}-{deal}``. It sleeps until ``last_activity + stalled_after`` for the deal's
stage (``deal_stage_config``, with our defaults). Then the deal is **stalled** and a follow-up
email goes out every ``follow_up_every`` for the stage; after ``escalate_after`` (3) follow-ups
the priority is ``high``. Signals:
- ``record_activity``: clears stalled and restarts the clock (seed ``recordDealActivity``);
- ``change_stage``: a ``deal_stage_history`` row with the time spent in the old stage;
- ``client_request``: a human task only when the client explicitly asked (policy engine);
- ``close``: won or lost, which ends it.
Only emails are autonomous. It continues as new every 100 events of its own.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.common import FollowUpState, email, tag
    from workflows.cycle.policy import is_explicit_request
    from workflows.followups import activities as acts
    from workflows.followups.models import (
        ClientRequestSignal,
        DealActivity,
        DealClose,
        DealInput,
        DealResult,
        DealUpdate,
        StageChange,
        StageRule,
    )
    from workflows.followups.rules import FALLBACK_STAGE_DAYS, deal_follow_up

KIND = "deal"
CONTINUE_AFTER = 100


@workflow.defn(name="Deal")
class DealWorkflow:
    def __init__(self) -> None:
        self._signals: list[tuple[str, object]] = []
        self._state = FollowUpState(kind=KIND, status="open")

    @workflow.signal(name="record_activity")
    def record_activity(self, a: DealActivity) -> None:
        self._signals.append(("activity", a))

    @workflow.signal(name="change_stage")
    def change_stage(self, c: StageChange) -> None:
        self._signals.append(("stage", c))

    @workflow.signal(name="client_request")
    def client_request(self, r: ClientRequestSignal) -> None:
        self._signals.append(("request", r))

    @workflow.signal(name="close")
    def close(self, c: DealClose) -> None:
        self._signals.append(("close", c))

    @workflow.query(name="status")
    def status(self) -> FollowUpState:
        return self._state

    @staticmethod
    def _rule(inp: DealInput, stage: str) -> StageRule:
        if stage in inp.rules:
            return inp.rules[stage]
        stalled, every = FALLBACK_STAGE_DAYS
        return StageRule(stalled_after_s=stalled * 86_400, follow_up_every_s=every * 86_400)

    async def _update(self, inp: DealInput, key: str, **kw: object) -> None:
        await acts.record_deal(
            DealUpdate(tenant_id=inp.tenant_id, deal_id=inp.deal_id, at=workflow.now(), key=key, **kw)
        )

    @workflow.run
    async def run(self, inp: DealInput) -> DealResult:
        stage, entered, last = inp.stage, inp.stage_entered_at, inp.last_activity_at
        stalled, count, total, next_at = (
            inp.stalled,
            inp.follow_up_count,
            inp.sent_total,
            inp.next_follow_up_at,
        )
        base = f"{inp.tenant_id}:deal:{inp.deal_id}"
        loops = 0
        while True:
            rule = self._rule(inp, stage)
            deadline: datetime = (
                (next_at or workflow.now()) if stalled else last + timedelta(seconds=rule.stalled_after_s)
            )
            wait = (deadline - workflow.now()).total_seconds()
            self._state = FollowUpState(
                kind=KIND,
                status="stalled" if stalled else "open",
                next_wake_at=deadline,
                waiting_for="activity, or the next follow-up" if stalled else "activity before it stalls",
                detail={"stage": stage, "follow_ups": count},
            )
            tag(inp.tenant_id, KIND, self._state.status)
            timed_out = False
            if wait > 0:
                try:
                    await workflow.wait_condition(lambda: bool(self._signals), timeout=wait)
                except TimeoutError:
                    timed_out = True
            else:
                timed_out = not self._signals
            while self._signals:
                kind, payload = self._signals.pop(0)
                now = workflow.now()
                if isinstance(payload, DealClose):
                    status = payload.outcome
                    await self._update(inp, f"{base}:close", status=status, stalled=False)
                    self._state = FollowUpState(kind=KIND, status=status, detail={"stage": stage})
                    tag(inp.tenant_id, KIND, status)
                    return DealResult(status=status, follow_ups=total)
                if isinstance(payload, StageChange) and payload.stage != stage:
                    duration = int((now - entered).total_seconds())
                    await self._update(
                        inp,
                        f"{base}:stage:{total}:{loops}:{payload.stage}",
                        from_stage=stage,
                        stage=payload.stage,
                        stage_duration_s=duration,
                        stalled=False,
                        last_activity_at=now,
                        follow_up_count=0,
                        priority="normal",
                    )
                    stage, entered, last, stalled, count, next_at = payload.stage, now, now, False, 0, None
                elif isinstance(payload, DealActivity):
                    await self._update(
                        inp,
                        f"{base}:activity",
                        stalled=False,
                        last_activity_at=now,
                        follow_up_count=0,
                        priority="normal",
                    )
                    last, stalled, count, next_at = now, False, 0, None
                elif isinstance(payload, ClientRequestSignal) and is_explicit_request(payload.text):
                    await self._update(
                        inp,
                        f"{base}:request:{payload.message_id}",
                        task_title=f"Client asked: {payload.text[:200]}",
                    )
            if timed_out and not self._signals:
                if not stalled:
                    stalled = True
                    await self._update(inp, f"{base}:stalled:{total}", stalled=True)
                count, total = count + 1, total + 1
                subject, body, priority = deal_follow_up(count, inp.title, inp.escalate_after)
                if inp.to_email:
                    await email(
                        inp.messaging_queue,
                        inp.tenant_id,
                        f"{base}:follow-up:{total}",
                        inp.to_email,
                        subject,
                        body,
                    )
                next_at = workflow.now() + timedelta(seconds=rule.follow_up_every_s)
                await self._update(
                    inp,
                    f"{base}:follow-up:{total}",
                    follow_up_count=count,
                    next_follow_up_at=next_at,
                    priority=priority,
                )
            loops += 1
            if loops >= CONTINUE_AFTER and not self._signals:
                workflow.continue_as_new(
                    inp.model_copy(
                        update={
                            "stage": stage,
                            "stage_entered_at": entered,
                            "last_activity_at": last,
                            "stalled": stalled,
                            "follow_up_count": count,
                            "sent_total": total,
                            "next_follow_up_at": next_at,
                        }
                    )
                )
