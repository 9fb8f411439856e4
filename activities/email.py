"""The email outbox: exactly one message per idempotency key, over real SMTP (seed 004 P0.7.2).

``send_email`` (messaging queue, sync, thread pool):

1. Inserts the ``email_outbox`` row for the key (or finds it) and locks it ``FOR UPDATE``; a
   concurrent attempt for the same key waits on the lock. A row already in a final state is
   returned as is: a retry never sends again.
2. Decides by the send mode: the global email-disabled switch (settings or ``system_config``
   key ``email``), suppression (checked at send time), ``dry_run`` (log only), ``internal_only``
   (allowlist) and ``limited_live`` (per-tenant cap per hour).
3. Sends over SMTP in two phases: MAIL, RCPT, DATA and the content, then it **commits status
   ``sent`` before the final ``.``** that makes the server accept the message. A crash before the
   commit leaves the server without a complete message (it discards it) and the row ``queued``;
   a crash after the server's 250 finds ``sent`` on retry. So a retry or a worker crash never
   produces a second message. The one-syscall window between the commit and the ``.`` can lose
   a message (at most once there), never duplicate it; a refused ``.`` reverts the row.
4. Failures: connection errors and 4xx are retryable (the row stays ``queued``); 5xx is final
   (``failed``); a lost reply to the final ``.`` is ``unknown`` (not resent; an alert is raised).
   Each is recorded in ``email_provider_failures``.
"""

from __future__ import annotations

import re
import smtplib
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import formatdate
from typing import Any

from sqlalchemy import Connection, Engine, func, select, update
from sqlalchemy.dialects.postgresql import insert
from temporalio import activity
from temporalio.exceptions import ApplicationError

from core.failures import Failure
from core.faults import failpoint
from core.logging import get_logger
from core.settings import Settings
from core.vault import VaultStore
from schema.agent import EmailProviderFailure, EmailSuppression, OutboxEmail, PolicyViolation, SystemConfig
from schema.tables import Tenant, new_id, stable_id
from workflows.email import SendEmailInput, SendEmailResult

log = get_logger("activities.email")
FINAL = ("sent", "dry_run", "blocked", "failed", "unknown")
OUTBOX = OutboxEmail.__table__  # type: ignore[attr-defined]


def message_id_for(key: str, domain: str) -> str:
    """A stable Message-ID for an idempotency key: ``<sha256(key)[:32]@domain>``."""
    return f"<{stable_id(key)}@{domain}>"


def on_allowlist(address: str, allowlist: tuple[str, ...] | list[str]) -> bool:
    """True when ``address`` is listed, or its domain (or a parent domain) is (internal_only mode)."""
    addr = address.strip().lower()
    domain = addr.rpartition("@")[2]
    for entry in (e.strip().lower().lstrip("@") for e in allowlist):
        if "@" in entry and addr == entry:
            return True
        if "@" not in entry and (domain == entry or domain.endswith("." + entry)):
            return True
    return False


class SmtpRefused(Exception):
    def __init__(self, code: int, text: str) -> None:
        super().__init__(f"{code} {text}")
        self.code = code


class Mailer:
    def __init__(self, settings: Settings, engine: Engine, vault: VaultStore | None = None) -> None:
        self._s = settings.email
        self._engine = engine
        self._vault = vault
        self._domain = self._s.from_address.rpartition("@")[2] or "omniops.localhost"

    # --- the activity ------------------------------------------------------------------------

    @activity.defn(name="send_email")
    def send_email(self, inp: SendEmailInput) -> SendEmailResult:
        """Send one email through the outbox; see the module docstring for the guarantees.

        Returns the outbox row's final status (sent, dry_run, blocked, failed, unknown).
        Raises a retryable ApplicationError for transient SMTP/network failures.
        """
        message_id = message_id_for(inp.idempotency_key, self._domain)
        with self._engine.begin() as conn:
            conn.execute(
                insert(OUTBOX)
                .values(
                    id=stable_id(inp.idempotency_key),
                    tenant_id=inp.tenant_id,
                    idempotency_key=inp.idempotency_key,
                    run_id=inp.run_id,
                    to_email=inp.to_email.strip().lower(),
                    subject=inp.subject,
                    body=inp.body,
                    status="queued",
                    message_id=message_id,
                    attempts=0,
                    created_at=datetime.now(UTC),
                )
                .on_conflict_do_nothing(index_elements=["idempotency_key"])
            )
        with self._engine.connect() as conn:
            row = conn.execute(
                select(OUTBOX).where(OUTBOX.c.idempotency_key == inp.idempotency_key).with_for_update()
            ).one()
            if row.status in FINAL:
                conn.rollback()
                return self._result(row)
            mode, verdict = self._decide(conn, row)
            if verdict is not None:
                return self._finish(conn, row, verdict[0], mode, verdict[1])
            if mode == "dry_run":
                log.info(
                    "dry_run: email logged, not sent", tenant_id=row.tenant_id, message_id=row.message_id
                )
                return self._finish(conn, row, "dry_run", mode, "dry_run mode: logged only")
            return self._send(conn, row, mode)

    # --- decisions ---------------------------------------------------------------------------

    def _decide(self, conn: Connection, row: Any) -> tuple[str, tuple[str, str] | None]:
        tenant_settings = conn.execute(
            select(Tenant.agent_settings).where(Tenant.id == row.tenant_id)
        ).scalar()  # type: ignore[arg-type]
        overrides = tenant_settings or {}
        mode = overrides.get("email_mode") or self._s.mode
        db_email = conn.execute(select(SystemConfig.value).where(SystemConfig.key == "email")).scalar()  # type: ignore[arg-type]
        if self._s.disabled or (db_email or {}).get("disabled"):
            return mode, ("blocked", "email sending is disabled globally")
        reason = conn.execute(
            select(EmailSuppression.reason).where(  # type: ignore[arg-type]
                EmailSuppression.tenant_id == row.tenant_id, EmailSuppression.email == row.to_email
            )
        ).scalar()
        if reason:
            return mode, ("blocked", f"recipient suppressed: {reason}")
        if mode == "internal_only":
            allow = tuple(overrides.get("email_allowlist") or ()) + tuple(self._s.allowlist)
            if not on_allowlist(row.to_email, allow):
                self._violation(conn, row, "send_mode", "internal_only: recipient is not on the allowlist")
                return mode, ("blocked", "internal_only: recipient is not on the allowlist")
        if mode == "limited_live":
            cap = int(overrides.get("limited_live_cap_per_hour", self._s.limited_live_cap_per_hour))
            hour_start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
            sent = conn.execute(
                select(func.count())
                .select_from(OUTBOX)
                .where(
                    OUTBOX.c.tenant_id == row.tenant_id,
                    OUTBOX.c.status == "sent",
                    OUTBOX.c.sent_at >= hour_start,
                )
            ).scalar_one()
            if sent >= cap:
                self._violation(
                    conn, row, "send_mode", f"limited_live: cap of {cap} emails this hour reached"
                )
                return mode, ("blocked", f"limited_live: cap of {cap} emails this hour reached")
        return mode, None

    def _violation(self, conn: Connection, row: Any, rule: str, reason: str) -> None:
        conn.execute(
            insert(PolicyViolation.__table__)  # type: ignore[attr-defined]
            .values(
                id=stable_id(row.idempotency_key, rule),
                tenant_id=row.tenant_id,
                run_id=row.run_id,
                action_key=row.idempotency_key,
                action_type="send_email",
                action_data={"to_email": row.to_email, "subject": row.subject},
                rule=rule,
                reason=reason,
                blocked=True,
                created_at=datetime.now(UTC),
            )
            .on_conflict_do_nothing()
        )

    # --- SMTP, two phases --------------------------------------------------------------------

    def _send(self, conn: Connection, row: Any, mode: str) -> SendEmailResult:
        attempts = row.attempts + 1
        try:
            smtp = self._open(row)
        except (OSError, smtplib.SMTPException) as e:
            conn.rollback()
            self._failure(row.tenant_id, None, f"connect: {type(e).__name__}")
            raise ApplicationError(
                f"SMTP server unavailable: {type(e).__name__}", type=Failure.SMTP_UNAVAILABLE
            ) from None
        try:
            try:
                self._envelope(smtp, row)
            except SmtpRefused as e:
                conn.rollback()
                self._failure(row.tenant_id, e.code, str(e))
                if e.code >= 500:
                    return self._finish_new(row, "failed", mode, f"refused by the server: {e}", attempts)
                raise ApplicationError(
                    f"SMTP server deferred: {e.code}", type=Failure.SMTP_DEFERRED
                ) from None
            except (OSError, smtplib.SMTPException) as e:
                conn.rollback()
                self._failure(row.tenant_id, None, f"envelope: {type(e).__name__}")
                raise ApplicationError(
                    f"SMTP failure: {type(e).__name__}", type=Failure.SMTP_UNAVAILABLE
                ) from None
            # phase 2: record "sent" durably, then let the server accept the message
            conn.execute(
                update(OUTBOX)
                .where(OUTBOX.c.id == row.id)
                .values(status="sent", mode=mode, attempts=attempts, sent_at=datetime.now(UTC), detail=None)
            )
            conn.commit()
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
            failpoint("email.after_smtp_accept")
            log.info("email sent", tenant_id=row.tenant_id, message_id=row.message_id, mode=mode)
            return SendEmailResult(status="sent", message_id=row.message_id, mode=mode, attempts=attempts)
        finally:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()

    def _open(self, row: Any) -> smtplib.SMTP:
        smtp = smtplib.SMTP(self._s.smtp_host, self._s.smtp_port, timeout=self._s.timeout_s)
        smtp.ehlo()
        if self._s.smtp_starttls:
            smtp.starttls()
            smtp.ehlo()
        if self._s.smtp_username:
            secret = (self._vault.read("smtp") if self._vault else None) or {}
            if "password" not in secret:
                raise ApplicationError(
                    "SMTP username is set but Vault has no smtp password",
                    type=Failure.SMTP_CONFIG,
                    non_retryable=True,
                )
            smtp.login(self._s.smtp_username, secret["password"])
        return smtp

    def _envelope(self, smtp: smtplib.SMTP, row: Any) -> None:
        for cmd in (lambda: smtp.mail(self._s.from_address), lambda: smtp.rcpt(row.to_email)):
            code, text = cmd()
            if code not in (250, 251):
                raise SmtpRefused(code, text.decode(errors="replace")[:200])
        smtp.putcmd("data")
        code, text = smtp.getreply()
        if code != 354:
            raise SmtpRefused(code, text.decode(errors="replace")[:200])
        smtp.send(re.sub(rb"(?m)^\.", b"..", self._message(row)))

    def _message(self, row: Any) -> bytes:
        msg = EmailMessage(policy=SMTP_POLICY)
        msg["From"] = self._s.from_address
        msg["To"] = row.to_email
        msg["Subject"] = row.subject
        msg["Message-ID"] = row.message_id
        msg["Date"] = formatdate(localtime=False)
        msg["X-OmniOps-Tenant"] = row.tenant_id
        msg["List-Unsubscribe"] = f"<mailto:unsubscribe@{self._domain}?subject=unsubscribe>"
        msg.set_content(row.body)
        data = msg.as_bytes()
        return data if data.endswith(b"\r\n") else data + b"\r\n"

    # --- bookkeeping -------------------------------------------------------------------------

    def _finish(self, conn: Connection, row: Any, status: str, mode: str, detail: str) -> SendEmailResult:
        conn.execute(
            update(OUTBOX)
            .where(OUTBOX.c.id == row.id)
            .values(status=status, mode=mode, detail=detail, attempts=row.attempts + 1)
        )
        conn.commit()
        return SendEmailResult(
            status=status, message_id=row.message_id, mode=mode, detail=detail, attempts=row.attempts + 1
        )  # type: ignore[arg-type]

    def _finish_new(self, row: Any, status: str, mode: str, detail: str, attempts: int) -> SendEmailResult:
        with self._engine.begin() as conn:
            conn.execute(
                update(OUTBOX).where(OUTBOX.c.id == row.id).values(status=status, mode=mode, detail=detail)
            )
        return SendEmailResult(
            status=status, message_id=row.message_id, mode=mode, detail=detail, attempts=attempts
        )  # type: ignore[arg-type]

    def _failure(self, tenant_id: str, code: int | None, error: str) -> None:
        with self._engine.begin() as conn:
            conn.execute(
                insert(EmailProviderFailure.__table__).values(  # type: ignore[attr-defined]
                    id=new_id(),
                    tenant_id=tenant_id,
                    code=code,
                    error=error,
                    created_at=datetime.now(UTC),
                )
            )
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
