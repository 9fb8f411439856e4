"""Verified tokens kept by hash (api/jwt_keys.py ``VerifiedTokens``, issue 17): only a token
verified in full on the bearer check's own terms is kept, only until its ``exp`` (at most the
JWKS lifespan), a changed token is a miss, and the map is bounded."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from api import jwt_keys
from api.auth import TokenVerifier, mint_token
from tests.unit.local_jwt import local_jwt_settings


def test_a_verified_token_is_known_by_its_hash_and_a_changed_one_is_not(tmp_path: Path) -> None:
    s = local_jwt_settings(tmp_path / "jwt")
    v = TokenVerifier(s)
    token = mint_token(s, "acme", "alice", ["admin"])
    assert v.verified.get(token) is None
    principal = v.verify(token)
    assert v.verified.get(token) == principal
    assert v.verified.get(token[:-2] + ("AA" if token[-2:] != "AA" else "BB")) is None
    assert token.encode() not in repr(v.verified._items).encode()  # the token itself is not kept


def test_another_audience_or_lifetime_is_not_kept(tmp_path: Path) -> None:
    s = local_jwt_settings(tmp_path / "jwt")
    v = TokenVerifier(s)
    token = mint_token(s, "acme", "alice", ["admin"])
    v.verify(token, max_lifetime_s=7200)
    assert v.verified.get(token) is None


def test_kept_until_exp_capped_at_the_jwks_lifespan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    s = local_jwt_settings(tmp_path / "jwt", cache_s=60)
    v = TokenVerifier(s)
    token = mint_token(s, "acme", "alice", ["admin"], ttl_s=3600)
    v.verify(token)
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + 59)
    assert v.verified.get(token) is not None
    monkeypatch.setattr(time, "time", lambda: now + 61)  # the key set would be refetched by now
    assert v.verified.get(token) is None


def test_an_expired_token_is_not_kept_and_the_map_is_bounded() -> None:
    kept: jwt_keys.VerifiedTokens[str] = jwt_keys.VerifiedTokens(2)
    kept.put("old", "p", time.time() - 1)
    assert kept.get("old") is None
    for t in ("a", "b", "c"):
        kept.put(t, t, time.time() + 60)
    assert kept.get("a") is None and kept.get("c") == "c"
    off: jwt_keys.VerifiedTokens[str] = jwt_keys.VerifiedTokens(0)
    off.put("a", "a", time.time() + 60)
    assert off.get("a") is None
