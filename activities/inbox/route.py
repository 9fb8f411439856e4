"""``route_messages`` (issue 13 Builds 3 and 5; seed 004 P0.2, P0.7.2): each new message of a
mailbox is understood (:class:`activities.inbox.understand.MailUnderstanding`) and its effects
applied, in one transaction per message, then marked routed (``routed_at``):

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
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from sqlalchemy import Engine
from temporalio import activity
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from activities.inbox.contacts import REPLY_CLASSES, sender_contact
from activities.inbox.optout import mailto_arrival
from activities.inbox.understand import MailUnderstanding
from activities.operations import permanent_db_errors
from core.logging import get_logger
from core.mail_store import MailBlobs
from core.settings import Settings
from core.unsubscribe import find_token
from core.vault import VaultStore
from schema.business import InboundMessage
from schema.db import tenant_transaction
from schema.repositories import inbound_routing, signals, suppression
from schema.repositories.unsubscribe import opt_out_by_token
from workflows.followups.models import QuoteReply
from workflows.ids import feedback_workflow_id, quote_workflow_id
from workflows.inbox.messages import RouteInput, RouteResult
from workflows.inbox.threading import Thread, referenced_ids, thread_of
from workflows.mail_models import MessageUnderstanding

log = get_logger("activities.inbox.route")


@dataclass
class Routed:
    kind: str
    suppressed: int = 0


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

    @activity.defn(name="route_messages")
    async def route_messages(self, inp: RouteInput) -> RouteResult:
        """Route up to ``inp.limit`` unrouted messages of the mailbox (see the module)."""
        rows = await asyncio.to_thread(self._unrouted, inp)
        kinds: Counter[str] = Counter()
        suppressed = answers = quote_replies = 0
        for row in rows:
            msg = await asyncio.to_thread(self._message, row)
            thread = await asyncio.to_thread(self._thread, row) if msg is not None else None
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
            done = await asyncio.to_thread(self._apply, row, msg, understood, thread)
            kinds[done.kind] += 1
            suppressed += done.suppressed
            activity.heartbeat(row.id)
        return RouteResult(
            routed=len(rows),
            kinds=dict(kinds),
            suppressed=suppressed,
            feedback_answers=answers,
            quote_replies=quote_replies,
            more=len(rows) == inp.limit,
        )

    # --- reads -------------------------------------------------------------------------------

    def _unrouted(self, inp: RouteInput) -> list[InboundMessage]:
        with permanent_db_errors(), tenant_transaction(self._engine, inp.tenant_id) as s:
            return inbound_routing.unrouted(s, inp.tenant_id, inp.connection_id, inp.limit)

    def _message(self, row: InboundMessage) -> EmailMessage | None:
        if row.status != "ingested" or not row.raw_blob_key:
            return None
        raw = self._blobs.get(row.tenant_id, row.raw_blob_key)
        msg = message_from_bytes(raw, policy=policy.default)
        return msg if isinstance(msg, EmailMessage) else None

    def _thread(self, row: InboundMessage) -> Thread | None:
        ids = referenced_ids(row.in_reply_to, row.reference_ids)
        with permanent_db_errors(), tenant_transaction(self._engine, row.tenant_id) as s:
            key = inbound_routing.thread_key(s, row.tenant_id, ids)
        return thread_of(row.tenant_id, key) if key else None

    # --- effects, one transaction per message ------------------------------------------------

    def _apply(
        self,
        row: InboundMessage,
        msg: EmailMessage | None,
        u: MessageUnderstanding | None,
        thread: Thread | None,
    ) -> Routed:
        t, now = row.tenant_id, datetime.now(UTC)
        with permanent_db_errors(), tenant_transaction(self._engine, t) as s:
            related: dict[str, Any] = dict(row.related or {})
            contact = sender_contact(s, row, msg, u, related)
            done = Routed(kind="other")
            if u is not None and msg is not None:
                c = u.classification
                related.update(
                    {
                        "class": c.kind,
                        "confidence": c.confidence,
                        "source": c.source,
                        "reason": c.reason[:300],
                    }
                )
                if thread is not None:
                    related["answering"] = {
                        "kind": thread.answering,
                        "key": thread.key,
                        "entity": thread.entity_id,
                    }
                done = self._effects(s, row, msg, u, thread, related, now)
                signals.record_signals(
                    s,
                    t,
                    row.id,
                    u.signals,
                    contact_id=contact.id if contact else None,
                    account_id=contact.client_id if contact else None,
                )
            inbound_routing.mark_routed(
                s,
                row.id,
                kind=done.kind,
                related=related,
                contact_id=contact.id if contact else None,
                now=now,
            )
            s.commit()
        return done

    def _effects(
        self,
        s: Any,
        row: InboundMessage,
        msg: EmailMessage,
        u: MessageUnderstanding,
        thread: Thread | None,
        related: dict[str, Any],
        now: datetime,
    ) -> Routed:
        t, c = row.tenant_id, u.classification
        if c.kind == "bounce":
            hard = c.bounce.hard_recipients if c.bounce else ()
            for addr in hard:
                suppression.suppress(s, t, addr, "bounce", row.message_id, now)
            if hard:
                related["recipient"] = hard[0]
            return Routed(kind="bounce" if hard else "other", suppressed=len(hard))
        if c.kind == "unsubscribe":
            arrival = mailto_arrival(msg)
            token = find_token(row.subject, row.body) or (arrival.token if arrival else None)
            owner = opt_out_by_token(s, token, "mailto", now) if token else None
            addr = owner.email if owner else row.from_email.strip().lower()
            if owner is None:
                suppression.suppress(s, t, addr, "opt_out", row.message_id, now)
            related["recipient"] = addr
            return Routed(kind="opt_out", suppressed=1)
        if c.kind == "auto_reply":
            return Routed(kind="auto_reply")
        return Routed(kind="reply" if c.kind in REPLY_CLASSES else "other")

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
