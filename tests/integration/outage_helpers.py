"""Freezing a dependency of the test stack (issue 17, Build 7): SIGSTOP its processes, SIGCONT
them after. A frozen server still completes TCP handshakes in the kernel, so clients see what a
hung server looks like: connections that open and never answer.

The LLM peer (tests/peers/messages_api.py) is a thread of the test process, so it cannot be
stopped by signal: :class:`HeldPeer` holds every request it receives until released instead,
which is the same thing on the wire.
"""

from __future__ import annotations

import os
import re
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from devstack.stack import Stack
from tests.peers.messages_api import MessagesPeer, error

FREEZE_S = float(os.environ.get("OMNIOPS_TEST_FREEZE_S", "60"))
"""How long a dependency stays frozen (the issue's 60 s; shorter only to debug locally)."""

ADDRESS = re.compile(r"127\.0\.0\.1|localhost|::1|HTTPConnectionPool|port[ =]\d+|:\d{4,5}\b", re.I)
"""What a tenant-visible text must never contain: an internal host or port."""


def _children(pid: int) -> list[int]:
    kids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            kids.append(int(stat.parent.name))
    return kids


def pids_of(stack: Stack, dependency: str) -> list[int]:
    """The processes of ``dependency`` (``postgres``: the postmaster and every backend)."""
    if dependency == "postgres":
        master = int((stack.c.data_dir / "pg" / "postmaster.pid").read_text().split()[0])
        return [master, *_children(master)]
    name = {"vault": "vault", "smtp": "mail"}[dependency]
    pid = stack.running(name)
    assert pid, f"{name} is not running"
    return [pid]


@contextmanager
def frozen(stack: Stack, dependency: str) -> Iterator[None]:
    """``dependency``'s processes stopped for the block, continued after whatever happens."""
    pids = pids_of(stack, dependency)
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        for pid in pids:
            os.kill(pid, signal.SIGCONT)


class HeldPeer:
    """The Messages-API peer with every request held until :meth:`release` (then answered 400,
    so the AI planner falls back to its rules); ``arrived`` is set by the first request."""

    def __init__(self, peer: MessagesPeer) -> None:
        self.arrived, self._go = threading.Event(), threading.Event()
        peer.reset(self._answer)

    def _answer(self, _: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        self.arrived.set()
        self._go.wait(FREEZE_S + 300)
        return error(400, "invalid_request_error", "held by the outage test")

    def release(self) -> None:
        self._go.set()


def leaks(*texts: str | None) -> list[str]:
    """The texts that name an internal host or port."""
    return [t for t in texts if t and ADDRESS.search(t)]
