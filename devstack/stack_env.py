"""The environment of a local stack's processes (devstack/stack.py): the ``OMNIOPS_*`` variables
every part runs with, the local secrets and identity providers they name (generated on first use
in the data dir, mode 600, never in the repo), the owner role's URL for migrations and fixtures
only, and the operations worker's narrow Vault token."""

from __future__ import annotations

import json
import os
import secrets

from api import jwt_keys
from core.settings import BrowserSettings
from devstack import dovecot_oauth2, services
from devstack.config import StackConfig, StackError


class StackEnv:
    """What :class:`devstack.stack.Stack` hands its processes; ``c``: the stack's config."""

    c: StackConfig

    # --- secrets generated on first use, kept in the data dir (mode 600), never in the repo
    def _local_secret(self, name: str) -> str:
        path = self.c.data_dir / name
        if not path.exists():
            path.write_text(secrets.token_urlsafe(32))
            path.chmod(0o600)
        return path.read_text().strip()

    def _jwt_env(self) -> dict[str, str]:
        """Local identity providers (api/jwt_keys.py): ES256 keys in ``{data_dir}/jwt``; the
        API reads the public sets by ``file://`` URL, as it would a production IdP's JWKS URL."""
        keys = self.c.data_dir / "jwt"
        jwt_keys.ensure_local_keys(keys)
        return {
            "OMNIOPS_AUTH__LOCAL_KEYS_DIR": str(keys),
            "OMNIOPS_AUTH__JWKS_URL": jwt_keys.jwks_url(keys, "tenant"),
            "OMNIOPS_AUTH__PLATFORM_JWKS_URL": jwt_keys.jwks_url(keys, "platform"),
        }

    def env(self) -> dict[str, str]:
        """The OMNIOPS_* environment every process of this stack runs with."""
        c = self.c
        env = {
            "OMNIOPS_DATA_DIR": str(c.data_dir),
            "OMNIOPS_TEMPORAL__ADDRESS": f"127.0.0.1:{c.temporal_port}",
            "OMNIOPS_TEMPORAL__UI_URL": f"http://localhost:{c.ui_port}",
            "OMNIOPS_VAULT__ADDR": f"http://127.0.0.1:{c.vault_port}",
            "OMNIOPS_VAULT__TOKEN": self._local_secret("vault.token"),
            "OMNIOPS_DATABASE__URL": self.db_url(services.PG_APP),
            **self._jwt_env(),
            "OMNIOPS_API_CORS_ORIGINS": json.dumps([f"http://localhost:{c.ui_port}"]),
            # the API this stack runs (:meth:`api`): absolute links in emails (quote view links)
            "OMNIOPS_API_PUBLIC_URL": f"http://localhost:{c.api_port}",
            "OMNIOPS_EMAIL__SMTP_HOST": "127.0.0.1",
            "OMNIOPS_EMAIL__SMTP_PORT": str(c.smtp_port),
            "OMNIOPS_RESILIENCE__IMAP_HOST": "127.0.0.1",
            "OMNIOPS_RESILIENCE__IMAP_PORT": str(c.imap_port),
            "OMNIOPS_LIMITS__STORAGE_URL": f"async+redis://127.0.0.1:{c.redis_port}/0",
            **dovecot_oauth2.env(c),  # Gmail / Microsoft 365 token URLs: the local OAuth peer
        }
        # local default: email goes to the local SMTP server, only for the demo domain (internal_only)
        if "OMNIOPS_EMAIL__MODE" not in os.environ:
            env["OMNIOPS_EMAIL__MODE"] = "internal_only"
            env["OMNIOPS_EMAIL__ALLOWLIST"] = '["example.test"]'
        env.update(c.extra_env)
        return env

    def db_url(self, role: str) -> str:
        """This stack's database as ``role`` (trust auth on 127.0.0.1: no password)."""
        return f"postgresql+psycopg://{role}@127.0.0.1:{self.c.pg_port}/omniops"

    def owner_env(self) -> dict[str, str]:
        """The owner role's URL, for the migrations and the test fixtures only: the API and the
        workers never get it (they run as the application role of :meth:`env`)."""
        return {"OMNIOPS_DATABASE__MIGRATION_URL": self.db_url(services.PG_OWNER)}

    def browser_env(self) -> dict[str, str]:
        """What the operations worker runs with instead of the stack's root token: the narrow
        ``omniops-browser`` token made at bootstrap (keyring read and wrapping only). Makes the
        unprivileged user Chromium runs as when we are root.

        Raises:
            StackError: no token yet (bootstrap has not run).
        """
        token = self.c.data_dir / services.BROWSER_TOKEN_FILE
        if not token.exists():
            raise StackError(f"{token} is missing: run 'python -m devstack bootstrap'")
        user = self.env().get("OMNIOPS_BROWSER__RUN_AS_USER") or os.environ.get(
            "OMNIOPS_BROWSER__RUN_AS_USER", BrowserSettings().run_as_user
        )
        services.ensure_browser_user(user)
        return {"OMNIOPS_VAULT__TOKEN": token.read_text().strip()}
