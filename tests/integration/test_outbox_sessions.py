"""The outbox's kept-alive SMTP sessions (activities/smtp_pool.py, issue 17) against a real SMTP
server (aiosmtpd): one session carries a thread's messages, a dropped one is replaced without a
second copy of any message."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from activities.email import Mailer
from core.settings import Settings, get_settings
from devstack.mailsink import MaildirHandler, read_maildir
from devstack.stack import Stack
from schema.agent import OutboxEmail
from schema.db import get_engine
from tests.integration.cycle_helpers import enable, one
from tests.integration.test_outbox import mailer, send


class Sessions(MaildirHandler):
    """Stores messages and notes the client address and port (one per SMTP session) of each."""

    def __init__(self, maildir: Path) -> None:
        super().__init__(maildir)
        self.peers: list[tuple[str, int]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.peers.append(session.peer)
        return await super().handle_DATA(server, session, envelope)


def serve(port: int, maildir: Path) -> tuple[Controller, Sessions]:
    handler = Sessions(maildir)
    c = Controller(handler, hostname="127.0.0.1", port=port)
    c.start()
    return c, handler


def test_one_session_carries_a_threads_messages(infra: Stack, tmp_path: Path, tenant: str) -> None:
    enable(tenant)
    port = 12800 + uuid.uuid4().int % 90
    c, seen = serve(port, tmp_path / "mail")
    try:
        kept = mailer(port, mode="limited_live", limited_live_cap_per_hour=100)
        assert [send(kept, tenant, f"a{i}@example.test").status for i in range(3)] == ["sent"] * 3
        base = get_settings()
        email = {
            **base.email.model_dump(),
            "smtp_port": port,
            "mode": "limited_live",
            "limited_live_cap_per_hour": 100,
        }
        workers = {**base.workers.model_dump(), "smtp_session_max_messages": 1}
        settings = Settings.model_validate({**base.model_dump(), "email": email, "workers": workers})
        single = Mailer(settings, get_engine())
        assert [send(single, tenant, f"b{i}@example.test").status for i in range(2)] == ["sent"] * 2
    finally:
        c.stop()
    assert len(set(seen.peers[:3])) == 1  # one kept session
    assert len(set(seen.peers[3:])) == 2  # a session per message
    assert len(read_maildir(tmp_path / "mail")) == 5


def test_a_dropped_session_is_replaced_and_the_message_sent_once(
    infra: Stack, tmp_path: Path, tenant: str
) -> None:
    enable(tenant)
    port = 12800 + uuid.uuid4().int % 90
    c, _ = serve(port, tmp_path / "first")
    m = mailer(port, mode="limited_live", limited_live_cap_per_hour=100)
    try:
        assert send(m, tenant, "a@example.test").status == "sent"
    finally:
        c.stop()  # the kept session dies with the server
    c, seen = serve(port, tmp_path / "second")
    try:
        key = uuid.uuid4().hex
        assert send(m, tenant, "b@example.test", key).status == "sent"
    finally:
        c.stop()
    assert len(read_maildir(tmp_path / "second")) == 1 and len(seen.peers) == 1
    assert one(OutboxEmail, tenant_id=tenant, idempotency_key=key).status == "sent"
