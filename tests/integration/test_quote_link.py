"""The quote email carries a working tracked view link (issue 12, Build 5), end to end: the API as
a real process on the test stack's port (its public URL), the quote workflow on the agent worker,
the email through the outbox to the real SMTP server, and the link opened with no credentials."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest

from core.settings import get_settings
from devstack.stack import Stack
from schema.business import Contact, Quote
from schema.followups import QuoteActivity
from tests.integration.cycle_helpers import add, enable, mail_to, one, rows
from tests.integration.helpers import headers

pytestmark = pytest.mark.stack
LINK = re.compile(r"https?://\S+")


@pytest.fixture(scope="module")
def api_url(agent_stack: Stack) -> str:
    """The API process of the stack, at the public URL the stack gives its API and workers."""
    agent_stack.api()
    url = get_settings().api_public_url
    assert url == f"http://localhost:{agent_stack.c.api_port}"
    return url


async def eventually(check: Callable[[], Any], what: str, timeout_s: float = 30.0) -> Any:
    for _ in range(int(timeout_s / 0.2)):
        if got := check():
            return got
        await asyncio.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def draft_quote(tenant: str) -> tuple[Quote, str]:
    enable(tenant)
    to = f"ql-{uuid.uuid4().hex[:8]}@example.test"
    c = Contact(tenant_id=tenant, name="Quinn Buyer", email=to)
    add(c)
    q = Quote(tenant_id=tenant, contact_id=c.id, amount=Decimal("980"))
    add(q)
    return q, to


async def test_the_link_in_the_quote_email_opened_without_auth_marks_the_quote_viewed(
    agent_stack: Stack, api_url: str, tenant: str
) -> None:
    q, to = draft_quote(tenant)
    async with httpx.AsyncClient(base_url=api_url, timeout=30) as api:
        sent = await api.post(f"/api/quotes/{q.id}/send", headers=headers(tenant))
        assert sent.status_code == 202, sent.text
        view_url = sent.json()["view_url"]
        assert view_url.startswith(f"{api_url}/t/q/") and len(view_url) > len(f"{api_url}/t/q/") + 16

        [mail] = await eventually(lambda: mail_to(agent_stack, to), "the quote email")
        body = mail.get_content()
        assert LINK.findall(body) == [view_url], body  # the one link in the email is the API's
        assert one(Quote, id=q.id).viewed_at is None

        async with httpx.AsyncClient(timeout=30) as anonymous:  # no Authorization header at all
            opened = await anonymous.get(LINK.findall(body)[0])
            wrong = await anonymous.get(f"{api_url}/t/q/{uuid.uuid4().hex}")
        assert (opened.status_code, wrong.status_code) == (200, 404), opened.text
        assert "your quote is open" in opened.text

        viewed = await eventually(
            lambda: (x := one(Quote, id=q.id)).status == "viewed" and x, "the quote marked viewed"
        )
        assert viewed.viewed_at is not None and viewed.sent_at is not None
        assert viewed.viewed_at >= viewed.sent_at
        state = (await api.get(f"/api/quotes/{q.id}/followup", headers=headers(tenant))).json()
        assert state["execution"] == "RUNNING" and state["state"]["status"] == "viewed"  # the workflow knows
    kinds = sorted(a.kind for a in rows(QuoteActivity, quote_id=q.id))
    assert kinds == ["sent", "viewed"]


async def test_the_view_token_is_in_no_log_of_the_stack(
    agent_stack: Stack, api_url: str, tenant: str
) -> None:
    """The token is a capability: the email body carries it, no log line does (API, workers)."""
    q, to = draft_quote(tenant)
    async with httpx.AsyncClient(base_url=api_url, timeout=30) as api:
        sent = await api.post(f"/api/quotes/{q.id}/send", headers=headers(tenant))
        assert sent.status_code == 202, sent.text
        await eventually(lambda: mail_to(agent_stack, to), "the quote email")
        async with httpx.AsyncClient(timeout=30) as anonymous:
            assert (await anonymous.get(sent.json()["view_url"])).status_code == 200
        await eventually(lambda: one(Quote, id=q.id).status == "viewed", "viewed")
    token = sent.json()["view_url"].rsplit("/", 1)[1]
    logs = sorted(agent_stack.c.log_dir.glob("*.log"))
    assert any(p.name.startswith("worker-") for p in logs)  # the workers' logs are there to search
    leaked = [p.name for p in logs if token in p.read_text(errors="replace")]
    assert leaked == []
