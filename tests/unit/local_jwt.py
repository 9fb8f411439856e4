"""Settings whose identity providers are local ES256 key sets (api/jwt_keys.py), for the unit
tests of token verification."""

from __future__ import annotations

from pathlib import Path

from api import jwt_keys
from core.settings import Settings


def local_jwt_settings(keys: Path, cache_s: int = 300) -> Settings:
    """Settings with local key sets in ``keys`` (created on first use) and a JWKS cache of
    ``cache_s`` seconds."""
    jwt_keys.ensure_local_keys(keys)
    auth = {
        "local_keys_dir": str(keys),
        "jwks_url": jwt_keys.jwks_url(keys, "tenant"),
        "platform_jwks_url": jwt_keys.jwks_url(keys, "platform"),
        "jwks_cache_s": cache_s,
    }
    return Settings.model_validate({"auth": auth})
