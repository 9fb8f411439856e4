"""Helpers of the mailbox ingestion tests (issue 13): a tenant's mailbox on the stack's Dovecot,
mail delivered over IMAP APPEND (as a client or an MTA hand-off would put it there), a connection
made through the API (the local Dovecot's plaintext origin allowlisted by an operator first), and
a ``MailboxSync`` run on the real agent worker."""

from __future__ import annotations

import secrets
import uuid
from pathlib import Path
from typing import Any

from imapclient import IMAPClient
from sqlmodel import col, select

from core import queues
from core.temporal import connect as temporal
from devstack.stack import Stack
from schema.business import InboundMessage
from schema.db import owner_transaction
from schema.inbox import MailboxConnection
from tests.integration.helpers import allow_site, headers
from workflows import ids
from workflows.inbox.messages import MailboxSyncInput, MailboxSyncResult
from workflows.inbox.workflow import MailboxSyncWorkflow

MAIL = Path(__file__).resolve().parents[1] / "fixtures" / "mail"
FIXTURES = (
    "gmail_reply.eml",
    "invoice_pdf.eml",
    "latin1_windows1252.eml",
    "postfix_dsn.eml",
    "exchange_ooo.eml",
)


def eml(name: str) -> bytes:
    return (MAIL / name).read_bytes()


def mailbox(stack: Stack, tenant: str) -> tuple[str, str]:
    """A new mailbox for ``tenant`` on the stack's Dovecot; (user, password)."""
    stack.imap()
    user, password = f"{tenant}-inbox", secrets.token_urlsafe(18)
    stack.add_mailbox(user, password)
    return user, password


def deliver(stack: Stack, user: str, password: str, messages: list[bytes]) -> None:
    """APPEND each message to the user's INBOX, in order (UIDs ascend)."""
    with IMAPClient("127.0.0.1", port=stack.c.imap_port, ssl=False, timeout=60) as c:
        c.login(user, password)
        for raw in messages:
            c.append("INBOX", raw)


def plain(n: int, tag: str, size: int = 0) -> bytes:
    """A small well-formed message ``<{tag}-{n}@mail.example>``; ``size`` pads the body (bytes)."""
    body = "Line of text for the padding of this message, 76 characters wide, no more.\r\n"
    pad = body * (size // len(body) + 1) if size else "Hello, just checking in.\r\n"
    return (
        f"From: Sender {n} <sender{n}@{tag}.example>\r\nTo: sales@example.test\r\n"
        f"Subject: message {n}\r\nDate: Tue, 10 Nov 2026 12:00:{n % 60:02d} +0000\r\n"
        f"Message-ID: <{tag}-{n}@mail.example>\r\nMIME-Version: 1.0\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\n{pad}"
    ).encode()


async def connect_mailbox(api: Any, stack: Stack, tenant: str, user: str, password: str) -> dict[str, Any]:
    """Allowlist the local Dovecot's origin for ``tenant`` (plaintext IMAP), then POST the connection."""
    await allow_site(api, tenant, f"http://127.0.0.1:{stack.c.imap_port}")
    body = {
        "host": "127.0.0.1",
        "port": stack.c.imap_port,
        "tls": "none",
        "username": user,
        "password": password,
    }
    r = await api.post("/api/inbox/connections", headers=headers(tenant), json=body)
    assert r.status_code == 201, r.text
    return dict(r.json())


async def start_sync(tenant: str, connection_id: str, batch_size: int = 100) -> Any:
    client = await temporal(scoping=ids)
    return await client.start_workflow(
        MailboxSyncWorkflow.run,
        MailboxSyncInput(tenant_id=tenant, connection_id=connection_id, batch_size=batch_size),
        id=ids.mailsync_workflow_id(tenant, connection_id),
        task_queue=queues.AGENT,
    )


async def sync(tenant: str, connection_id: str, batch_size: int = 100) -> MailboxSyncResult:
    """One ``MailboxSync`` run on the agent worker (as the schedule starts it), to its end."""
    handle = await start_sync(tenant, connection_id, batch_size)
    result: MailboxSyncResult = await handle.result()
    return result


def rows(tenant: str) -> list[InboundMessage]:
    with owner_transaction() as s:
        q = select(InboundMessage).where(col(InboundMessage.tenant_id) == tenant)
        return list(s.exec(q.order_by(col(InboundMessage.uid))))


def connection(tenant: str, connection_id: str) -> MailboxConnection:
    with owner_transaction() as s:
        row = s.get(MailboxConnection, connection_id)
        assert row is not None and row.tenant_id == tenant
        return row


def tenant_id() -> str:
    return f"m-{uuid.uuid4().hex[:10]}"
