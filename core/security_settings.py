"""The security-relevant sections of the one settings class (core/settings.py ``Settings``):
identities and tokens, payload keys, the database roles, operation targets and abuse limits
(issues 10 and 11). Import them from ``core.settings``; they live here only to keep that
module small."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field


class CryptoSettings(BaseModel):
    """Per-tenant payload encryption (core/codec.py, core/keys.py; issue 11 item 4)."""

    key_cache_s: float = Field(default=60.0, ge=0)
    """Seconds a process keeps a tenant's keyring before re-reading it from Vault: after a
    rotation (``python -m core.keys rotate``) new writes use the new key within this time, with
    no restart. An unknown key id on decode re-reads at once. Env ``OMNIOPS_CRYPTO__KEY_CACHE_S``."""
    legacy_decode: bool = True
    """Decode payloads sealed with the legacy global keyring (``keys/payload``, no tenant, no
    associated data), for workflows in flight before per-tenant keys. Nothing encodes with it.
    Turn off once those workflows are closed. Env ``OMNIOPS_CRYPTO__LEGACY_DECODE``."""


class DatabaseSettings(BaseModel):
    """Two Postgres roles (issue 11, migration 0008): the API and the workers connect as the
    application role, the migrations as the owner of the tables. Source: ``OMNIOPS_DATABASE__URL``
    and ``OMNIOPS_DATABASE__MIGRATION_URL``; the local stack creates both roles (devstack/services.py)."""

    url: str = "postgresql+psycopg://omniops_app@127.0.0.1:55432/omniops"
    """The application role (LOGIN, NOSUPERUSER, NOBYPASSRLS, not the owner, DML only): row-level
    security applies to every session it opens (``schema/db.py``)."""
    migration_url: str = "postgresql+psycopg://omniops@127.0.0.1:55432/omniops"
    """The owner role: alembic (``schema/migrations/env.py``), and test fixtures that seed or
    inspect rows across tenants (``schema.db.owner_transaction``). Never given to the API or workers."""


class AuthSettings(BaseModel):
    """JWT bearer auth (issue 11): two identities, each verified against its own JWKS.

    Tenant users' tokens come from the tenant identity provider (``issuer``, ``jwks_url``);
    platform operators' from the platform one (``platform_issuer``, ``platform_jwks_url``). The
    operator role is honoured only from the platform issuer. Every token needs ``aud`` =
    ``audience``, ``iss``, ``sub``, ``iat`` and ``exp`` with ``exp - iat <= max_token_lifetime_s``.
    """

    audience: str = "omniops-api"
    issuer: str = "omniops"
    """The tenant identity provider's ``iss``."""
    jwks_url: str | None = None
    """The tenant IdP's JWKS (https in production; ``file://`` in the local stack)."""
    platform_issuer: str = "omniops-platform"
    """The platform identity provider's ``iss``: only its tokens carry the operator role."""
    platform_jwks_url: str | None = None
    local_keys_dir: Path | None = None
    """Local stack and tests only: ES256 signing keys that ``api.tokens`` mints with
    (api/jwt_keys.py). Never set in production, where the IdPs sign."""
    algorithms: tuple[str, ...] = ("ES256", "RS256")
    max_token_lifetime_s: int = 3600
    """Longest ``exp - iat`` accepted, in seconds."""
    leeway_s: int = 30
    """Clock skew tolerated on ``exp``/``iat``/``nbf``, in seconds."""
    jwks_cache_s: int = 300
    """How long a fetched JWKS is used before it is fetched again, in seconds."""
    jwks_refresh_cooldown_s: float = 30.0
    """Least time between two refetches forced by an unknown ``kid`` (a flood of made-up kids
    cannot hammer the IdP), in seconds."""
    consent_roles: tuple[str, ...] = ("owner", "admin")
    """Roles that may grant consent (seed 000, consent flow)."""
    system_role: str = "system"
    """A principal with this role may start operations that wait in awaiting_consent."""
    operator_role: str = "operator"
    codec_audience: str = "omniops-codec-ui"
    """``aud`` of the Temporal Web UI's codec capability (api/controllers/codec.py): a platform
    operator token for ``/codec/ui/{capability}/decode`` only; never accepted as a bearer token
    on any other route (those need ``audience``). Env ``OMNIOPS_AUTH__CODEC_AUDIENCE``."""
    codec_capability_max_lifetime_s: int = Field(default=7 * 24 * 3600, gt=0)
    """Longest ``exp - iat`` of a codec capability, in seconds (default 7 days). The local stack
    mints one this long when it starts the Temporal dev server; rotate by restarting the UI with
    a new one. Env ``OMNIOPS_AUTH__CODEC_CAPABILITY_MAX_LIFETIME_S``."""


class TargetSettings(BaseModel):
    """Which origins an operation may reach (issue 10; core/targets.py)."""

    service_ports: tuple[int, ...] = ()
    """Ports of the stack's own services (API, Temporal UI, ...) refused as targets, besides the
    Vault, Temporal and database ports read from their settings."""
    wrap_ttl_s: int = 300
    """Lifetime of a response-wrapped credential handed to a browser session (Vault wrapping)."""


class LimitSettings(BaseModel):
    """Abuse limits on the API (issue 11, Build 7; api/ratelimit.py, api/streams.py).

    Counters live in Redis so every API replica shares them (the ``limits`` library's moving
    window, an atomic Lua script per hit). If Redis cannot be reached the limits fail open: the
    request goes through and an error is logged (see api/ratelimit.py for why).
    """

    enabled: bool = True
    """Off: no rate limits and no stream cap (the bench compares on and off); body size still holds."""
    storage_url: str = "async+redis://127.0.0.1:6379/0"
    """``limits`` storage URL; the local stack sets its own Redis (devstack/services.py)."""
    storage_timeout_s: float = 0.25
    """Connect and read timeout of one Redis call, in seconds; past it the limit fails open."""
    per_ip: str = "300/minute"
    """Requests per client IP (``limits`` notation), counted before authentication (401s count)."""
    per_tenant: str = "600/minute"
    """Requests per tenant after authentication; a platform operator is counted by its ``sub``."""
    trusted_proxies: tuple[str, ...] = ()
    """Peers (IPs or CIDR networks) whose ``X-Forwarded-For`` names the client; from anyone else
    the header is ignored. Empty: the TCP peer is the client."""
    max_streams_per_tenant: int = 5
    """Server-sent event streams one tenant may hold open at once, across replicas; the next is 429."""
    max_stream_s: int = 600
    """Longest life of one event stream, in seconds; it then ends with a final ``end`` event."""
    max_body_bytes: int = 1_048_576
    """Largest request body, in bytes (1 MiB); larger is 413."""
