"""The understanding stage's claims (issue 13 Build 2, race-safe processing, seed 004 P0.6;
migration 0027) on the real stack: a page is claimed for a lease in one short transaction, so no
transaction stays open across the LLM call; parallel understanders take other rows, a retry
takes its own page back, a crashed one's rows are free when the lease runs out, and the effects
transaction keeps only the rows still the claimant's."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import create_engine, make_url, text, update
from sqlalchemy.pool import NullPool
from sqlmodel import col

from core.settings import get_settings
from devstack.stack import Stack
from schema.business import InboundMessage
from schema.db import get_engine, owner_transaction, tenant_transaction
from schema.inbox import MailboxConnection
from schema.repositories import inbound_routing
from schema.repositories.tenants import ensure_tenant
from tests.integration.mail_helpers import connect_mailbox, deliver, eml, mailbox, sync, tenant_id
from tests.integration.mail_helpers import rows as inbound
from tests.peers.messages_api import MessagesPeer, error

pytestmark = pytest.mark.stack

LEASE_S = 600.0


def _seed(tenant: str, n: int) -> tuple[str, list[str]]:
    """A mailbox connection of ``tenant`` (never synced) and ``n`` unrouted messages of it."""
    with owner_transaction() as s:
        ensure_tenant(s, tenant)
        box = MailboxConnection(
            tenant_id=tenant, host="imap.example.test", port=993, tls="ssl", username="u",
            auth_kind="password", vault_path="unused", fingerprint="unused",
        )  # fmt: skip
        s.add(box)
        s.flush()
        connection = box.id
        msgs = [
            InboundMessage(
                tenant_id=tenant,
                message_id=f"<{uuid.uuid4().hex}@x.test>",
                from_email="a@x.test",
                connection_id=connection,
                uid=uid,
                status="ingested",
            )  # fmt: skip
            for uid in range(1, n + 1)
        ]
        s.add_all(msgs)
        s.commit()
        return connection, [m.id for m in msgs]


def _claim(tenant: str, connection: str, claimant: str, limit: int = 10) -> list[str]:
    with tenant_transaction(get_engine(), tenant) as s:
        return [r.id for r in inbound_routing.claim_unrouted(s, tenant, connection, limit, claimant, LEASE_S)]


def _mine(tenant: str, ids: list[str], claimant: str) -> set[str]:
    with tenant_transaction(get_engine(), tenant) as s:
        return inbound_routing.still_claimed(s, ids, claimant)


def test_claims_hold_for_their_lease_a_retry_takes_its_own_back_and_a_lapsed_one_is_taken(
    infra: Stack,
) -> None:
    t = tenant_id()
    conn, (one, two, three) = _seed(t, 3)
    assert _claim(t, conn, "run-a/1", limit=2) == [one, two]
    assert _claim(t, conn, "run-b/1") == [three]  # a parallel understander: the other rows
    assert _claim(t, conn, "run-c/1") == []  # nothing free while both leases hold
    assert _claim(t, conn, "run-a/1") == [one, two]  # a's retry: its own page back at once
    lapsed = text("now() - interval '1 second'")
    with owner_transaction() as s:  # b crashed: its lease runs out
        s.execute(update(InboundMessage).where(col(InboundMessage.id) == three).values(claimed_until=lapsed))
        s.commit()
    assert _claim(t, conn, "run-c/1") == [three]
    assert _mine(t, [one, two, three], "run-b/1") == set()  # b's late effects apply to nothing
    assert _mine(t, [one, two, three], "run-a/1") == {one, two}
    assert _claim("m-" + uuid.uuid4().hex[:10], conn, "run-a/1") == []  # another tenant sees none


OPEN_ON_INBOX = text(
    "SELECT count(*) FROM pg_stat_activity WHERE state LIKE 'idle in transaction%' "
    "AND (query ILIKE '%inbound_messages%' OR query ILIKE '%email_outbox%')"
)


async def test_no_transaction_is_open_while_the_llm_classifies(
    inbox_api: Any, agent_stack: Stack, peer: MessagesPeer
) -> None:
    """While the classifier's LLM call is in flight, no database session of the stack sits idle in
    a transaction over the inbox's tables (before migration 0027 the page's claim did)."""
    seen: list[int] = []
    # the stack's superuser (initdb -U postgres, trust): other roles' session states are hidden
    # from the owner role in pg_stat_activity
    url = make_url(get_settings().database.migration_url).set(username="postgres", password=None)
    superuser = create_engine(url, poolclass=NullPool)

    def count_open_transactions(_: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with superuser.connect() as c:
            seen.append(int(c.execute(OPEN_ON_INBOX).scalar_one()))
        return error(400, "invalid_request_error", "classified by rules in this test")

    peer.handler = count_open_transactions
    t = tenant_id()
    with owner_transaction() as s:
        ensure_tenant(s, t)
        s.commit()
    user, password = mailbox(agent_stack, t)
    deliver(agent_stack, user, password, [eml("gmail_reply.eml")])
    conn = await connect_mailbox(inbox_api, agent_stack, t, user, password)
    assert (await sync(t, conn["id"])).inserted == 1
    [row] = inbound(t)
    assert row.routed_at is not None and row.kind == "reply"
    superuser.dispose()
    assert seen and seen == [0] * len(seen), seen  # the LLM was asked, with no transaction open
