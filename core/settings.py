"""One settings class for every process (API, workers, launcher, tests).

Read once through :func:`get_settings`. Environment variables use the prefix ``OMNIOPS_`` and
``__`` for nesting, e.g. ``OMNIOPS_TEMPORAL__ADDRESS=localhost:7233``. Secrets are ``SecretStr``
and never logged.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, Field, SecretStr
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


class DatabaseSettings(BaseModel):
    url: str = "postgresql+psycopg://omniops@127.0.0.1:55432/omniops"


class AuthSettings(BaseModel):
    jwt_secret: SecretStr | None = None
    """HS256 signing key (dev mode). Production uses an IdP; see README."""
    issuer: str = "omniops"
    consent_roles: tuple[str, ...] = ("owner", "admin")
    """Roles that may grant consent (seed 000, consent flow)."""
    system_role: str = "system"
    """A principal with this role may start operations that wait in awaiting_consent."""
    operator_role: str = "operator"


class BrowserSettings(BaseModel):
    executable_path: str = "/usr/bin/chromium"
    headless: bool = True
    args: tuple[str, ...] = (
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
    )
    max_sessions_per_worker: int = 2


class OperationSettings(BaseModel):
    consent_timeout_s: int = 3600
    consent_ttl_days: int = 90
    """Default consent expiry (seed 000: 90-day credential rotation cycle)."""
    step_timeout_s: int = 60
    step_heartbeat_s: int = 5
    session_schedule_to_start_s: int = 15
    max_session_reopens: int = 3


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OMNIOPS_", env_nested_delimiter="__", extra="ignore")

    env: str = "dev"
    data_dir: Path = Path("/var/tmp/omniops")  # noqa: S108 - the launcher checks its owner
    log_level: str = "INFO"
    log_json: bool = True
    temporal: TemporalSettings = Field(default_factory=TemporalSettings)
    vault: VaultSettings = Field(default_factory=VaultSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    browser: BrowserSettings = Field(default_factory=BrowserSettings)
    operations: OperationSettings = Field(default_factory=OperationSettings)
    api_cors_origins: tuple[str, ...] = ("http://localhost:8233",)
    """Origins allowed to call the codec endpoint (the Temporal Web UI)."""

    @property
    def object_dir(self) -> Path:
        """Local object store for encrypted screenshots and checkpoints."""
        return self.data_dir / "objects"

    @property
    def definitions_dir(self) -> Path:
        return Path(__file__).resolve().parent.parent / "definitions"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
