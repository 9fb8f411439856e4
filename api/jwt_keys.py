"""Signing keys of the local stack and tests, and the verification key sources (issue 11, JWT).

Two identities sign tokens, each with its own key set: the **tenant** identity provider (tenant
users) and the **platform** identity provider (platform operators). Verification reads each
issuer's JWKS from a URL (``auth.jwks_url`` / ``auth.platform_jwks_url``: an https URL of a
production IdP, or ``file://`` for the local stack) with PyJWT's ``PyJWKClient`` (for ``file://``
its documented ``fetch_data`` override, :class:`FileJWKClient`): the set is
cached for ``auth.jwks_cache_s`` and an unknown ``kid`` triggers one refetch (after
``auth.jwks_refresh_cooldown_s``), so a new key is accepted without a restart.

Locally (``make run``, tests) the keys live in ``auth.local_keys_dir`` (mode 0700):
``{identity}.private.jwks.json`` (0600, ES256 private JWKs; the last one signs) and
``{identity}.jwks.json`` (the public set the API reads). :func:`rotate_local_key` adds a key
and keeps the old ones, so tokens signed before a rotation stay valid until they expire.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import Any, Generic, Literal, TypeVar

import jwt
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm

Identity = Literal["tenant", "platform"]
IDENTITIES: tuple[Identity, ...] = ("tenant", "platform")
ALGORITHM = "ES256"


def private_file(keys_dir: Path, identity: Identity) -> Path:
    return keys_dir / f"{identity}.private.jwks.json"


def public_file(keys_dir: Path, identity: Identity) -> Path:
    return keys_dir / f"{identity}.jwks.json"


def jwks_url(keys_dir: Path, identity: Identity) -> str:
    """``file://`` URL of the public JWKS of ``identity`` (what the local API is configured with)."""
    return public_file(keys_dir, identity).resolve().as_uri()


def _new_jwk() -> dict[str, Any]:
    key = ec.generate_private_key(ec.SECP256R1())
    jwk: dict[str, Any] = json.loads(ECAlgorithm.to_jwk(key))
    jwk.update(kid=f"k{time.time_ns() // 1_000_000}-{os.urandom(3).hex()}", alg=ALGORITHM, use="sig")
    return jwk


def _write(path: Path, data: dict[str, Any], mode: int) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data))
    tmp.chmod(mode)
    tmp.replace(path)


def _publish(keys_dir: Path, identity: Identity, private: list[dict[str, Any]]) -> None:
    public = [{k: v for k, v in jwk.items() if k != "d"} for jwk in private]
    _write(private_file(keys_dir, identity), {"keys": private}, 0o600)
    _write(public_file(keys_dir, identity), {"keys": public}, 0o644)


def ensure_local_keys(keys_dir: Path) -> None:
    """Create a first ES256 key per identity if absent (idempotent)."""
    keys_dir.mkdir(parents=True, exist_ok=True)
    keys_dir.chmod(0o700)
    for identity in IDENTITIES:
        if not private_file(keys_dir, identity).exists():
            _publish(keys_dir, identity, [_new_jwk()])


def rotate_local_key(keys_dir: Path, identity: Identity, keep: int = 3) -> str:
    """Add a new signing key for ``identity`` (the newest ``keep`` keys stay published);
    returns its ``kid``. Running APIs pick it up on the first token that names it."""
    private = json.loads(private_file(keys_dir, identity).read_text())["keys"]
    new = _new_jwk()
    _publish(keys_dir, identity, [*private, new][-keep:])
    return str(new["kid"])


def signing_key(keys_dir: Path, identity: Identity) -> tuple[str, Any]:
    """``(kid, private key)`` of the newest local key of ``identity``.

    Raises:
        FileNotFoundError: no local keys (run ``python -m devstack bootstrap``).
    """
    jwk = json.loads(private_file(keys_dir, identity).read_text())["keys"][-1]
    return str(jwk["kid"]), jwt.PyJWK.from_dict(jwk).key


class FileJWKClient(jwt.PyJWKClient):
    """``PyJWKClient`` reading a local ``file://`` JWKS (the local stack's identity providers):
    the same caching and unknown-``kid`` refetch, without an HTTP server."""

    def __init__(self, path: Path, **kwargs: Any) -> None:
        super().__init__("https://localhost.invalid/jwks", **kwargs)
        self.path = path

    def fetch_data(self) -> Any:
        return json.loads(self.path.read_text())


def jwk_client(url: str, *, lifespan: float, cooldown: float) -> jwt.PyJWKClient:
    """The key source for one issuer: https (production IdP) or ``file://`` (local stack)."""
    if url.startswith("file://"):
        return FileJWKClient(Path(url.removeprefix("file://")), lifespan=lifespan, cooldown_duration=cooldown)
    return jwt.PyJWKClient(url, lifespan=lifespan, cooldown_duration=cooldown, timeout=5)


def peek(token: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """``(header, claims)`` of a compact JWS, NOT verified (only to pick the issuer's key; the
    verification decodes again), or None when PyJWT cannot read it as a JWS with a JSON object
    payload."""
    try:
        unverified = jwt.decode_complete(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None
    return unverified["header"], unverified["payload"]


class KeyCache:
    """Verification keys already resolved, by ``(issuer, kid)``, each for ``ttl_s`` seconds (the
    JWKS lifespan: a key dropped from its set stops verifying as soon as the set would be
    refetched). The JWK client parses its whole set into key objects on every lookup; this keeps
    the parsed key (a token's verification result is :class:`VerifiedTokens`' concern). At most
    ``max_keys`` entries (the oldest goes first)."""

    def __init__(self, ttl_s: float, max_keys: int = 64) -> None:
        self.ttl_s, self.max_keys = ttl_s, max_keys
        self._keys: dict[tuple[str, str], tuple[jwt.PyJWK, float]] = {}
        self._lock = threading.Lock()

    def get(self, issuer: str, kid: str) -> jwt.PyJWK | None:
        hit = self._keys.get((issuer, kid))
        if hit is None or time.monotonic() - hit[1] > self.ttl_s:
            return None
        return hit[0]

    def put(self, issuer: str, kid: str, key: jwt.PyJWK) -> None:
        with self._lock:
            if len(self._keys) >= self.max_keys:
                self._keys.pop(next(iter(self._keys)))
            self._keys[(issuer, kid)] = (key, time.monotonic())


P = TypeVar("P")


class VerifiedTokens(Generic[P]):
    """Principals of tokens already verified in full, by the SHA-256 of the token (the token
    itself is not kept), each until ``until`` (epoch seconds: the caller passes the token's
    ``exp``, capped at the JWKS lifespan so a key dropped from its set stops a cached token as
    soon as it stops a new one). A token with any other byte hashes elsewhere and is verified
    in full. At most ``size`` entries (the least recently used goes first); 0 keeps nothing.
    Thread-safe: a token whose key had to be fetched is verified (and put) in a thread."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[bytes, tuple[float, P]] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def _key(token: str) -> bytes:
        return hashlib.sha256(token.encode()).digest()

    def get(self, token: str) -> P | None:
        if not self.size:
            return None
        key = self._key(token)
        with self._lock:
            hit = self._items.get(key)
            if hit is None:
                return None
            if time.time() >= hit[0]:
                del self._items[key]
                return None
            self._items.move_to_end(key)
            return hit[1]

    def put(self, token: str, principal: P, until: float) -> None:
        if not self.size or until <= time.time():
            return
        with self._lock:
            self._items[self._key(token)] = (until, principal)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
