"""One kept-alive SMTP session per worker thread (issue 17: a cycle's email no longer pays a TCP
connect, EHLO, STARTTLS, LOGIN with a Vault read and QUIT of its own).

A session is reused for at most ``workers.smtp_session_max_messages`` messages and while idle
less than ``workers.smtp_session_idle_s`` seconds (servers drop idle sessions). Only a session whose
last message the server accepted (250 to the final ``.``) is kept; any other outcome closes it.
A reused session that turns out dead before the message's content is sent is replaced once by a
fresh one (nothing reached the server: no duplicate is possible).
"""

from __future__ import annotations

import smtplib
import threading
import time
from dataclasses import dataclass

from activities import smtp_transport as smtp_io
from core.settings import EmailSettings
from core.vault import VaultStore
from core.worker_settings import WorkerSettings


@dataclass
class _Kept:
    smtp: smtplib.SMTP
    sent: int
    idle_since: float


class SmtpPool:
    """Per-thread SMTP sessions for :class:`activities.email.Mailer` (thread-safe by design:
    a session never leaves the thread that opened it)."""

    def __init__(self, cfg: EmailSettings, sizing: WorkerSettings, vault: VaultStore | None) -> None:
        self._cfg = cfg
        self._idle_s = sizing.smtp_session_idle_s
        self._max = sizing.smtp_session_max_messages
        self._vault = vault
        self._local = threading.local()

    def acquire(self) -> tuple[smtplib.SMTP, bool]:
        """This thread's kept session (``reused=True``) if still fresh, else a new one
        (:func:`activities.smtp_transport.connect`, whose errors propagate)."""
        kept: _Kept | None = getattr(self._local, "kept", None)
        self._local.kept = None
        if kept is not None:
            age = time.monotonic() - kept.idle_since
            if age < self._idle_s and kept.sent < self._max:
                self._local.count = kept.sent
                return kept.smtp, True
            smtp_io.close(kept.smtp)
        self._local.count = 0
        return smtp_io.connect(self._cfg, self._vault), False

    def fresh(self, dead: smtplib.SMTP) -> smtplib.SMTP:
        """Drop ``dead`` (a reused session that failed before any content) and open a new one."""
        dead.close()
        self._local.count = 0
        return smtp_io.connect(self._cfg, self._vault)

    def release(self, smtp: smtplib.SMTP, accepted: bool) -> None:
        """Keep ``smtp`` for this thread's next message when the server accepted the last one;
        otherwise close it (QUIT)."""
        if accepted and self._max > 1:
            sent = int(getattr(self._local, "count", 0)) + 1
            self._local.kept = _Kept(smtp, sent, time.monotonic())
        else:
            smtp_io.close(smtp)
