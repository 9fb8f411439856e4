"""The local stack: real Postgres, Temporal dev server, Vault dev server, Redis, WordPress, SMTP
server, Dovecot IMAP server, workers and API.

Used by the launcher (``make run``, devstack/__main__.py) and by the test suite
(tests/stack_fixtures.py), so both run the same parts. Each part is a supervised process
(devstack/processes.py); ``up`` is idempotent: a part that already answers is left alone.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from api import jwt_keys
from api.auth import mint_platform_token
from core.settings import get_settings
from devstack import dovecot, services, temporal_cluster
from devstack.config import ROOT, StackConfig, StackError, port_open, wait_port
from devstack.processes import Processes
from devstack.sites import start_site
from devstack.stack_env import StackEnv

WORKERS = tuple((f"worker-{q}", q) for q in ("agent", "operations", "messaging", "documents", "inbox"))
"""(process name, queue) of each worker; ``inbox``: MailboxSync's understanding (issue 13)."""

BROWSER_WORKER_LACKS = (
    "OMNIOPS_AUTH__LOCAL_KEYS_DIR",
    "OMNIOPS_AUTH__JWKS_URL",
    "OMNIOPS_AUTH__PLATFORM_JWKS_URL",
    "OMNIOPS_DATABASE__URL",
    "OMNIOPS_LLM__API_KEY",
    "ANTHROPIC_API_KEY",
)
"""Never in the operations worker's environment (issue 10, part 4): it needs none of them."""
UI_OPERATOR = "local-webui-operator"
"""The operator the local Web UI decodes as (``sub`` of its codec capability; the audit's actor)."""


class Stack(StackEnv):
    """One local stack on ``config``'s ports and data dir (created 0711, owner-checked)."""

    def __init__(self, config: StackConfig) -> None:
        self.c = config
        for d in (config.data_dir, config.run_dir, config.log_dir):
            d.mkdir(parents=True, exist_ok=True)
        if config.data_dir.stat().st_uid != os.geteuid():
            raise StackError(f"{config.data_dir} belongs to another user; set OMNIOPS_DATA_DIR elsewhere")
        # traversable (not readable) by the postgres user when we run as root; secrets inside are 0600
        os.chmod(config.data_dir, 0o711)  # noqa: S103
        self.procs = Processes(config)

    # --- process supervision (devstack/processes.py), with this stack's environment
    def running(self, name: str) -> int | None:
        return self.procs.running(name)

    def spawn(
        self,
        name: str,
        argv: list[str],
        env: dict[str, str] | None = None,
        user: str | None = None,
        without: tuple[str, ...] = (),
    ) -> subprocess.Popen[bytes]:
        """Start a part with this process's environment, the stack's and ``env``, minus the
        variables named in ``without`` and the owner role's URL (wherever they came from)."""
        merged = {**os.environ, **self.env(), **(env or {})}
        drop = {*without, *self.owner_env()}
        return self.procs.spawn(name, argv, {k: v for k, v in merged.items() if k not in drop}, user)

    def stop(self, name: str, sig: int = signal.SIGTERM, timeout: float = 15.0) -> None:
        self.procs.stop(name, sig, timeout)

    # --- infrastructure parts (devstack/services.py)
    def postgres(self) -> None:
        services.start_postgres(self.c)

    def stop_postgres(self) -> None:
        services.stop_postgres(self.c)

    def temporal(self) -> None:
        """The CLI's dev server, or in cluster mode the Temporal server on Postgres (no Web UI)."""
        if self.c.temporal_cluster:
            self.postgres()
            temporal_cluster.start_temporal_cluster(self.c, self.spawn)
            services.register_search_attributes(self.c)
        else:
            services.start_temporal(self.c, self.spawn, self.ui_codec_capability)

    def ui_codec_capability(self) -> str:
        """A new Web UI codec capability: a platform operator token (subject
        :data:`UI_OPERATOR`) for ``auth.codec_audience``, valid ``auth.codec_capability_max_lifetime_s``,
        signed with this stack's local platform key (api/controllers/codec.py)."""
        settings = get_settings()
        auth = settings.auth.model_copy(update={"local_keys_dir": self.c.data_dir / "jwt"})
        jwt_keys.ensure_local_keys(self.c.data_dir / "jwt")
        return mint_platform_token(
            settings.model_copy(update={"auth": auth}),
            UI_OPERATOR,
            ttl_s=auth.codec_capability_max_lifetime_s,
            audience=auth.codec_audience,
        )

    def vault(self) -> None:
        services.start_vault(self.c, self.spawn, self.env()["OMNIOPS_VAULT__TOKEN"])

    def redis(self) -> None:
        services.start_redis(self.c, self.spawn)

    def wordpress(self) -> dict[str, str]:
        """Start WordPress; returns its url, username and password_file (the secret stays on disk)."""
        return services.start_wordpress(self.c)

    def site(self, name: str) -> dict[str, str]:
        """Start the local admin app ``name`` (``deploy/local/{name}.sh``: redmine, zabbix) on its
        default port; returns its url, username and password_file, like ``wordpress``."""
        return start_site(name)

    def migrate(self) -> None:
        """``alembic upgrade head`` against this stack's database, as the owner role."""
        self._python("alembic", "upgrade", "head", env=self.owner_env())

    def bootstrap(self) -> None:
        """Create the Vault keyring (first run) in this stack's Vault."""
        self._python("devstack", "bootstrap")

    def _python(self, module: str, *args: str, env: dict[str, str] | None = None) -> None:
        argv = [sys.executable, "-m", module, *args]
        merged = {**os.environ, **self.env(), **(env or {})}
        subprocess.run(argv, check=True, cwd=ROOT, env=merged, capture_output=True)

    # --- our own processes
    def worker(
        self,
        name: str,
        *queues: str,
        timeout: float = 180.0,
        args: tuple[str, ...] = (),
        env: dict[str, str] | None = None,
    ) -> None:
        """Start a worker process and wait until its pollers run (it writes a ready file).

        An ``operations``-only worker runs with :meth:`browser_env` and without
        :data:`BROWSER_WORKER_LACKS` (no JWT key, no database URL, no root token)."""
        if self.running(name):
            return
        ready = self.c.run_dir / f"{name}.ready"
        ready.unlink(missing_ok=True)
        browser = queues == ("operations",)
        self.spawn(
            name,
            [sys.executable, "-m", "workers.run", *queues, *args],
            env={**(self.browser_env() if browser else {}), **(env or {}), "OMNIOPS_READY_FILE": str(ready)},
            without=BROWSER_WORKER_LACKS if browser else (),
        )
        deadline = time.monotonic() + timeout
        while not ready.exists():
            if time.monotonic() > deadline or not self.running(name):
                raise StackError(f"worker {name} did not start; see {self.c.log_dir / (name + '.log')}")
            time.sleep(0.1)

    @property
    def maildir(self) -> Path:
        """Where the local SMTP server keeps every message it accepted."""
        return self.c.data_dir / "mail"

    def mail(self) -> None:
        """The local SMTP server (aiosmtpd, ``devstack.mailsink``), the stand-in for the provider."""
        if port_open(self.c.smtp_port):
            return
        argv = [sys.executable, "-m", "devstack.mailsink", "--port", str(self.c.smtp_port)]
        self.spawn("mail", [*argv, "--maildir", str(self.maildir)])
        wait_port(self.c.smtp_port, "smtp", log=self.c.log_dir / "mail.log")

    def imap(self) -> None:
        """The private Dovecot IMAP server (devstack/dovecot.py) on ``imap_port``."""
        dovecot.start_dovecot(self.c)

    def add_mailbox(self, user: str, password: str) -> None:
        """A mailbox on this stack's Dovecot (created or re-keyed)."""
        dovecot.add_mailbox(self.c, user, password)

    def api(self, name: str = "api", port: int | None = None, env: dict[str, str] | None = None) -> None:
        """The API (``python -m api``: uvicorn, ``OMNIOPS_API__WORKERS`` processes; the port opens
        once one has run the app's startup) on ``port`` (default ``api_port``); tests start more
        under other names, ports and settings (``env``)."""
        port = port or self.c.api_port
        if port_open(port):
            return
        argv = [sys.executable, "-m", "api", "--host", "127.0.0.1", "--port", str(port)]
        self.spawn(name, argv, env=env)
        wait_port(port, name, timeout=120, log=self.c.log_dir / f"{name}.log")

    def infra_up(self) -> None:
        """Postgres, Temporal, Vault, Redis, schema and keyring (no Python services)."""
        self.postgres()
        self.vault()
        self.redis()
        self.temporal()
        self.migrate()
        self.bootstrap()

    def up(self) -> dict[str, str]:
        """Every part; returns WordPress's url, username and password_file."""
        self.infra_up()
        wp = self.wordpress()
        self.mail()
        self.imap()
        for name, queue in WORKERS:
            self.worker(name, queue)
        self.api()
        return wp

    def down(self) -> None:
        """Stop every part, the API first and Postgres last; the dev Vault's keys are copied to
        the data dir first (``python -m devstack backup-keys``; bootstrap restores them)."""
        if self.running("vault"):
            with contextlib.suppress(subprocess.CalledProcessError, subprocess.TimeoutExpired):
                self._python("devstack", "backup-keys")
        for name in ("api", *(name for name, _ in reversed(WORKERS)), "mail", "redis", "temporal", "vault"):
            self.stop(name)
        dovecot.stop_dovecot(self.c)
        self.stop_postgres()
