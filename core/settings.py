"""One settings class for every process (API, workers, launcher, tests).

Read once through :func:`get_settings`. Environment variables use the prefix ``OMNIOPS_`` and
``__`` for nesting, e.g. ``OMNIOPS_TEMPORAL__ADDRESS=localhost:7233``. Secrets are ``SecretStr``
and never logged.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

import ada_url
from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class TemporalSettings(BaseModel):
    address: str = "localhost:7233"
    namespace: str = "default"
    ui_url: str = "http://localhost:8233"


class VaultSettings(BaseModel):
    addr: str = "http://127.0.0.1:8200"
    token: SecretStr | None = None
    mount: str = "secret"
    prefix: str = "omniops"
    """KV v2 paths live under ``{mount}/{prefix}/...``."""


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


class BrowserSettings(BaseModel):
    executable_path: str = "/usr/bin/chromium"
    headless: bool = True
    args: tuple[str, ...] = (
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
    )
    max_sessions_per_worker: int = 2
    run_as_user: str = "omniops-browser"
    """When the worker runs as root, Chromium runs as this unprivileged user with its own sandbox on
    (activities/browser/launcher.py refuses sandbox-off switches); ignored for a non-root worker."""
    idle_browsers: int = 2
    """Browsers kept running with no session, one per pinned target set (core/targets.py)."""


class TargetSettings(BaseModel):
    """Which origins an operation may reach (issue 10; core/targets.py)."""

    service_ports: tuple[int, ...] = ()
    """Ports of the stack's own services (API, Temporal UI, ...) refused as targets, besides the
    Vault, Temporal and database ports read from their settings."""
    wrap_ttl_s: int = 300
    """Lifetime of a response-wrapped credential handed to a browser session (Vault wrapping)."""


class LLMSettings(BaseModel):
    """Anthropic Messages API. Without a key, self-healing reports itself unavailable."""

    api_key: SecretStr | None = None
    """Falls back to ANTHROPIC_API_KEY."""
    base_url: str | None = None
    """Falls back to ANTHROPIC_BASE_URL; tests point it at a local Messages-API peer."""
    model: str = "claude-sonnet-5-5"
    """Newest Sonnet the installed SDK lists; claude-sonnet-4-5 reaches end of life on 2026-11-30."""
    max_tokens: int = 512
    timeout_s: float = 60.0
    input_usd_per_mtok: float = 3.0
    output_usd_per_mtok: float = 15.0


class OperationSettings(BaseModel):
    consent_timeout_s: int = 3600
    consent_ttl_days: int = 90
    """Default consent expiry (seed 000: 90-day credential rotation cycle)."""
    step_timeout_s: int = 60
    step_heartbeat_s: int = 5
    session_schedule_to_start_s: int = 15
    max_session_reopens: int = 3
    ai_max_actions: int = 20
    ai_max_cost_usd: float = 1.0
    ai_actions_per_step: int = 6
    confirmation_timeout_s: int = 900
    """How long a sensitive step waits for a person's confirmation."""
    max_concurrent_per_tenant: int = 5
    """Operations of one tenant not yet ended (awaiting consent, pending, in progress): a new
    initiate beyond it is 429, so one tenant cannot starve the browser pool."""
    max_inputs_bytes: int = 8192
    """Largest ``inputs`` of an initiate (UTF-8 JSON); larger is 422."""


class AgentSettings(BaseModel):
    """The hourly cycle's switches and caps (seed 004 P0.6, P0.7.3). Tenants may override the caps
    in ``tenants.agent_settings`` (same names)."""

    kill_switch: bool = False
    """Global kill switch from the environment (seed ``AGENT_KILL_SWITCH``); wins over system_config."""
    kill_switch_reason: str = ""
    schedule_jitter_s: int = 300
    """Each tenant's hourly schedule starts up to this many seconds after the hour."""
    max_emails_per_hour: int = 20
    max_research_per_hour: int = 3
    max_sandbox_jobs_per_hour: int = 2
    max_actions_per_cycle: int = 50
    max_touches_per_cycle: int = 10
    context_limit: int = 25
    """Items per list in the Plan context (bounded payloads)."""
    planner: Literal["auto", "rules", "ai"] = "auto"
    """auto: the AI planner when an Anthropic key is configured, else the rule-based planner."""
    pipeline_thin_below: int = 3
    """Fewer open deals than this means the pipeline is thin (research allowed)."""
    action_timeout_s: int = 60
    fanout_batch: int = 50
    """Children started at once by the fan-out workflow."""
    fanout_continue_after: int = 500
    """The fan-out continues as new after this many children, to keep its history small."""
    violation_spike: int = 10
    """Policy blocks in one hour that raise an alert (seed 004 P0.7.3 "10+ in 1 hour")."""
    run_stale_after_s: int = 3 * 3600
    """A run still ``running`` after this long holds no lock: its workflow is taken to be gone
    (terminated, reset) and the next cycle of the tenant takes over, marking it failed."""


class EmailSettings(BaseModel):
    """Outgoing email (seed 004 P0.7.2): send modes, a global off switch and the SMTP server."""

    disabled: bool = False
    """Global email-disabled switch (seed ``EMAIL_SEND_DISABLED``)."""
    mode: Literal["dry_run", "internal_only", "limited_live"] = "dry_run"
    """dry_run logs only; internal_only sends only to ``allowlist``; limited_live sends within caps."""
    allowlist: tuple[str, ...] = ()
    """Domains (``example.com``) and addresses allowed in internal_only mode."""
    limited_live_cap_per_hour: int = 10
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 2525
    smtp_starttls: bool = False
    smtp_username: str | None = None
    """With a username, the password is read from Vault ``{prefix}/smtp`` (key ``password``)."""
    from_address: str = "agent@omniops.localhost"
    timeout_s: float = 20.0


class FollowUpSettings(BaseModel):
    """Durations of the follow-up workflows, in seconds (seed 004 P1.3, P1.4, P1.5)."""

    feedback_delay_s: int = 7 * 86_400
    feedback_open_case_recheck_s: int = 86_400
    feedback_open_case_max_wait_s: int = 7 * 86_400
    feedback_response_window_s: int = 14 * 86_400
    quote_follow_up_every_s: int = 3 * 86_400
    quote_max_follow_ups: int = 4
    deal_escalate_after: int = 3
    day_s: int = 86_400
    """Length of a "day" in deal stage thresholds (shorter in local demos and dev-server tests)."""


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


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OMNIOPS_", env_nested_delimiter="__", extra="ignore")

    env: str = "dev"
    data_dir: Path = Path("/var/tmp/omniops")  # noqa: S108 - the launcher checks its owner
    log_level: str = "INFO"
    log_json: bool = True
    temporal: TemporalSettings = Field(default_factory=TemporalSettings)
    vault: VaultSettings = Field(default_factory=VaultSettings)
    crypto: CryptoSettings = Field(default_factory=CryptoSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    browser: BrowserSettings = Field(default_factory=BrowserSettings)
    operations: OperationSettings = Field(default_factory=OperationSettings)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    agent: AgentSettings = Field(default_factory=AgentSettings)
    email: EmailSettings = Field(default_factory=EmailSettings)
    followups: FollowUpSettings = Field(default_factory=FollowUpSettings)
    targets: TargetSettings = Field(default_factory=TargetSettings)
    limits: LimitSettings = Field(default_factory=LimitSettings)
    api_cors_origins: tuple[str, ...] = ("http://localhost:8233",)
    """Origins allowed to call the codec endpoint (the Temporal Web UI)."""

    anthropic_api_key: SecretStr | None = Field(
        default=None, validation_alias="ANTHROPIC_API_KEY", exclude=True, repr=False
    )
    """The Anthropic SDK's own variable, used when ``llm.api_key`` is not set."""
    anthropic_base_url: str | None = Field(default=None, validation_alias="ANTHROPIC_BASE_URL", exclude=True)
    """The Anthropic SDK's own variable, used when ``llm.base_url`` is not set."""

    @model_validator(mode="after")
    def _anthropic_env(self) -> Settings:
        if self.llm.api_key is None and self.anthropic_api_key is not None:
            self.llm.api_key = self.anthropic_api_key
        if self.llm.base_url is None and self.anthropic_base_url:
            self.llm.base_url = self.anthropic_base_url
        return self

    @property
    def service_ports(self) -> set[int]:
        """Ports an operation target may never use unless allowlisted: Vault, Temporal, the
        database and ``targets.service_ports``."""
        ports = set(self.targets.service_ports)
        for url in (self.vault.addr, f"tcp://{self.temporal.address}", self.database.url):
            port = ada_url.URL(url).port
            if port:
                ports.add(int(port))
        return ports

    @property
    def object_dir(self) -> Path:
        """Local object store for encrypted screenshots and checkpoints."""
        return self.data_dir / "objects"

    definitions_dir: Path = Path(__file__).resolve().parent.parent / "definitions"
    """Operation definitions as data (``{service}/{operation}.yaml``)."""


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
