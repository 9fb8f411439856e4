"""The email outbox: exactly one message per idempotency key, over real SMTP (seed 004 P0.7.2).

``send_email`` (messaging queue, sync, thread pool):

1. Inserts the ``email_outbox`` row for the key (or finds it) and locks it ``FOR UPDATE``; a
   concurrent attempt for the same key waits on the lock. A row already in a final state is
   returned as is: a retry never sends again.
2. Decides by the send mode: the global email-disabled switch (settings or ``system_config``
   key ``email``), suppression (checked at send time), ``dry_run`` (log only), ``internal_only``
   (allowlist) and ``limited_live`` (per-tenant cap per hour).
3. Records the recipient's unsubscribe token hash (:mod:`activities.unsubscribe`), committed
   with ``sent``, so every message carries ``List-Unsubscribe`` and ``List-Unsubscribe-Post``.
   Sends over SMTP in two phases: MAIL, RCPT, DATA and the content, then it **commits status
   ``sent`` before the final ``.``** that makes the server accept the message. A crash before the
   commit leaves the server without a complete message (it discards it) and the row ``queued``;
   a crash after the server's 250 finds ``sent`` on retry. So a retry or a worker crash never
   produces a second message. The one-syscall window between the commit and the ``.`` can lose
   a message (at most once there), never duplicate it; a refused ``.`` reverts the row.
   Each worker thread keeps its SMTP session between messages (:mod:`activities.smtp_pool`).
4. Failures: connection errors and 4xx are retryable (the row stays ``queued``); 5xx is final
   (``failed``); a lost reply to the final ``.`` is ``unknown`` (not resent; an alert is raised).
   Each is recorded in ``email_provider_failures``.

The SQL is in :mod:`schema.repositories.outbox`, the SMTP session in
:mod:`activities.smtp_transport`; this module holds the order of the steps, which is the guarantee.
"""

from __future__ import annotations

import smtplib
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities import smtp_transport as smtp_io
from activities.citations import citation
from activities.smtp_pool import SmtpPool
from activities.smtp_transport import SmtpRefused
from activities.unsubscribe import UnsubscribeHeaders
from core.addresses import parse_address
from core.failures import Failure
from core.faults import failpoint
from core.logging import get_logger
from core.settings import Settings
from core.vault import VaultStore
from schema.db import tenant_transaction
from schema.repositories import outbox
from schema.tables import stable_id
from workflows.email import SendEmailInput, SendEmailResult

log = get_logger("activities.email")
FINAL = outbox.FINAL


def message_id_for(key: str, domain: str) -> str:
    """A stable Message-ID for an idempotency key: ``<sha256(key)[:32]@domain>``."""
    return f"<{stable_id(key)}@{domain}>"


def on_allowlist(address: str, allowlist: tuple[str, ...] | list[str]) -> bool:
    """True when ``address`` (one address, :func:`parse_address`) is listed, or its domain or a
    parent domain is (internal_only mode). Entries are read with the same parser (a domain entry
    as ``x@{entry}``), so an internationalized entry matches its punycode form."""
    parsed = parse_address(address)
    if parsed is None:
        return False
    addr, domain = parsed
    for entry in (e.strip().lstrip("@") for e in allowlist):
        listed = parse_address(entry if "@" in entry else f"x@{entry}")
        if listed is None:
            continue
        if "@" in entry and addr == listed[0]:
            return True
        if "@" not in entry and (domain == listed[1] or domain.endswith("." + listed[1])):
            return True
    return False


class Mailer:
    def __init__(self, settings: Settings, engine: Engine, vault: VaultStore | None = None) -> None:
        self._s = settings.email
        self._engine = engine
        self._vault = vault
        sender = parse_address(self._s.from_address)
        self._domain = sender[1] if sender else "omniops.localhost"
        self._unsubscribe = UnsubscribeHeaders(settings, self._domain, vault)
        self._smtp = SmtpPool(self._s, settings.workers, vault)

    # --- the activity ------------------------------------------------------------------------

    @activity.defn(name="send_email")
    def send_email(self, inp: SendEmailInput) -> SendEmailResult:
        """Send one email through the outbox; see the module docstring for the guarantees.

        Returns the outbox row's final status (sent, dry_run, blocked, failed, unknown).
        Raises a retryable ApplicationError for transient SMTP/network failures. With
        ``inp.cite``, the body first gets its citation (only a new row keeps it).
        """
        if inp.cite is not None:
            inp = inp.model_copy(update={"body": inp.body + citation(self._engine, inp.tenant_id, inp.cite)})
        with tenant_transaction(self._engine, inp.tenant_id) as s:
            outbox.insert_queued(s, inp, message_id_for(inp.idempotency_key, self._domain))
            s.commit()
        with tenant_transaction(self._engine, inp.tenant_id) as s:
            row = outbox.lock(s, inp.idempotency_key)
            if row.status in FINAL:
                s.rollback()
                return self._result(row)
            mode, verdict = self._decide(s, row)
            if verdict is not None:
                return self._finish(s, row, verdict[0], mode, verdict[1])
            if mode == "dry_run":
                log.info(
                    "dry_run: email logged, not sent", tenant_id=row.tenant_id, message_id=row.message_id
                )
                return self._finish(s, row, "dry_run", mode, "dry_run mode: logged only")
            return self._send(s, row, mode)

    # --- decisions ---------------------------------------------------------------------------

    def _decide(self, s: Session, row: Any) -> tuple[str, tuple[str, str] | None]:
        overrides = row.overrides or {}  # read with the row (outbox.lock)
        mode = overrides.get("email_mode") or self._s.mode
        if self._s.disabled or (row.email_switch or {}).get("disabled"):
            return mode, ("blocked", "email sending is disabled globally")
        if parse_address(row.to_email) is None:
            outbox.record_violation(s, row, "recipient", "the recipient is not exactly one valid address")
            return mode, ("blocked", "the recipient is not exactly one valid address")
        reason = row.suppressed
        if reason:
            return mode, ("blocked", f"recipient suppressed: {reason}")
        if mode == "internal_only":
            allow = tuple(overrides.get("email_allowlist") or ()) + tuple(self._s.allowlist)
            if not on_allowlist(row.to_email, allow):
                outbox.record_violation(
                    s, row, "send_mode", "internal_only: recipient is not on the allowlist"
                )
                return mode, ("blocked", "internal_only: recipient is not on the allowlist")
        if mode == "limited_live":
            cap = int(overrides.get("limited_live_cap_per_hour", self._s.limited_live_cap_per_hour))
            hour_start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
            if outbox.sent_since(s, row.tenant_id, hour_start) >= cap:
                reason = f"limited_live: cap of {cap} emails this hour reached"
                outbox.record_violation(s, row, "send_mode", reason)
                return mode, ("blocked", reason)
        return mode, None

    # --- SMTP, two phases --------------------------------------------------------------------

    def _send(self, s: Session, row: Any, mode: str) -> SendEmailResult:
        attempts = row.attempts + 1
        extra = self._unsubscribe.headers(s, row.tenant_id, row.to_email)  # RFC 8058, issue 13
        try:
            smtp, reused = self._smtp.acquire()  # this thread's kept session, or a new one
        except (OSError, smtplib.SMTPException) as e:
            s.rollback()
            self._failure(row.tenant_id, None, f"connect: {type(e).__name__}")
            raise ApplicationError(
                f"SMTP server unavailable: {type(e).__name__}", type=Failure.SMTP_UNAVAILABLE
            ) from None
        accepted = False
        try:
            try:
                content = smtp_io.message(self._s.from_address, self._domain, row, extra)
                try:
                    smtp_io.envelope(smtp, self._s.from_address, content, row.to_email)
                except (OSError, smtplib.SMTPServerDisconnected):
                    if not reused:
                        raise
                    smtp, reused = self._smtp.fresh(smtp), False  # a dropped kept session: once more
                    smtp_io.envelope(smtp, self._s.from_address, content, row.to_email)
            except SmtpRefused as e:
                s.rollback()
                self._failure(row.tenant_id, e.code, str(e))
                if e.code >= 500:
                    return self._finish_new(row, "failed", mode, f"refused by the server: {e}", attempts)
                raise ApplicationError(
                    f"SMTP server deferred: {e.code}", type=Failure.SMTP_DEFERRED
                ) from None
            except (OSError, smtplib.SMTPException) as e:
                s.rollback()
                self._failure(row.tenant_id, None, f"envelope: {type(e).__name__}")
                raise ApplicationError(
                    f"SMTP failure: {type(e).__name__}", type=Failure.SMTP_UNAVAILABLE
                ) from None
            # phase 2: record "sent" durably, then let the server accept the message
            outbox.set_status(
                s, row.id, status="sent", mode=mode, attempts=attempts, sent_at=datetime.now(UTC), detail=None
            )
            s.commit()
            try:
                smtp.send(b".\r\n")
                code, text = smtp.getreply()
            except (OSError, smtplib.SMTPException) as e:
                self._failure(row.tenant_id, None, f"final reply lost: {type(e).__name__}")
                return self._finish_new(
                    row, "unknown", mode, "the server's reply to the message was lost", attempts
                )
            if code != 250:
                self._failure(row.tenant_id, code, text.decode(errors="replace")[:200])
                if code >= 500:
                    return self._finish_new(row, "failed", mode, f"refused by the server: {code}", attempts)
                self._finish_new(row, "queued", mode, f"deferred by the server: {code}", attempts)
                raise ApplicationError(
                    f"SMTP server deferred the message: {code}", type=Failure.SMTP_DEFERRED
                )
            accepted = True
            failpoint("email.after_smtp_accept")
            log.info("email sent", tenant_id=row.tenant_id, message_id=row.message_id, mode=mode)
            return SendEmailResult(status="sent", message_id=row.message_id, mode=mode, attempts=attempts)
        finally:
            self._smtp.release(smtp, accepted)

    # --- bookkeeping -------------------------------------------------------------------------

    def _finish(self, s: Session, row: Any, status: str, mode: str, detail: str) -> SendEmailResult:
        outbox.set_status(s, row.id, status=status, mode=mode, detail=detail, attempts=row.attempts + 1)
        s.commit()
        return SendEmailResult(
            status=status, message_id=row.message_id, mode=mode, detail=detail, attempts=row.attempts + 1
        )

    def _finish_new(self, row: Any, status: str, mode: str, detail: str, attempts: int) -> SendEmailResult:
        with tenant_transaction(self._engine, row.tenant_id) as s:
            outbox.set_status(s, row.id, status=status, mode=mode, detail=detail)
            s.commit()
        return SendEmailResult(
            status=status, message_id=row.message_id, mode=mode, detail=detail, attempts=attempts
        )

    def _failure(self, tenant_id: str, code: int | None, error: str) -> None:
        with tenant_transaction(self._engine, tenant_id) as s:
            outbox.record_failure(s, tenant_id, code, error)
            s.commit()
        log.warning("email provider failure", tenant_id=tenant_id, code=code, error=error)

    @staticmethod
    def _result(row: Any) -> SendEmailResult:
        return SendEmailResult(
            status=row.status,
            message_id=row.message_id,
            mode=row.mode,
            detail=row.detail,
            attempts=row.attempts,
        )
