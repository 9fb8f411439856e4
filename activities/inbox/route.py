"""``route_messages`` (issue 13 Builds 3 and 5; seed 004 P0.2, P0.7.2): each new message of a
mailbox is understood (:class:`activities.inbox.understand.MailUnderstanding`, from the parsed
mail: :func:`activities.inbox.parse_page.parse_page`, the one MIME parse of a captured row)
and its effects applied, then marked routed (``routed_at``). Per page of ``limit`` messages: one
short transaction claims, parses and threads them (:func:`activities.inbox.parse_page.claim_page`),
the understanding (the LLM call, the follow-up signals) runs with no transaction open, and one
transaction applies the effects of the rows still this activity's; one activity routes up to
:data:`PAGES` pages:

- **threading**: ``In-Reply-To``/``References`` against our outbox's Message-IDs (derived from
  idempotency keys) says which email it answers (:mod:`workflows.inbox.threading`);
- **bounce**: each hard-failed recipient of an RFC 3464 report goes on the suppression list now;
- **unsubscribe**: the token of our mailto (``core.unsubscribe.find_token`` or the ``+token``
  address) opts out the address it was issued for; with no token, the sender asked for itself;
- **auto-reply**: kind ``auto_reply``, so React never counts it as engagement;
- **replies** (reply, client request, feedback answer, order update): kind ``reply``, linked to
  the sender's contact; React touches the 21-day clock, the planner sees explicit requests;
- **the sender's contact** (:mod:`activities.inbox.contacts`): found, or discovered at a known
  account's domain, and enriched from the signature (Build 7);
- **opportunity signals** are stored (seed strengths); **a feedback answer** to our feedback
  request becomes the feedback workflow's ``respond`` signal, **a reply to a quote email** the
  quote workflow's ``replied`` signal (it records the reply and stops chasing), both before the
  commit (both keep the first delivery, so a retry is safe).

Failed rows (malformed, oversized) are marked routed as ``other`` so they never block React.
Pages are claimed for a lease (``inbox.claim_lease_s``; migration 0027), so understanders run in
parallel without holding a transaction (issue 13 Build 2's capture/understanding split): a
parallel understander takes other rows, a retry takes its own page back, and a crashed one's rows
are free again when the lease runs out. None is routed twice: the effects transaction locks the
page's rows and keeps only those still claimed and unrouted (:func:`inbound_routing.still_claimed`).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine
from temporalio import activity
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from activities.inbox.contacts import REPLY_CLASSES
from activities.inbox.parse_page import ClaimedPage, claim_page
from activities.inbox.route_effects import Routed, Work, apply
from activities.inbox.understand import MailUnderstanding
from activities.operations import permanent_db_errors
from core.logging import get_logger
from core.mail_store import MailBlobs
from core.settings import Settings
from core.vault import VaultStore
from schema.business import InboundMessage
from schema.db import tenant_transaction
from schema.repositories import engagement, inbound_routing
from workflows.followups.models import QuoteReply
from workflows.ids import feedback_workflow_id, quote_workflow_id
from workflows.inbox.messages import RouteInput, RouteResult
from workflows.inbox.threading import Thread
from workflows.mail_models import MessageUnderstanding

log = get_logger("activities.inbox.route")
PAGES = 10
"""Pages of ``RouteInput.limit`` messages one activity routes (fewer activities per sync)."""


def feedback_answer(
    row: InboundMessage, u: MessageUnderstanding | None, thread: Thread | None
) -> tuple[str, str] | None:
    """(order id, the client's own words) when a real reply answers our feedback request."""
    if u is None or thread is None or thread.answering != "feedback_request" or not thread.entity_id:
        return None
    if u.classification.kind not in REPLY_CLASSES:
        return None
    return thread.entity_id, (u.reply_text or row.body)[:5000]


def quote_reply(u: MessageUnderstanding | None, thread: Thread | None) -> str | None:
    """The quote id when a real reply (not an auto-reply or bounce) answers one of our quote emails."""
    if u is None or thread is None or thread.answering != "quote" or not thread.entity_id:
        return None
    return thread.entity_id if u.classification.kind in REPLY_CLASSES else None


class RouteActivities:
    def __init__(self, settings: Settings, engine: Engine, vault: VaultStore, client: Client) -> None:
        self._engine, self._client = engine, client
        self._blobs = MailBlobs(settings, vault)
        self._understanding = MailUnderstanding(settings)
        self._lease_s = settings.inbox.claim_lease_s

    @activity.defn(name="route_messages")
    async def route_messages(self, inp: RouteInput) -> RouteResult:
        """Route up to :data:`PAGES` pages of ``inp.limit`` unrouted messages (see the module)."""
        out = RouteResult()
        for _ in range(PAGES):
            page = await self._page(inp)
            out = RouteResult(
                routed=out.routed + page.routed,
                kinds=dict(Counter(out.kinds) + Counter(page.kinds)),
                suppressed=out.suppressed + page.suppressed,
                feedback_answers=out.feedback_answers + page.feedback_answers,
                quote_replies=out.quote_replies + page.quote_replies,
                more=page.more,
                failed=out.failed + page.failed,
                attachments=out.attachments + page.attachments,
            )
            if not page.more:
                break
        return out

    async def _page(self, inp: RouteInput) -> RouteResult:
        """One page: claimed, parsed and threaded in one short transaction; understood and the
        follow-ups signalled with none open; the effects of the rows still ours applied in one
        more (see the module)."""
        info = activity.info()
        claimant = f"{info.workflow_run_id}/{info.activity_id}"
        page = await asyncio.to_thread(claim_page, self._engine, self._blobs, inp, claimant, self._lease_s)
        answers = quote_replies = 0
        work: list[Work] = []
        for row in page.rows:
            msg, thread = page.parsed.get(row.id), page.threads.get(row.id)
            understood = None
            if msg is not None:
                understood = await self._understanding.understand(
                    msg, answering=thread.answering if thread else None
                )
            answer = feedback_answer(row, understood, thread)
            t = row.tenant_id
            fid = feedback_workflow_id(t, answer[0]) if answer else ""
            if answer is not None and await self._signal(fid, "respond", answer[1]):
                answers += 1  # before the commit: ``respond`` keeps the first answer, a retry is safe
            quote = quote_reply(understood, thread)
            if quote is not None and understood is not None:
                reply = QuoteReply(inbound_message_id=row.id, kind=understood.classification.kind)
                quote_replies += await self._signal(quote_workflow_id(t, quote), "replied", reply)
            work.append(Work(row, msg, understood, thread))
            activity.heartbeat(row.id)  # each message may take an LLM call: the heartbeat shows progress
        done = await asyncio.to_thread(self._apply_page, inp.tenant_id, work, claimant)
        return _result(page, done, answers, quote_replies, inp.limit)

    # --- effects, one transaction per page ---------------------------------------------------

    def _apply_page(self, tenant_id: str, work: list[Work], claimant: str) -> list[Routed]:
        """The effects of the page's rows still ``claimant``'s and unrouted (locked), and their
        marks, in one transaction; the others were routed by whoever took them."""
        now = datetime.now(UTC)
        with tenant_transaction(self._engine, tenant_id) as s, permanent_db_errors():
            mine = inbound_routing.still_claimed(s, [w.row.id for w in work], claimant)
            work = [w for w in work if w.row.id in mine]
            known = engagement.contacts_by_email(s, tenant_id, {w.row.from_email for w in work})
            applied = [apply(s, w.row, w.msg, w.understood, w.thread, now, known) for w in work]
            inbound_routing.mark_routed(s, [mark for _, mark in applied], now)
            s.commit()
        return [done for done, _ in applied]

    async def _signal(self, workflow_id: str, name: str, arg: Any) -> bool:
        """Signal the follow-up workflow ``workflow_id``; False when it is not running any more."""
        handle = self._client.get_workflow_handle(workflow_id)
        try:
            await handle.signal(name, arg)
        except RPCError as e:
            if e.status == RPCStatusCode.NOT_FOUND:
                log.info("reply for a finished follow-up", signal=name)
                return False
            raise
        return True


def _result(
    page: ClaimedPage, done: list[Routed], answers: int, quote_replies: int, limit: int
) -> RouteResult:
    """A page's counts: ``routed`` those whose effects this activity applied; ``failed`` the rows
    its parse found malformed or missing; ``more`` when the page was full."""
    rows = page.rows
    return RouteResult(
        routed=len(done),
        kinds=dict(Counter(d.kind for d in done)),
        suppressed=sum(d.suppressed for d in done),
        feedback_answers=answers,
        quote_replies=quote_replies,
        more=len(rows) == limit,
        failed=sum(1 for r in rows if r.id in page.received and r.status == "failed"),
        attachments=sum(1 for r in rows if r.attachments_pending),
    )
