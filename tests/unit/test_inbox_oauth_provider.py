"""XOAUTH2 providers (issue 13 Build 1): a connection names ``provider`` or an explicit
``token_url`` (400 naming the field otherwise); the stack's Dovecot serves PLAIN/LOGIN from the
passwd file and XOAUTH2/OAUTHBEARER from the oauth2 passdb only; the refresh client against the
local OAuth provider peer (tests/peers/oauth2.py): a grant, a revoked and an expired refresh
token, a wrong client secret, HTTP Basic client authentication."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError

from activities.inbox.imap import MailboxAuthError
from activities.inbox.oauth import access_token
from api.schemas.inbox import ConnectionRequest
from devstack import dovecot, dovecot_oauth2
from devstack.config import StackConfig
from tests.peers.oauth2 import OAuthPeer

OAUTH = {"auth_kind": "xoauth2", "client_id": "c", "client_secret": "s", "refresh_token": "r"}
BASE = {"host": "imap.gmail.com", "username": "a@example.test"}


def test_an_xoauth2_connection_names_a_provider_or_a_token_url() -> None:
    assert ConnectionRequest(**BASE, **OAUTH, provider="gmail").token_url is None
    assert ConnectionRequest(**BASE, **OAUTH, token_url="https://t.example/token").provider is None
    for bad in ({}, {"provider": "gmail", "token_url": "https://t.example/token"}):
        with pytest.raises(ValidationError, match="token_url or provider"):
            ConnectionRequest(**BASE, **OAUTH, **bad)
    with pytest.raises(ValidationError, match="provider"):
        ConnectionRequest(**BASE, **OAUTH, provider="yahoo")
    with pytest.raises(ValidationError, match="only for auth_kind xoauth2"):
        ConnectionRequest(**BASE, password="pw", provider="gmail")


def test_the_stack_dovecot_has_both_passdbs_and_the_stack_token_urls_are_local(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OMNIOPS_INBOX__OAUTH_TOKEN_URLS", raising=False)  # the suite's stack sets it
    c = StackConfig(data_dir=tmp_path, imap_port=11999, oauth_port=18999)
    conf = dovecot._prepare(c).read_text()
    assert "auth_mechanisms = plain login xoauth2 oauthbearer" in conf
    passwd, oauth2 = conf.split("passdb {")[1:]
    assert "driver = passwd-file" in passwd and "mechanisms = plain login\n" in passwd
    assert "driver = oauth2" in oauth2 and "mechanisms = xoauth2 oauthbearer" in oauth2
    ext = (tmp_path / "dovecot" / "dovecot-oauth2.conf.ext").read_text()
    assert "introspection_url = http://127.0.0.1:18999/introspect\nintrospection_mode = post\n" in ext
    urls = json.loads(dovecot_oauth2.env(c)["OMNIOPS_INBOX__OAUTH_TOKEN_URLS"])
    assert urls == {"gmail": "http://127.0.0.1:18999/token", "microsoft365": "http://127.0.0.1:18999/token"}


@pytest.fixture
def peer() -> Iterator[OAuthPeer]:
    p = OAuthPeer(0).start()
    yield p
    p.stop()


def test_the_refresh_client_against_the_local_provider(peer: OAuthPeer) -> None:
    g = peer.grant("box")
    token = access_token(peer.token_url, g.client_id, g.client_secret, g.refresh_token, 5)
    assert peer.issued == [token] and peer.introspect(token)["username"] == "box"
    peer.expire_access_tokens()
    assert peer.introspect(token) == {"active": False}
    with pytest.raises(MailboxAuthError) as refused:
        access_token(peer.token_url, g.client_id, "wrong", g.refresh_token, 5)
    assert refused.value.status == "auth_failed"
    basic = httpx.post(
        peer.token_url, data={"grant_type": "refresh_token", "refresh_token": g.refresh_token},
        auth=(g.client_id, g.client_secret),
    )  # fmt: skip
    assert basic.status_code == 200 and basic.json()["token_type"] == "Bearer"
    peer.expire_refresh(g.refresh_token)
    with pytest.raises(MailboxAuthError) as expired:
        access_token(peer.token_url, g.client_id, g.client_secret, g.refresh_token, 5)
    assert expired.value.status == "token_expired"
    peer.revoke(g.refresh_token)
    with pytest.raises(MailboxAuthError) as revoked:
        access_token(peer.token_url, g.client_id, g.client_secret, g.refresh_token, 5)
    assert revoked.value.status == "revoked" and g.refresh_token not in str(revoked.value)
