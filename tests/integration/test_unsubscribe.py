"""One-click unsubscribe on the real stack (issue 13 item 6; RFC 8058, RFC 2369): the outbox sends
over real SMTP (the aiosmtpd sink of devstack/mailsink.py) with the token key from the real Vault
and the token hash in the real Postgres; the API runs in process on the same stack (Temporal,
Redis) and is called with no credentials at all."""

from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from email.message import Message
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from hvac.exceptions import Forbidden
from litestar.testing import AsyncTestClient

from api.app import create_app
from core.keys import unsubscribe_key, unsubscribe_key_path
from core.settings import get_settings
from core.unsubscribe import find_token, token_hash
from devstack.mailsink import read_maildir, start
from devstack.stack import Stack
from schema.agent import EmailSuppression
from schema.db import get_engine, tenant_transaction
from schema.repositories.unsubscribe import opt_out_by_token
from schema.unsubscribe import UnsubscribeToken
from tests.integration.cycle_helpers import enable, one, rows
from tests.integration.test_outbox import mailer, send
from tests.integration.test_tenant_keys import store_with

URI = re.compile(r"<([^<>]+)>")
ONE_CLICK = {
    "content": b"List-Unsubscribe=One-Click",
    "headers": {"content-type": "application/x-www-form-urlencoded"},
}


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    port = 12800 + uuid.uuid4().int % 90
    c = start(port, tmp_path / "mail")
    yield port, tmp_path / "mail"
    c.stop()


@pytest.fixture(scope="module")
async def anonymous(infra: Stack) -> AsyncIterator[Any]:
    """The API in process on the test stack; requests carry no Authorization header."""
    async with AsyncTestClient(app=create_app(), timeout=30) as client:
        yield client


def links(msg: Message) -> tuple[str, str, str]:
    """(one-click URL, mailto URL, token) of a received message; asserts the RFC 8058 shape."""
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    https, mailto = URI.findall(str(msg["List-Unsubscribe"]))
    base = get_settings().api_public_url.rstrip("/")
    assert https.startswith(f"{base}/u/") and mailto.startswith("mailto:unsubscribe@omniops.localhost?")
    token = https.rsplit("/", 1)[1]
    assert mailto == f"mailto:unsubscribe@omniops.localhost?subject=unsubscribe%20{token}"
    return https, mailto, token


def path_of(url: str) -> str:
    return urlsplit(url).path


async def test_a_sent_email_carries_a_working_token_and_one_click_suppresses_and_blocks_the_next_send(
    smtp: tuple[int, Path], anonymous: Any, tenant: str
) -> None:
    port, maildir = smtp
    enable(tenant)
    m = mailer(port, mode="limited_live")
    to = f"Reader-{uuid.uuid4().hex[:6]}@Example.test"
    assert send(m, tenant, to).status == "sent"
    assert send(m, tenant, to.lower()).status == "sent"
    first, second = read_maildir(maildir)
    https, mailto, token = links(first)
    assert links(second)[2] == token  # one token per (tenant, address)
    assert len(token) == 43  # 256 bits, base64url
    # stored hashed only, and the mailto form is what the inbox classifier recognises
    row = one(UnsubscribeToken, tenant_id=tenant)
    assert (row.email, row.token_hash, row.used_at) == (to.lower(), token_hash(token), None)
    assert token not in repr(row.model_dump())
    assert find_token(unquote(urlsplit(mailto).query.removeprefix("subject="))) == token

    page = await anonymous.get(path_of(https))  # what a link scanner does
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert f'<form method="post" action="{https}">' in page.text and to.lower() not in page.text
    assert page.headers["cache-control"] == "no-store"
    assert rows(EmailSuppression, tenant_id=tenant) == []  # GET never unsubscribes

    for _ in range(2):  # idempotent
        r = await anonymous.post(path_of(https), **ONE_CLICK)
        assert r.status_code == 200 and "unsubscribed" in r.text, r.text
    s = one(EmailSuppression, tenant_id=tenant)
    assert (s.email, s.reason, s.source) == (to.lower(), "opt_out", "one-click")
    assert one(UnsubscribeToken, tenant_id=tenant).used_at is not None

    blocked = send(m, tenant, to)
    assert (blocked.status, blocked.detail) == ("blocked", "recipient suppressed: opt_out")
    assert len(read_maildir(maildir)) == 2


async def test_another_tenants_same_address_is_untouched(
    smtp: tuple[int, Path], anonymous: Any, tenant: str
) -> None:
    port, maildir = smtp
    other = f"{tenant}-b"
    enable(tenant)
    enable(other)
    m = mailer(port, mode="limited_live")
    to = f"shared-{uuid.uuid4().hex[:6]}@example.test"
    assert send(m, tenant, to).status == send(m, other, to).status == "sent"
    by_tenant = {msg["X-OmniOps-Tenant"]: links(msg) for msg in read_maildir(maildir)}
    mine, theirs = by_tenant[tenant], by_tenant[other]
    assert mine[2] != theirs[2]  # each tenant's token is its own
    r = await anonymous.post(path_of(mine[0]), content=b"anything at all")  # any body is accepted
    assert r.status_code == 200, r.text
    assert one(EmailSuppression, tenant_id=tenant).email == to
    assert rows(EmailSuppression, tenant_id=other) == []
    assert send(m, other, to).status == "sent"


@pytest.mark.parametrize(
    "token",
    [
        secrets.token_urlsafe(32),  # well-formed, unknown
        "x",
        secrets.token_urlsafe(33),  # too long
        secrets.token_urlsafe(32)[:-1] + "!",
        "%00" + secrets.token_urlsafe(30),
    ],
    ids=["unknown", "short", "long", "bad-character", "nul"],
)
async def test_unknown_and_malformed_tokens_are_the_same_404_problem(anonymous: Any, token: str) -> None:
    for method in ("GET", "POST"):
        r = await anonymous.request(method, f"/u/{token}", **({} if method == "GET" else ONE_CLICK))
        assert r.status_code == 404, (method, token, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["detail"] == "unknown unsubscribe link"


async def test_both_routes_are_in_the_openapi_document(anonymous: Any) -> None:
    doc = (await anonymous.get("/schema/openapi.json")).json()
    ops = doc["paths"]["/u/{token}"]
    assert (ops["get"]["operationId"], ops["post"]["operationId"]) == (
        "unsubscribePage",
        "unsubscribeOneClick",
    )


def test_the_services_policy_creates_the_token_key_once_and_never_replaces_it(
    infra: Stack, tenant: str
) -> None:
    svc = store_with("omniops")
    with ThreadPoolExecutor(4) as pool:
        keys = list(pool.map(lambda _: unsubscribe_key(svc, tenant), range(4)))
    assert len(set(keys)) == 1 and len(keys[0]) == 32
    with pytest.raises(Forbidden):  # a replaced key would change every recipient's token
        svc.write(unsubscribe_key_path(tenant), {"key": "AAAA"})
    with pytest.raises(Forbidden):  # the browser worker never reads it
        store_with("omniops-browser").read(unsubscribe_key_path(tenant))


def test_a_mailto_unsubscribe_suppresses_only_in_the_mailbox_tenant(
    smtp: tuple[int, Path], tenant: str
) -> None:
    port, maildir = smtp
    other = f"{tenant}-b"
    enable(tenant)
    enable(other)
    to = f"mailto-{uuid.uuid4().hex[:6]}@example.test"
    assert send(mailer(port, mode="limited_live"), tenant, to).status == "sent"
    _, mailto, token = links(read_maildir(maildir)[0])
    # what a mail client sends for the mailto, as the inbox sync would read it
    found = find_token(
        f"Re: {unquote(urlsplit(mailto).query.removeprefix('subject='))}", "sent from my phone"
    )
    assert found == token
    with tenant_transaction(get_engine(), other) as s:  # another tenant's inbox: nothing happens
        assert opt_out_by_token(s, found, "mailto", datetime.now(UTC)) is None
    with tenant_transaction(get_engine(), tenant) as s:
        who = opt_out_by_token(s, found, "mailto", datetime.now(UTC))
    assert who is not None and (who.tenant_id, who.email) == (tenant, to)
    assert (one(EmailSuppression, tenant_id=tenant).source, rows(EmailSuppression, tenant_id=other)) == (
        "mailto",
        [],
    )
