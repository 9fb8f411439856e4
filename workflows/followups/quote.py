"""A quote's life (seed 004 P1.5): draft → sent → viewed → accepted | rejected | expired.

Id ``quote-{tenant}-{quote}``. Sends the quote, then follows up every ``follow_up_every_s``
(3 days), at most ``max_follow_ups`` (4) times with escalating urgency; one interval after the
last follow-up without a decision the quote expires. Every email carries the tracked link
(``QuoteInput.view_url``) when the starter gives one; each follow-up quotes the tenant's bid
template about the quote when one matches (``cite``, issue 14 Build 6). Signals: ``viewed``
(also from the tracked link), ``accepted``, ``rejected(reason)``, ``replied(QuoteReply)`` (the
inbox routed a client's reply to one of the quote's emails, issue 13 Build 5: recorded once, and
no follow-up is sent after it; the quote still expires at the same time without a decision).
Each event is a ``quote_activities`` row.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.common import FollowUpState, email, tag, wake_at
    from workflows.followups import activities as acts
    from workflows.followups.cite import quote_cite
    from workflows.followups.models import QuoteDecision, QuoteEvent, QuoteInput, QuoteReply, QuoteResult
    from workflows.followups.rules import quote_follow_up, with_view_link

KIND = "quote"
REPLY_PATCH = "quote-records-replies"
"""Recording a ``replied`` signal (issue 13 Build 5); older histories never had one."""


@workflow.defn(name="Quote")
class QuoteWorkflow:
    def __init__(self) -> None:
        self._decision: QuoteDecision | None = None
        self._viewed = False
        self._view_recorded = False
        self._reply: QuoteReply | None = None
        self._reply_recorded = False
        self._state = FollowUpState(kind=KIND, status="draft")

    @workflow.signal(name="viewed")
    def viewed(self) -> None:
        self._viewed = True

    @workflow.signal(name="decide")
    def decide(self, decision: QuoteDecision) -> None:
        """``accepted`` or ``rejected`` (with a reason); the first decision counts."""
        if self._decision is None:
            self._decision = decision

    @workflow.signal(name="replied")
    def replied(self, reply: QuoteReply) -> None:
        """The client replied to a quote email; the first reply counts."""
        if self._reply is None:
            self._reply = reply

    @workflow.query(name="status")
    def status(self) -> FollowUpState:
        return self._state

    def _set(self, inp: QuoteInput, status: str, wait_s: float | None = None, n: int = 0) -> None:
        self._state = FollowUpState(
            kind=KIND,
            status=status,
            next_wake_at=wake_at(wait_s) if wait_s is not None else None,
            waiting_for="a decision or the next follow-up" if wait_s is not None else None,
            detail={"follow_ups": n},
        )
        tag(inp.tenant_id, KIND, status)

    async def _event(self, inp: QuoteInput, key: str, kind: str, **kw: object) -> None:
        ev = QuoteEvent(
            tenant_id=inp.tenant_id, quote_id=inp.quote_id, key=key, kind=kind, at=workflow.now(), **kw
        )
        await acts.record_quote_event(ev)

    async def _note_view(self, inp: QuoteInput, n: int, wait_s: float) -> None:
        if self._viewed and not self._view_recorded:
            self._view_recorded = True
            await self._event(inp, "viewed", "viewed", status="viewed")
            self._set(inp, "viewed", wait_s, n)

    async def _note_reply(self, inp: QuoteInput) -> None:
        r = self._reply
        if r is not None and not self._reply_recorded and workflow.patched(REPLY_PATCH):
            self._reply_recorded = True
            await self._event(inp, "replied", "replied", reason=f"{r.kind}:{r.inbound_message_id}")

    @workflow.run
    async def run(self, inp: QuoteInput) -> QuoteResult:
        key = f"{inp.tenant_id}:quote:{inp.quote_id}"
        amount = f" for ${inp.amount:,.2f}" if inp.amount else ""
        await email(
            inp.messaging_queue,
            inp.tenant_id,
            f"{key}:sent",
            inp.to_email,
            "Your quote",
            with_view_link(
                f"Hello, please find our quote{amount}. Reply to accept or ask us anything.", inp.view_url
            ),
        )
        await self._event(
            inp,
            "sent",
            "sent",
            status="sent",
            follow_up_count=0,
            next_follow_up_at=wake_at(inp.follow_up_every_s),
        )
        self._set(inp, "sent", inp.follow_up_every_s)
        n = slots = 0  # follow-ups sent; follow-up times passed (the same until a reply)
        next_at = wake_at(inp.follow_up_every_s)
        while True:
            remaining = (next_at - workflow.now()).total_seconds()
            try:
                if remaining <= 0:
                    raise TimeoutError
                await workflow.wait_condition(
                    lambda: (
                        self._decision is not None
                        or (self._viewed and not self._view_recorded)
                        or (self._reply is not None and not self._reply_recorded)
                    ),
                    timeout=remaining,
                )
            except TimeoutError:
                if slots >= inp.max_follow_ups:
                    break
                slots += 1
                if self._reply_recorded:  # the client answered: a person takes it from here
                    next_at = next_at + timedelta(seconds=inp.follow_up_every_s)
                    continue
                n += 1
                subject, body = quote_follow_up(n, inp.amount)
                body = with_view_link(body, inp.view_url)
                await email(
                    inp.messaging_queue,
                    inp.tenant_id,
                    f"{key}:follow-up:{n}",
                    inp.to_email,
                    subject,
                    body,
                    cite=quote_cite(inp.title),
                )
                next_at = next_at + timedelta(seconds=inp.follow_up_every_s)
                await self._event(
                    inp, f"follow_up:{n}", "follow_up", follow_up_count=n, next_follow_up_at=next_at
                )
                self._set(inp, self._state.status, (next_at - workflow.now()).total_seconds(), n)
                continue
            await self._note_view(inp, n, (next_at - workflow.now()).total_seconds())
            await self._note_reply(inp)
            if self._decision is not None:
                d = self._decision
                await self._event(inp, d.outcome, d.outcome, status=d.outcome, reason=d.reason)
                self._set(inp, d.outcome, None, n)
                return QuoteResult(status=d.outcome, follow_ups=n, reason=d.reason)
        await self._event(
            inp, "expired", "expired", status="expired", reason=f"no decision after {n} follow-ups"
        )
        self._set(inp, "expired", None, n)
        return QuoteResult(status="expired", follow_ups=n, reason=f"no decision after {n} follow-ups")
