"""JWT verification (issue 11): audience, lifetime, kid, rotation, JWKS over HTTP, and the
platform identity as the only source of the operator role.

The JWKS is served over real HTTP by this test (a local identity provider), as a production
IdP's ``jwks_url`` would be."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from litestar.exceptions import NotAuthorizedException

from api.auth import TokenVerifier, mint_platform_token, mint_token
from api.jwt_keys import ensure_local_keys, public_file, rotate_local_key, signing_key
from core.settings import Settings


class _IdP:
    """Serves ``{dir}/{identity}.jwks.json`` at ``/{identity}/jwks``; counts fetches."""

    def __init__(self, keys_dir: Path) -> None:
        self.keys_dir, self.fetches = keys_dir, 0
        idp = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                identity = self.path.strip("/").split("/")[0]
                body = public_file(idp.keys_dir, identity).read_bytes()  # type: ignore[arg-type]
                idp.fetches += 1
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def idp(tmp_path: Path) -> Iterator[_IdP]:
    ensure_local_keys(tmp_path)
    server = _IdP(tmp_path)
    yield server
    server.server.shutdown()


def settings_for(idp: _IdP, **auth: Any) -> Settings:
    return Settings.model_validate(
        {
            "auth": {
                "local_keys_dir": str(idp.keys_dir),
                "jwks_url": f"{idp.url}/tenant/jwks",
                "platform_jwks_url": f"{idp.url}/platform/jwks",
                "jwks_refresh_cooldown_s": 0,
                **auth,
            }
        }
    )


def _sign(
    settings: Settings, claims: dict[str, Any], identity: str = "tenant", kid: str | None = None
) -> str:
    assert settings.auth.local_keys_dir is not None
    real_kid, key = signing_key(settings.auth.local_keys_dir, identity)  # type: ignore[arg-type]
    return jwt.encode(claims, key, algorithm="ES256", headers={"kid": kid or real_kid})


def _claims(settings: Settings, **over: Any) -> dict[str, Any]:
    now = int(time.time())
    base = {
        "iss": settings.auth.issuer,
        "aud": settings.auth.audience,
        "sub": "alice",
        "tenant": "acme",
        "roles": ["admin"],
        "iat": now,
        "exp": now + 600,
    }
    return {**base, **over}


def _b64(raw: bytes) -> bytes:
    return base64.urlsafe_b64encode(raw).rstrip(b"=")


def _refused(verifier: TokenVerifier, token: str, match: str) -> None:
    with pytest.raises(NotAuthorizedException, match=f"(?i){match}"):
        verifier.verify(token)


def test_a_tenant_token_is_verified_over_the_jwks_url(idp: _IdP) -> None:
    s = settings_for(idp)
    p = TokenVerifier(s).verify(mint_token(s, "acme", "alice", ["owner", "viewer"]))
    assert (p.user_id, p.tenant_id, p.roles, p.platform) == ("alice", "acme", {"owner", "viewer"}, False)
    assert idp.fetches == 1


def test_wrong_or_missing_audience_is_refused(idp: _IdP) -> None:
    s = settings_for(idp)
    v = TokenVerifier(s)
    _refused(v, _sign(s, _claims(s, aud="another-api")), "audience")
    no_aud = _claims(s)
    del no_aud["aud"]
    _refused(v, _sign(s, no_aud), "aud")


def test_over_long_lifetime_and_missing_iat_are_refused(idp: _IdP) -> None:
    s = settings_for(idp, max_token_lifetime_s=900)
    v = TokenVerifier(s)
    now = int(time.time())
    _refused(v, _sign(s, _claims(s, iat=now, exp=now + 901)), "lifetime exceeds 900")
    assert v.verify(_sign(s, _claims(s, iat=now, exp=now + 900))).tenant_id == "acme"
    no_iat = _claims(s)
    del no_iat["iat"]
    _refused(v, _sign(s, no_iat), "iat")


def test_leeway_is_small(idp: _IdP) -> None:
    s = settings_for(idp, leeway_s=30)
    v = TokenVerifier(s)
    now = int(time.time())
    assert v.verify(_sign(s, _claims(s, iat=now - 600, exp=now - 10))).user_id == "alice"
    _refused(v, _sign(s, _claims(s, iat=now - 600, exp=now - 31)), "expired")


def test_unknown_kid_unknown_issuer_and_forged_algorithms_are_refused(idp: _IdP) -> None:
    s = settings_for(idp)
    v = TokenVerifier(s)
    _refused(v, _sign(s, _claims(s), kid="not-a-key"), "unknown key")
    _refused(v, _sign(s, _claims(s, iss="https://evil.test")), "unknown issuer")
    _refused(v, jwt.encode(_claims(s), key=None, algorithm="none", headers={"kid": "x"}), "allowed algorithm")
    # HS256 keyed with the public key (algorithm confusion)
    assert s.auth.local_keys_dir is not None
    kid, key = signing_key(s.auth.local_keys_dir, "tenant")
    pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    signing_input = b".".join(
        _b64(json.dumps(part).encode()) for part in ({"alg": "HS256", "kid": kid, "typ": "JWT"}, _claims(s))
    )
    forged = (signing_input + b"." + _b64(hmac.new(pem, signing_input, hashlib.sha256).digest())).decode()
    _refused(v, forged, "allowed algorithm|does not match")


def test_key_rotation_needs_no_restart(idp: _IdP) -> None:
    s = settings_for(idp)
    v = TokenVerifier(s)
    before = mint_token(s, "acme", "alice", ["admin"])
    assert v.verify(before).tenant_id == "acme"
    assert s.auth.local_keys_dir is not None
    new_kid = rotate_local_key(s.auth.local_keys_dir, "tenant")
    after = mint_token(s, "acme", "bob", ["admin"])
    assert jwt.get_unverified_header(after)["kid"] == new_kid
    assert v.verify(after).user_id == "bob"  # the same verifier: refetched on the unknown kid
    assert v.verify(before).user_id == "alice"  # the old key is still published
    assert idp.fetches == 2


def test_the_operator_role_comes_only_from_the_platform_identity(idp: _IdP) -> None:
    s = settings_for(idp)
    v = TokenVerifier(s)
    tenant_op = v.verify(mint_token(s, "acme", "mallory", ["operator", "admin"]))
    assert "operator" not in tenant_op.roles and not tenant_op.platform
    op = v.verify(mint_platform_token(s, "ops-1"))
    assert (op.platform, op.roles, op.tenant_id, op.issuer) == (True, {"operator"}, "", "omniops-platform")
    # a tenant key cannot sign a platform token, nor a platform key a tenant token
    _refused(v, _sign(s, _claims(s, iss=s.auth.platform_issuer, roles=["operator"])), "unknown key")
    _refused(v, _sign(s, _claims(s), identity="platform"), "unknown key")
    # a platform token without the operator role is no operator
    _refused(v, _sign(s, _claims(s, iss=s.auth.platform_issuer, roles=[]), identity="platform"), "operator")


def test_reserved_tenant_slugs_are_no_tenants(idp: _IdP) -> None:
    """``fanout`` and ``trigger*`` would make workflow ids read as another format (workflows/ids.py),
    so the key scope of their payloads would be ambiguous: no token may name them."""
    s = settings_for(idp)
    v = TokenVerifier(s)
    for reserved in ("fanout", "trigger", "trigger-acme"):
        _refused(v, _sign(s, _claims(s, tenant=reserved)), "tenant claim")
        with pytest.raises(ValueError, match="reserved"):
            mint_token(s, reserved, "alice", ["admin"])
    assert v.verify(_sign(s, _claims(s, tenant="fanouts"))).tenant_id == "fanouts"
