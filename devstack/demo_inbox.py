"""The demo tenant's mailbox for ``make run`` (issue 13): a Dovecot mailbox on the local stack,
connected through the API (the operator allowlists the local plaintext IMAP origin first), a
client's reply delivered into it over IMAP, and one sync run now; the launcher prints what came in.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from imapclient import IMAPClient

from devstack.config import ROOT, StackError
from devstack.stack import Stack

REPLY = ROOT / "tests" / "fixtures" / "mail" / "gmail_reply.eml"
"""A Gmail-style client reply with a quoted thread and a signature."""


Call = Callable[..., dict[str, Any]]


def demo_mailbox(
    stack: Stack, call: Call, admin: dict[str, str], operator: dict[str, str], tenant: str,
    out: Callable[[str], None], timeout_s: float = 60,
) -> None:  # fmt: skip
    """Connect ``tenant``'s mailbox, deliver the reply, sync now and print the connection."""
    stack.imap()
    user, password = f"{tenant}-inbox", stack._local_secret("demo-mailbox.password")
    stack.add_mailbox(user, password)
    with IMAPClient("127.0.0.1", port=stack.c.imap_port, ssl=False, timeout=30) as c:
        c.login(user, password)
        c.append("INBOX", REPLY.read_bytes())
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
        if view["status"] != "not_configured" and view["last_uid"] >= 1:
            where = f"{user}@127.0.0.1:{stack.c.imap_port}"
            out(f"mailbox {where}: {view['status']}, synced to UID {view['last_uid']}, every 5 minutes")
            return
        time.sleep(0.5)
    raise StackError(f"the demo mailbox did not sync within {timeout_s:.0f}s; see {stack.c.log_dir}")
