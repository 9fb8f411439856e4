"""The email outbox against a real SMTP server (aiosmtpd) and Postgres, activity by activity."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from activities.email import Mailer, message_id_for
from core.settings import Settings, get_settings
from devstack.mailsink import read_maildir, start
from devstack.stack import Stack
from schema.agent import EmailProviderFailure, EmailSuppression, OutboxEmail
from schema.db import get_engine, owner_transaction
from schema.platform import SystemConfig
from tests.clock import clear_of_the_hour_turn
from tests.integration.cycle_helpers import add, enable, one, rows
from workflows.email import SendEmailInput


class Refusing:
    """An SMTP server that refuses every message at the end of DATA."""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        return "554 5.7.1 Message rejected"


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    port = 12900 + uuid.uuid4().int % 90
    c = start(port, tmp_path / "mail")
    yield port, tmp_path / "mail"
    c.stop()


def mailer(port: int, **email: Any) -> Mailer:
    base = get_settings()
    settings = Settings.model_validate(
        {**base.model_dump(), "email": {**base.email.model_dump(), "smtp_port": port, **email}}
    )
    return Mailer(settings, get_engine())


def send(m: Mailer, tenant: str, to: str, key: str | None = None) -> Any:
    return m.send_email(
        SendEmailInput(
            tenant_id=tenant, idempotency_key=key or uuid.uuid4().hex, to_email=to, subject="Hi", body="Hello"
        )
    )


def test_a_retried_send_returns_the_first_result_without_sending_again(
    infra: Stack, smtp: tuple[int, Path], tenant: str
) -> None:
    port, maildir = smtp
    enable(tenant)
    m = mailer(port, mode="limited_live")
    first = send(m, tenant, "a@example.test", key=f"{tenant}:k1")
    again = send(m, tenant, "a@example.test", key=f"{tenant}:k1")
    assert first.status == again.status == "sent" and again.attempts == 1
    [msg] = read_maildir(maildir)
    assert msg["Message-ID"] == message_id_for(f"{tenant}:k1", "omniops.localhost") == first.message_id


def test_suppression_is_checked_at_send_time(infra: Stack, smtp: tuple[int, Path], tenant: str) -> None:
    port, maildir = smtp
    enable(tenant)
    add(EmailSuppression(tenant_id=tenant, email="gone@example.test", reason="bounce"))
    r = send(mailer(port, mode="limited_live"), tenant, "Gone@Example.test")
    assert (r.status, r.detail) == ("blocked", "recipient suppressed: bounce")
    assert read_maildir(maildir) == []


def test_dry_run_logs_only_and_the_global_switch_stops_everything(
    infra: Stack, smtp: tuple[int, Path], tenant: str
) -> None:
    port, maildir = smtp
    enable(tenant)
    assert send(mailer(port, mode="dry_run"), tenant, "a@example.test").status == "dry_run"
    assert (
        send(mailer(port, mode="limited_live", disabled=True), tenant, "a@example.test").status == "blocked"
    )
    live = mailer(port, mode="limited_live")
    with email_switched_off_in_system_config():
        r = send(live, tenant, "b@example.test")
    assert (r.status, r.detail) == ("blocked", "email sending is disabled globally")
    assert read_maildir(maildir) == []
    add(SystemConfig(key=f"email-{tenant}", value={"disabled": True}))  # an unrelated key changes nothing
    assert send(live, tenant, "c@example.test").status == "sent"  # and the lifted switch lets it through
    assert [m["To"] for m in read_maildir(maildir)] == ["c@example.test"]


@contextmanager
def email_switched_off_in_system_config() -> Iterator[None]:
    """``system_config`` key ``email`` = ``{"disabled": true}`` for the block, then as it was.
    Global to the stack: keep the block to the one send under test."""
    with owner_transaction() as s:
        before = s.get(SystemConfig, "email")
        old = dict(before.value) if before is not None else None
        s.merge(SystemConfig(key="email", value={**(old or {}), "disabled": True}))
        s.commit()
    try:
        yield
    finally:
        with owner_transaction() as s:
            row = s.get(SystemConfig, "email")
            if old is None:
                s.delete(row)
            else:
                row.value = old  # type: ignore[union-attr]
            s.commit()


def test_limited_live_caps_each_tenant_per_hour(infra: Stack, smtp: tuple[int, Path], tenant: str) -> None:
    port, maildir = smtp
    enable(tenant, limited_live_cap_per_hour=2)
    m = mailer(port, mode="limited_live")
    clear_of_the_hour_turn(margin_s=20)  # the cap counts this hour's sends: all three must fall in one hour
    statuses = [send(m, tenant, f"x{i}@example.test").status for i in range(3)]
    assert statuses == ["sent", "sent", "blocked"]
    assert len(read_maildir(maildir)) == 2
    assert "cap of 2" in (one(OutboxEmail, tenant_id=tenant, status="blocked").detail or "")


def test_a_refused_message_is_failed_not_sent_and_recorded(infra: Stack, tmp_path: Path, tenant: str) -> None:
    enable(tenant)
    port = 12990 + uuid.uuid4().int % 9
    c = Controller(Refusing(), hostname="127.0.0.1", port=port)
    c.start()
    try:
        r = send(mailer(port, mode="limited_live"), tenant, "a@example.test")
    finally:
        c.stop()
    assert r.status == "failed" and "554" in (r.detail or "")
    assert one(OutboxEmail, tenant_id=tenant).status == "failed"
    assert [f.code for f in rows(EmailProviderFailure, tenant_id=tenant)] == [554]
