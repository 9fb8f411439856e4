"""XOAUTH2 mailboxes end to end (issue 13 Build 1; seed 004 P0.7.1, P0.7.3): the real refresh
grant (activities/inbox/oauth.py, httpx) and SASL XOAUTH2 login (imapclient) against local peers
that speak the providers' protocols: the OAuth 2.0 provider of tests/peers/oauth2.py (the stack's
``gmail`` token URL) and the stack's Dovecot, whose oauth2 passdb introspects every access token
there (devstack/dovecot_oauth2.py). Real Vault, Postgres, Temporal and agent worker.

An XOAUTH2 connection syncs (``connected``); expired access tokens are refreshed on the next sync
and Dovecot refuses the old one; a revoked grant is ``revoked`` and, like a refused password,
alerts on the third consecutive refusal; an expired refresh token is ``token_expired``. No
refresh token, client secret or access token is in the workflow history or the worker's log.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from imapclient import IMAPClient
from imapclient.exceptions import LoginError

from devstack.stack import Stack
from schema.platform import AgentAlert
from tests.integration.cycle_helpers import rows as table_rows
from tests.integration.helpers import allow_site, headers
from tests.integration.history_secrets import assert_no_secret_in_history
from tests.integration.mail_helpers import connection, deliver, mailbox, plain, rows, sync, tenant_id
from tests.peers.oauth2 import Grant, OAuthPeer
from tests.stack_fixtures import OAUTH_PORT
from workflows.ids import mailsync_workflow_id

pytestmark = pytest.mark.stack


@pytest.fixture(scope="module")
def oauth() -> Iterator[OAuthPeer]:
    peer = OAuthPeer(OAUTH_PORT).start()
    yield peer
    peer.stop()


@pytest.fixture(scope="module")
async def inbox_api(agent_stack: Stack, oauth: OAuthPeer) -> AsyncIterator[Any]:
    from litestar.testing import AsyncTestClient

    from api.app import create_app

    agent_stack.imap()
    async with AsyncTestClient(app=create_app(), timeout=60) as client:
        yield client


async def connect(
    api: Any, stack: Stack, oauth: OAuthPeer, tenant: str, user: str, g: Grant, provider: str = "gmail"
) -> dict[str, Any]:
    """Allowlist the local Dovecot and OAuth peer for ``tenant``; POST a ``provider`` connection."""
    await allow_site(api, tenant, f"http://127.0.0.1:{stack.c.imap_port}")
    await allow_site(api, tenant, oauth.origin)
    body = {
        "host": "127.0.0.1",
        "port": stack.c.imap_port,
        "tls": "none",
        "username": user,
        "auth_kind": "xoauth2",
        "provider": provider,
        "client_id": g.client_id,
        "client_secret": g.client_secret,
        "refresh_token": g.refresh_token,
    }
    r = await api.post("/api/inbox/connections", headers=headers(tenant), json=body)
    assert r.status_code == 201, r.text
    assert g.client_secret not in r.text and g.refresh_token not in r.text
    return dict(r.json())


def xoauth2_login(stack: Stack, user: str, token: str) -> None:
    with IMAPClient("127.0.0.1", port=stack.c.imap_port, ssl=False, timeout=30) as m:
        m.oauth2_login(user, token)


async def assert_no_token_leaked(stack: Stack, oauth: OAuthPeer, t: str, cid: str, g: Grant) -> None:
    secrets = {"refresh token": g.refresh_token, "client secret": g.client_secret}
    secrets |= {f"access token {i}": tok for i, tok in enumerate(oauth.issued)}
    await assert_no_secret_in_history(mailsync_workflow_id(t, cid), secrets)
    log = (stack.c.log_dir / "worker-agent.log").read_text(errors="replace")
    assert not [name for name, value in secrets.items() if value in log]


async def test_an_xoauth2_mailbox_syncs_and_an_expired_access_token_is_refreshed(
    inbox_api: Any, agent_stack: Stack, oauth: OAuthPeer
) -> None:
    t = tenant_id()
    user, password = mailbox(agent_stack, t)
    deliver(agent_stack, user, password, [plain(1, t), plain(2, t)])
    g = oauth.grant(user)
    conn = await connect(inbox_api, agent_stack, oauth, t, user, g)
    assert (conn["auth_kind"], conn["token_url"]) == ("xoauth2", oauth.token_url)  # the stack's gmail URL
    before = len(oauth.issued)

    first = await sync(t, conn["id"])
    assert (first.status, first.fetched, first.inserted) == ("connected", 2, 2)
    assert len(oauth.issued) == before + 1 and connection(t, conn["id"]).status == "connected"
    old = oauth.issued[-1]
    with pytest.raises(LoginError):  # Dovecot checks the owner: user A's token is not user B's
        xoauth2_login(agent_stack, mailbox(agent_stack, tenant_id())[0], old)

    oauth.expire_access_tokens()
    with pytest.raises(LoginError):  # Dovecot introspects: an expired access token is refused
        xoauth2_login(agent_stack, user, old)
    deliver(agent_stack, user, password, [plain(3, t)])
    second = await sync(t, conn["id"])  # a fresh access token from the refresh token in Vault
    assert (second.status, second.fetched, second.inserted) == ("connected", 1, 1)
    assert len(oauth.issued) == before + 2 and oauth.issued[-1] != old
    assert [r.message_id for r in rows(t)] == [f"<{t}-{n}@mail.example>" for n in (1, 2, 3)]
    await assert_no_token_leaked(agent_stack, oauth, t, conn["id"], g)


async def test_a_revoked_grant_is_revoked_and_alerts_like_a_refused_password(
    inbox_api: Any, agent_stack: Stack, oauth: OAuthPeer
) -> None:
    t = tenant_id()
    user, password = mailbox(agent_stack, t)
    deliver(agent_stack, user, password, [plain(1, t)])
    g = oauth.grant(user)
    conn = await connect(inbox_api, agent_stack, oauth, t, user, g)
    assert (await sync(t, conn["id"])).status == "connected"
    live = oauth.issued[-1]

    oauth.revoke(g.refresh_token)  # the user removed our access in their Google account
    with pytest.raises(LoginError):  # its access tokens die with it
        xoauth2_login(agent_stack, user, live)
    deliver(agent_stack, user, password, [plain(2, t)])
    for _ in range(3):
        result = await sync(t, conn["id"])  # ends cleanly, with the status
        assert (result.status, result.inserted) == ("revoked", 0)
    c = connection(t, conn["id"])
    assert (c.status, c.auth_failures, c.last_uid) == ("revoked", 3, 1)
    [alert] = table_rows(AgentAlert, scope=t, kind="mailbox_auth_failures")
    assert (alert.resolved_at, alert.data["status"], alert.data["connection_id"]) == (
        None,
        "revoked",
        conn["id"],
    )
    assert g.refresh_token not in alert.message and g.refresh_token not in str(c.status_reason)
    listed = (await inbox_api.get("/api/inbox/connections", headers=headers(t))).json()
    assert [x["status"] for x in listed] == ["revoked"]
    await assert_no_token_leaked(agent_stack, oauth, t, conn["id"], g)


async def test_an_expired_refresh_token_is_token_expired(
    inbox_api: Any, agent_stack: Stack, oauth: OAuthPeer
) -> None:
    t = tenant_id()
    user, _ = mailbox(agent_stack, t)
    g = oauth.grant(user)
    conn = await connect(inbox_api, agent_stack, oauth, t, user, g, provider="microsoft365")
    assert conn["token_url"] == oauth.token_url  # the stack's Microsoft 365 URL
    oauth.expire_refresh(g.refresh_token)
    result = await sync(t, conn["id"])
    assert (result.status, result.fetched) == ("token_expired", 0)
    assert connection(t, conn["id"]).status == "token_expired"
    await assert_no_token_leaked(agent_stack, oauth, t, conn["id"], g)
