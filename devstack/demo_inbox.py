"""The demo tenant's mailbox for ``make run`` (issue 13): a Dovecot mailbox on the local stack,
connected through the API (the operator allowlists the local plaintext IMAP origin first), a
client's reply delivered into it over IMAP (a fresh Message-ID each run, so a reused stack does
not dedupe it away), and one sync run now. It returns once that reply is captured AND understood
(routed: the sync's understanding stage runs after the capture's checkpoint), so the cycle that
follows sees it in React; the launcher prints what came in.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from imapclient import IMAPClient
from sqlalchemy import Engine, select

from devstack.config import ROOT, StackError
from devstack.stack import Stack

REPLY = ROOT / "tests" / "fixtures" / "mail" / "gmail_reply.eml"
"""A Gmail-style client reply with a quoted thread and a signature."""


Call = Callable[..., dict[str, Any]]
_MESSAGE_ID = re.compile(rb"(?im)^message-id:[^\r\n]*")


def _reply() -> tuple[bytes, str]:
    """The fixture with a Message-ID of this run; (raw, message id)."""
    mid = f"<demo-{uuid.uuid4().hex}@mail.gmail.com>"
    return _MESSAGE_ID.sub(f"Message-ID: {mid}".encode(), REPLY.read_bytes(), count=1), mid


def _routed_kind(engine: Engine, tenant: str, message_id: str) -> str | None:
    """The reply's class once routing marked it, else None."""
    from schema.db import tenant_transaction
    from schema.inbox import InboundMessage as M

    q = select(M.kind).where(M.tenant_id == tenant, M.message_id == message_id, M.routed_at.isnot(None))  # type: ignore[union-attr]
    with tenant_transaction(engine, tenant) as s:
        return s.execute(q).scalar_one_or_none()


def demo_mailbox(
    stack: Stack, call: Call, admin: dict[str, str], operator: dict[str, str], tenant: str,
    out: Callable[[str], None], engine: Engine, timeout_s: float = 120,
) -> None:  # fmt: skip
    """Connect ``tenant``'s mailbox, deliver the reply, sync now, wait until the reply is routed
    (``engine``: the app role's, read under the tenant's RLS) and print the connection."""
    stack.imap()
    user, password = f"{tenant}-inbox", stack._local_secret("demo-mailbox.password")
    stack.add_mailbox(user, password)
    with IMAPClient("127.0.0.1", port=stack.c.imap_port, ssl=False, timeout=30) as c:
        c.login(user, password)
        raw, mid = _reply()
        c.append("INBOX", raw)
    origin = f"http://127.0.0.1:{stack.c.imap_port}"
    call("POST", "/api/admin/site-allowlist", operator, json={"tenant_id": tenant, "origin": origin,
         "reason": "the local dev stack's Dovecot"})  # fmt: skip
    body = {
        "host": "127.0.0.1",
        "port": stack.c.imap_port,
        "tls": "none",
        "username": user,
        "password": password,
    }
    conn = call("POST", "/api/inbox/connections", admin, json=body)
    call("POST", f"/api/inbox/connections/{conn['id']}/sync", admin)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        view = next(c for c in call("GET", "/api/inbox/connections", admin) if c["id"] == conn["id"])
        if view["status"] not in ("not_configured", "connected"):
            break  # a refused login: the sync will not bring the reply in
        if view["status"] == "connected" and (kind := _routed_kind(engine, tenant, mid)) is not None:
            where = f"{user}@127.0.0.1:{stack.c.imap_port}"
            out(f"mailbox {where}: {view['status']}, synced to UID {view['last_uid']}, every 5 minutes")
            out(f"  client reply {mid}: understood as {kind}")
            return
        time.sleep(0.5)
    raise StackError(
        f"the demo mailbox's reply was not synced and routed within {timeout_s:.0f}s "
        f"(status {view['status']}); see {stack.c.log_dir}"
    )
