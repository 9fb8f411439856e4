"""Serving the API (issue 17, API reads): the JWT key cache keeps keys, never results; the
unverified peek only routes; ``python -m api`` gives several workers one metrics directory."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import jwt
import pytest
from litestar.exceptions import NotAuthorizedException

from api import __main__ as launcher
from api import jwt_keys
from api.auth import TokenVerifier, mint_token
from core.api_settings import ApiServerSettings
from tests.unit.local_jwt import local_jwt_settings


def test_peek_reads_header_and_claims_and_refuses_junk() -> None:
    token = jwt.encode({"iss": "x", "sub": "u"}, "k" * 32, algorithm="HS256", headers={"kid": "a"})
    header, claims = jwt_keys.peek(token) or ({}, {})
    assert header["kid"] == "a" and claims == {"iss": "x", "sub": "u"}
    for junk in ("", "a.b", "!!!!.e30.sig", "e30.W10.sig", "a.b.c.d"):
        assert jwt_keys.peek(junk) is None, junk


def test_a_cached_key_still_verifies_every_token(tmp_path: Path) -> None:
    s = local_jwt_settings(tmp_path / "jwt")
    v = TokenVerifier(s)
    token = mint_token(s, "acme", "alice", ["admin"])
    assert not v.key_cached(token)
    assert v.verify(token).tenant_id == "acme"
    assert v.key_cached(token)
    head, body, sig = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    forged = base64.urlsafe_b64encode(json.dumps({**claims, "tenant": "other"}).encode()).rstrip(b"=")
    with pytest.raises(NotAuthorizedException):  # the key is cached, the signature is not
        v.verify(f"{head}.{forged.decode()}.{sig}")


def test_a_key_dropped_from_its_set_stops_verifying_after_the_cache_age(tmp_path: Path) -> None:
    keys = tmp_path / "jwt"
    s = local_jwt_settings(keys)
    v = TokenVerifier(s)
    token = mint_token(s, "acme", "alice", ["admin"])
    v.verify(token)
    jwt_keys.rotate_local_key(keys, "tenant", keep=1)  # the old key leaves the published set
    v._keys.ttl_s = 0  # the cache age (auth.jwks_cache_s) has passed ...
    v._clients[s.auth.issuer].jwk_set_cache = None  # ... and the client's cached set with it
    with pytest.raises(NotAuthorizedException):
        v.verify(token)


def test_the_key_cache_is_bounded() -> None:
    cache = jwt_keys.KeyCache(ttl_s=60, max_keys=2)
    key = jwt.PyJWK.from_dict({"kty": "oct", "k": "c2VjcmV0", "alg": "HS256"})
    for kid in ("a", "b", "c"):
        cache.put("iss", kid, key)
    assert cache.get("iss", "a") is None and cache.get("iss", "c") is key


def test_several_workers_share_a_fresh_metrics_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(launcher.MULTIPROC_ENV, raising=False)
    assert launcher._metrics_dir(1) is None
    path = launcher._metrics_dir(2)
    assert path and os.environ[launcher.MULTIPROC_ENV] == path and not os.listdir(path)
    os.rmdir(path)
    assert launcher._metrics_dir(2) is None  # a deployment's own directory wins


def test_the_default_is_one_worker_per_cpu() -> None:
    assert ApiServerSettings().workers == len(os.sched_getaffinity(0))
