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

from core.api_settings import ApiServerSettings
from core.audit_settings import AuditSettings
from core.document_settings import DocumentSettings
from core.followup_settings import FollowUpSettings
from core.import_settings import ImportSettings
from core.inbox_settings import InboxSettings
from core.integration_settings import IntegrationSettings
from core.mailparse_settings import MailParseSettings
from core.observability_settings import ObservabilitySettings
from core.plan_settings import PlanSettings
from core.resilience_settings import ResilienceSettings
from core.search_settings import SearchSettings
from core.security_settings import (
    AuthSettings,
    CryptoSettings,
    DatabaseSettings,
    LimitSettings,
    TargetSettings,
)
from core.worker_settings import WorkerSettings

__all__ = [
    "DocumentSettings",
    "FollowUpSettings",
    "ImportSettings",
    "MailParseSettings",
    "ObservabilitySettings",
    "AuthSettings",
    "CryptoSettings",
    "DatabaseSettings",
    "LimitSettings",
    "SearchSettings",
    "Settings",
    "TargetSettings",
    "get_settings",
]


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
    role_id: str | None = None
    """AppRole login (deploy/vault/README.md) instead of ``token``: the role's id..."""
    secret_id_file: Path | None = None
    """...and a file holding its secret id (mounted from a secret store, never in the env)."""
    approle_mount: str = "approle"


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
    alert_sweep_every_s: int = 3600
    """The alert sweep's schedule (``alert-sweep``, workflows/alert_sweep.py): hourly."""
    alert_sweep_page: int = 200
    """Tenants per ``evaluate_alerts`` call of the sweep."""
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
    imports: ImportSettings = Field(default_factory=ImportSettings)
    documents: DocumentSettings = Field(default_factory=DocumentSettings)
    audit: AuditSettings = Field(default_factory=AuditSettings)
    mailparse: MailParseSettings = Field(default_factory=MailParseSettings)
    search: SearchSettings = Field(default_factory=SearchSettings)
    inbox: InboxSettings = Field(default_factory=InboxSettings)
    resilience: ResilienceSettings = Field(default_factory=ResilienceSettings)
    integrations: IntegrationSettings = Field(default_factory=IntegrationSettings)
    observability: ObservabilitySettings = Field(default_factory=ObservabilitySettings)
    plans: PlanSettings = Field(default_factory=PlanSettings)
    workers: WorkerSettings = Field(default_factory=WorkerSettings)
    """Worker slots, pollers and sticky cache (``OMNIOPS_WORKERS__*``, issue 17)."""
    api: ApiServerSettings = Field(default_factory=ApiServerSettings)
    """How ``python -m api`` serves the API: worker processes, address (``OMNIOPS_API__*``)."""
    api_cors_origins: tuple[str, ...] = ("http://localhost:8233",)
    """Origins allowed to call the codec endpoint (the Temporal Web UI)."""
    api_public_url: str = "http://localhost:8000"
    """The API's address as clients and host applications reach it: absolute links in emails
    (a quote's tracked view link) and the order webhook's receiver URL (issue 12)."""

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
