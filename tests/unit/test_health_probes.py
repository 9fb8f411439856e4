"""Health probes answer within their timeout, also for a server that accepts and never speaks
(a frozen one: the kernel completes the handshake) (issue 17, Build 7; core/health_probes.py)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from core import health_probes as probe


@pytest.fixture
def mute_server() -> Iterator[int]:
    """A listening socket nobody answers on: what a SIGSTOPped server looks like."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(8)
        yield s.getsockname()[1]


@pytest.fixture
def greeting_server() -> Iterator[int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(8)

        def serve() -> None:
            conn, _ = s.accept()
            with conn:
                conn.sendall(b"220 mail.test ESMTP\r\n")

        threading.Thread(target=serve, daemon=True).start()
        yield s.getsockname()[1]


async def test_a_frozen_smtp_server_is_down_within_the_timeout(mute_server: int) -> None:
    began = time.monotonic()
    assert await probe.smtp("127.0.0.1", mute_server, 0.3) == "down"
    assert time.monotonic() - began < 5  # 2 shared cores under load: loose bound


async def test_a_greeting_server_is_ok(greeting_server: int) -> None:
    assert await probe.smtp("127.0.0.1", greeting_server, 1.0) == "ok"


async def test_a_frozen_http_peer_is_down_and_nothing_is_not_configured(mute_server: int) -> None:
    began = time.monotonic()
    assert await probe.vault(f"http://127.0.0.1:{mute_server}", 0.3) == "down"
    assert await probe.llm(f"http://127.0.0.1:{mute_server}", True, 0.3) == "down"
    assert time.monotonic() - began < 5  # 2 shared cores under load: loose bound
    assert await probe.llm(None, False, 0.3) == "not_configured"
    assert await probe.imap(None, None, 0.3) == "not_configured"


async def test_a_probe_that_raises_is_down() -> None:
    async def boom() -> bool:
        raise RuntimeError("refused at 10.0.0.1:5432")

    assert await probe.bounded(boom, 1.0) == "down"
