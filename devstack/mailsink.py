"""A real SMTP server for the local stack and the tests (aiosmtpd): every accepted message is
written to a Maildir, where the launcher and the tests read it.

``python -m devstack.mailsink --port 2525 --maildir DIR``. It accepts any recipient: it is the
local stand-in for the provider's SMTP relay, not an open relay (it binds to 127.0.0.1).
"""

from __future__ import annotations

import argparse
import asyncio
import mailbox
import os
import signal
from collections.abc import Callable
from email import message_from_bytes
from email.message import Message
from email.policy import default
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


class MaildirHandler:
    """Stores each message (with X-Envelope-To) in a Maildir; ``on_message`` runs before the 250."""

    def __init__(self, maildir: Path, on_message: Callable[[Message], None] | None = None) -> None:
        self.box = open_maildir(maildir)
        self.on_message = on_message

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        msg = message_from_bytes(envelope.content, policy=default)
        msg["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.box.add(msg)
        if self.on_message is not None:
            self.on_message(msg)
        return "250 Message accepted for delivery"


def open_maildir(maildir: Path) -> mailbox.Maildir:
    for sub in ("tmp", "new", "cur"):
        (maildir / sub).mkdir(parents=True, exist_ok=True)
    return mailbox.Maildir(maildir, create=False)


def read_maildir(maildir: Path) -> list[Message]:
    """Every message in the Maildir, oldest first (by delivery file name)."""
    box = open_maildir(maildir)
    return [message_from_bytes(box.get_bytes(k), policy=default) for k in sorted(box.keys())]


def start(port: int, maildir: Path, on_message: Callable[[Message], None] | None = None) -> Controller:
    controller = Controller(MaildirHandler(maildir, on_message), hostname="127.0.0.1", port=port)
    controller.start()
    return controller


async def main(port: int, maildir: Path) -> None:
    controller = start(port, maildir)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    if ready := os.environ.get("OMNIOPS_READY_FILE"):
        await asyncio.to_thread(Path(ready).write_text, str(os.getpid()))
    await stop.wait()
    controller.stop()


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--port", type=int, default=2525)
    p.add_argument("--maildir", type=Path, required=True)
    a = p.parse_args()
    asyncio.run(main(a.port, a.maildir))
