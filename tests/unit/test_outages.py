"""Outages are classified and waited out, failures are short and tenant-safe (issue 17, Build 7):
core/outages.py and core/outage_interceptor.py."""

from __future__ import annotations

import dataclasses
import smtplib
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import anthropic
import httpx
import hvac.exceptions
import psycopg
import pytest
import requests
import sqlalchemy.exc
from temporalio import activity
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from core.failures import Failure
from core.outage_interceptor import _OutageInbound, to_failure
from core.outages import MAX_MESSAGE, classify, safe_text
from core.resilience_settings import ResilienceSettings

VAULT_TIMEOUT = "HTTPConnectionPool(host='127.0.0.1', port=8200): Read timed out. (read timeout=10)"


def _anthropic(status: int) -> anthropic.APIStatusError:
    req = httpx.Request("POST", "http://127.0.0.1:18980/v1/messages")
    resp = httpx.Response(status, request=req, json={"error": {"type": "x", "message": "m"}})
    return anthropic.APIStatusError("boom", response=resp, body=None)


def _db_error() -> sqlalchemy.exc.OperationalError:
    orig = psycopg.OperationalError('connection to server at "127.0.0.1", port 55513 failed')
    return sqlalchemy.exc.OperationalError("INSERT INTO x VALUES (%(a)s)", {"a": "x" * 50_000}, orig)


@pytest.mark.parametrize(
    ("exc", "failure"),
    [
        (requests.ReadTimeout(VAULT_TIMEOUT), Failure.VAULT_UNAVAILABLE),
        (requests.ConnectionError("refused"), Failure.VAULT_UNAVAILABLE),
        (hvac.exceptions.VaultDown("sealed"), Failure.VAULT_UNAVAILABLE),
        (hvac.exceptions.InternalServerError("500"), Failure.VAULT_UNAVAILABLE),
        (_db_error(), Failure.DATABASE_UNAVAILABLE),
        (psycopg.OperationalError("server closed the connection"), Failure.DATABASE_UNAVAILABLE),
        (smtplib.SMTPServerDisconnected("gone"), Failure.SMTP_UNAVAILABLE),
        (smtplib.SMTPResponseException(421, b"try later"), Failure.SMTP_UNAVAILABLE),
        (_anthropic(529), Failure.AI_RETRYABLE),
        (_anthropic(429), Failure.AI_RETRYABLE),
        (_anthropic(500), Failure.AI_RETRYABLE),
        (ConnectionRefusedError(111, "Connection refused"), Failure.DEPENDENCY_UNAVAILABLE),
    ],
)
def test_transient_errors_name_their_dependency(exc: BaseException, failure: Failure) -> None:
    outage = classify(exc)
    assert outage is not None and outage.failure == failure
    assert "127.0.0.1" not in outage.message and "8200" not in outage.message


@pytest.mark.parametrize(
    "exc",
    [
        hvac.exceptions.Forbidden("denied"),
        hvac.exceptions.InvalidPath("nope"),
        sqlalchemy.exc.IntegrityError("INSERT", {}, Exception("duplicate key")),
        smtplib.SMTPResponseException(550, b"no such user"),
        _anthropic(400),
        _anthropic(401),
        TimeoutError("our own asyncio.wait_for"),
        ValueError("a bug"),
    ],
)
def test_permanent_and_unknown_errors_are_not_outages(exc: BaseException) -> None:
    assert classify(exc) is None


def test_an_outage_is_found_through_the_cause_chain() -> None:
    try:
        try:
            raise requests.ReadTimeout(VAULT_TIMEOUT)
        except requests.ReadTimeout:
            raise RuntimeError("could not load the keyring") from None
    except RuntimeError as e:
        outage = classify(e)
    assert outage is not None and outage.failure == Failure.VAULT_UNAVAILABLE


@pytest.mark.parametrize(
    "text",
    [
        VAULT_TIMEOUT,
        'connection to server at "db.internal" (10.0.0.7), port 5432 failed',
        "POST http://vault.internal:8200/v1/sys/wrapping/unwrap failed",
        "could not reach localhost:18280",
        "[::1]:5432 refused",
    ],
)
def test_safe_text_drops_every_address(text: str) -> None:
    safe = safe_text(text)
    for leak in ("127.0.0.1", "8200", "10.0.0.7", "5432", "vault.internal", "localhost", "18280", "::1"):
        assert leak not in safe, safe


def test_safe_text_keeps_times_and_is_capped() -> None:
    assert safe_text("deferred to 16:00-17:00 UTC") == "deferred to 16:00-17:00 UTC"
    assert len(safe_text("x" * 10_000)) == MAX_MESSAGE
    assert safe_text("first line\nTraceback (most recent call last):\n  File ...") == "first line"


def test_to_failure_is_short_typed_and_keeps_application_errors() -> None:
    failure, outage = to_failure(_db_error())
    assert failure.type == Failure.DATABASE_UNAVAILABLE and outage is not None
    assert len(failure.message) < 100 and "55513" not in failure.message
    assert failure.__cause__ is None and not failure.non_retryable

    mine = ApplicationError("step failed at http://10.1.2.3:8089/x", "shot-key", type=Failure.STEP_FAILED)
    failure, outage = to_failure(mine)
    assert (failure.type, failure.details, outage) == (Failure.STEP_FAILED, ("shot-key",), None)
    assert "10.1.2.3" not in failure.message

    rejected = ApplicationError("no", type=Failure.DATABASE_ERROR, non_retryable=True)
    assert to_failure(rejected)[0].non_retryable

    smtp = ApplicationError("SMTP server unavailable: ConnectionRefusedError", type=Failure.SMTP_UNAVAILABLE)
    assert to_failure(smtp)[1] is not None

    bug, outage = to_failure(KeyError("k"))
    assert (bug.type, outage) == ("KeyError", None)


class _Next:
    """The next interceptor: fails with ``errors`` in turn, then returns ``"done"``."""

    def __init__(self, errors: list[Exception]) -> None:
        self.errors, self.calls = errors, 0

    async def execute_activity(self, _: Any) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "done"


FAST = ResilienceSettings(first_backoff_s=0.01, max_backoff_s=0.02, deadline_margin_s=0.0)


async def _run(env: ActivityEnvironment, fn: Callable[[], Awaitable[Any]]) -> Any:
    @activity.defn(name="probe")
    async def probe() -> Any:
        return await fn()

    return await env.run(probe)


def _env(start_to_close_s: float) -> ActivityEnvironment:
    env = ActivityEnvironment()
    now = datetime.now(UTC)
    env.info = dataclasses.replace(
        env.info,
        started_time=now,
        scheduled_time=now,
        start_to_close_timeout=timedelta(seconds=start_to_close_s),
        schedule_to_close_timeout=None,
    )
    return env


async def test_an_outage_is_waited_out_inside_the_attempt() -> None:
    nxt = _Next([requests.ReadTimeout(VAULT_TIMEOUT), _db_error(), requests.ConnectionError("x")])
    inbound = _OutageInbound(nxt, FAST)  # type: ignore[arg-type]
    assert await _run(_env(30), lambda: inbound.execute_activity(None)) == "done"  # type: ignore[arg-type]
    assert nxt.calls == 4


async def test_past_the_deadline_the_attempt_fails_short_and_retryable() -> None:
    nxt = _Next([requests.ReadTimeout(VAULT_TIMEOUT)] * 100)
    settings = ResilienceSettings(first_backoff_s=0.1, max_backoff_s=0.2, deadline_margin_s=0.0)
    inbound = _OutageInbound(nxt, settings)  # type: ignore[arg-type]
    with pytest.raises(ApplicationError) as caught:
        await _run(_env(1.5), lambda: inbound.execute_activity(None))  # type: ignore[arg-type]
    err = caught.value
    assert err.type == Failure.VAULT_UNAVAILABLE and not err.non_retryable
    assert err.message == "Vault unavailable (ReadTimeout)" and 1 < nxt.calls < 20


async def test_permanent_errors_fail_at_once() -> None:
    nxt = _Next([ApplicationError("rejected", type=Failure.DATABASE_ERROR, non_retryable=True)])
    inbound = _OutageInbound(nxt, FAST)  # type: ignore[arg-type]
    with pytest.raises(ApplicationError) as caught:
        await _run(_env(30), lambda: inbound.execute_activity(None))  # type: ignore[arg-type]
    assert caught.value.non_retryable and nxt.calls == 1


def test_no_named_policy_gives_up_on_an_outage_type() -> None:
    from temporalio.common import RetryPolicy

    from core.outages import TRANSIENT
    from workflows import retry

    policies = [v for v in vars(retry).values() if isinstance(v, RetryPolicy)] + [retry.browser_step(3, 1, 2)]
    for policy in policies:
        assert not TRANSIENT & set(policy.non_retryable_error_types or []), policy
