"""The local stack: real Postgres, Temporal dev server, Vault dev server, WordPress, workers, API.

Used by the ``dev`` launcher (``make run``) and by the test suite, so both run the same parts.
Each part is a supervised process with a pidfile and a log under ``{data_dir}/run`` and
``{data_dir}/logs``. ``up`` is idempotent: a part that already answers is left alone.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from core.search_attributes import ALL as SEARCH_ATTRIBUTES

ROOT = Path(__file__).resolve().parent.parent
CACHE_BIN = Path(os.environ.get("OMNIOPS_CACHE", Path.home() / ".cache" / "omniops")) / "bin"


class StackError(RuntimeError):
    """A part could not be provisioned or started; the message says what and how to fix it."""


@dataclass
class StackConfig:
    data_dir: Path = Path(os.environ.get("OMNIOPS_DATA_DIR", "/var/tmp/omniops"))  # noqa: S108 - owner-checked
    temporal_port: int = 7233
    ui_port: int = 8233
    vault_port: int = 8200
    pg_port: int = 55432
    api_port: int = 8000
    wp_port: int = 8089
    smtp_port: int = 2525
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def run_dir(self) -> Path:
        return self.data_dir / "run"

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "logs"


def find_binary(*names: str) -> str:
    """PATH wins over the cache (a user with internet access has a real install).

    Debian keeps the Postgres server tools in /usr/lib/postgresql/<version>/bin, off PATH.
    """
    extra = [str(p) for p in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)]
    search = os.pathsep.join([os.environ.get("PATH", ""), str(CACHE_BIN), *extra])
    for name in names:
        found = shutil.which(name, path=search)
        if found:
            return found
    raise StackError(f"{'/'.join(names)} not found: run 'deploy/local/provision.sh tools'")


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as s:
        s.settimeout(0.3)
        return s.connect_ex((host, port)) == 0


def wait_port(port: int, what: str, timeout: float = 60.0, log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if port_open(port):
            return
        time.sleep(0.2)
    hint = f"; see {log}" if log else ""
    raise StackError(f"{what} did not open port {port} within {timeout:.0f}s{hint}")


class Stack:
    def __init__(self, config: StackConfig) -> None:
        self.c = config
        for d in (config.data_dir, config.run_dir, config.log_dir):
            d.mkdir(parents=True, exist_ok=True)
        if config.data_dir.stat().st_uid != os.geteuid():
            raise StackError(f"{config.data_dir} belongs to another user; set OMNIOPS_DATA_DIR elsewhere")
        # traversable (not readable) by the postgres user when we run as root; secrets inside are 0600
        os.chmod(config.data_dir, 0o711)  # noqa: S103

    # --- secrets generated on first use, kept in the data dir (mode 600), never in the repo
    def _local_secret(self, name: str) -> str:
        path = self.c.data_dir / name
        if not path.exists():
            path.write_text(secrets.token_urlsafe(32))
            path.chmod(0o600)
        return path.read_text().strip()

    def env(self) -> dict[str, str]:
        """The OMNIOPS_* environment every process of this stack runs with."""
        c = self.c
        env = {
            "OMNIOPS_DATA_DIR": str(c.data_dir),
            "OMNIOPS_TEMPORAL__ADDRESS": f"127.0.0.1:{c.temporal_port}",
            "OMNIOPS_TEMPORAL__UI_URL": f"http://localhost:{c.ui_port}",
            "OMNIOPS_VAULT__ADDR": f"http://127.0.0.1:{c.vault_port}",
            "OMNIOPS_VAULT__TOKEN": self._local_secret("vault.token"),
            "OMNIOPS_DATABASE__URL": f"postgresql+psycopg://omniops@127.0.0.1:{c.pg_port}/omniops",
            "OMNIOPS_AUTH__JWT_SECRET": self._local_secret("jwt.secret"),
            "OMNIOPS_API_CORS_ORIGINS": json.dumps([f"http://localhost:{c.ui_port}"]),
            "OMNIOPS_EMAIL__SMTP_HOST": "127.0.0.1",
            "OMNIOPS_EMAIL__SMTP_PORT": str(c.smtp_port),
        }
        # local default: email goes to the local SMTP server, only for the demo domain (internal_only)
        if "OMNIOPS_EMAIL__MODE" not in os.environ:
            env["OMNIOPS_EMAIL__MODE"] = "internal_only"
            env["OMNIOPS_EMAIL__ALLOWLIST"] = '["example.test"]'
        env.update(c.extra_env)
        return env

    # --- process supervision
    def _pidfile(self, name: str) -> Path:
        return self.c.run_dir / f"{name}.pid"

    def running(self, name: str) -> int | None:
        pf = self._pidfile(name)
        if not pf.exists():
            return None
        pid = int(pf.read_text())
        try:
            if os.waitpid(pid, os.WNOHANG)[0] == pid:  # our own child exited: reap it
                pf.unlink(missing_ok=True)
                return None
        except ChildProcessError:
            pass  # not our child (started by an earlier launcher)
        try:
            os.kill(pid, 0)
        except OSError:
            pf.unlink(missing_ok=True)
            return None
        return pid

    def spawn(
        self, name: str, argv: list[str], env: dict[str, str] | None = None, user: str | None = None
    ) -> subprocess.Popen[bytes]:
        log = (self.c.log_dir / f"{name}.log").open("ab")
        full_env = {**os.environ, **self.env(), **(env or {})}
        if user:
            argv = ["runuser", "-u", user, "--", *argv]
        proc = subprocess.Popen(
            argv, stdout=log, stderr=subprocess.STDOUT, env=full_env, cwd=ROOT, start_new_session=True
        )
        self._pidfile(name).write_text(str(proc.pid))
        return proc

    def stop(self, name: str, sig: int = signal.SIGTERM, timeout: float = 15.0) -> None:
        pid = self.running(name)
        if pid is None:
            return
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            pass
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.running(name):
            time.sleep(0.1)
        if self.running(name):
            os.killpg(pid, signal.SIGKILL)
        self._pidfile(name).unlink(missing_ok=True)

    # --- parts
    def postgres(self) -> None:
        c = self.c
        if port_open(c.pg_port):
            return
        pgdir = c.data_dir / "pg"
        user = "postgres" if os.geteuid() == 0 else None
        initdb, pg_ctl = find_binary("initdb"), find_binary("pg_ctl")
        if not (pgdir / "PG_VERSION").exists():
            pgdir.mkdir(parents=True, exist_ok=True)
            if user:
                shutil.chown(pgdir, user, user)
            cmd = [initdb, "-D", str(pgdir), "-U", "postgres", "--auth=trust", "-E", "UTF8"]
            if user:
                cmd = ["runuser", "-u", user, "--", *cmd]
            subprocess.run(cmd, check=True, capture_output=True)
        log = c.log_dir / "postgres.log"
        log.touch()
        if user:
            shutil.chown(log, user, user)
        opts = f"-p {c.pg_port} -c listen_addresses=127.0.0.1 -k {pgdir}"
        cmd = [pg_ctl, "-D", str(pgdir), "-l", str(log), "-o", opts, "-w", "start"]
        if user:
            cmd = ["runuser", "-u", user, "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True)
        wait_port(c.pg_port, "postgres", log=log)
        psql = [find_binary("psql"), "-h", "127.0.0.1", "-p", str(c.pg_port), "-U", "postgres", "-tAc"]
        if not subprocess.run(
            [*psql, "SELECT 1 FROM pg_roles WHERE rolname='omniops'"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip():
            subprocess.run([*psql, "CREATE ROLE omniops LOGIN"], check=True, capture_output=True)
        if not subprocess.run(
            [*psql, "SELECT 1 FROM pg_database WHERE datname='omniops'"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip():
            subprocess.run([*psql, "CREATE DATABASE omniops OWNER omniops"], check=True, capture_output=True)

    def stop_postgres(self) -> None:
        pgdir = self.c.data_dir / "pg"
        if not (pgdir / "postmaster.pid").exists():
            return
        cmd = [find_binary("pg_ctl"), "-D", str(pgdir), "-m", "fast", "stop"]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, capture_output=True)

    def temporal(self) -> None:
        c = self.c
        if port_open(c.temporal_port):
            return
        argv = [
            find_binary("temporal"),
            "server",
            "start-dev",
            "--ip",
            "127.0.0.1",
            "--port",
            str(c.temporal_port),
            "--ui-port",
            str(c.ui_port),
            "--db-filename",
            str(c.data_dir / "temporal.db"),
            "--log-level",
            "error",
            "--ui-codec-endpoint",
            f"http://localhost:{c.api_port}/codec",
        ]
        for key in SEARCH_ATTRIBUTES:
            argv += ["--search-attribute", f"{key.name}=Keyword"]
        self.spawn("temporal", argv)
        wait_port(c.temporal_port, "temporal", timeout=90, log=c.log_dir / "temporal.log")
        self._search_attributes()

    def _search_attributes(self) -> None:
        """start-dev registers its flags only in a new database file: add what an older one lacks."""
        cli = [find_binary("temporal"), "operator", "search-attribute"]
        addr = ["--address", f"127.0.0.1:{self.c.temporal_port}"]
        listed = subprocess.run([*cli, "list", *addr], capture_output=True, text=True, check=True).stdout
        have = {line.split()[0] for line in listed.splitlines() if line.strip()}
        for key in SEARCH_ATTRIBUTES:
            if key.name not in have:
                subprocess.run(
                    [*cli, "create", "--name", key.name, "--type", "Keyword", *addr],
                    capture_output=True,
                    check=True,
                )

    def vault(self) -> None:
        c = self.c
        if port_open(c.vault_port):
            return
        token = self.env()["OMNIOPS_VAULT__TOKEN"]
        argv = [
            find_binary("vault", "bao"),
            "server",
            "-dev",
            f"-dev-root-token-id={token}",
            f"-dev-listen-address=127.0.0.1:{c.vault_port}",
        ]
        self.spawn("vault", argv, env={"VAULT_DEV_ROOT_TOKEN_ID": token, "HOME": str(c.data_dir)})
        wait_port(c.vault_port, "vault", log=c.log_dir / "vault.log")

    def wordpress(self) -> dict[str, str]:
        """Start WordPress; returns its url, username and password_file (the secret stays on disk)."""
        env = {**os.environ, "OMNIOPS_WP_PORT": str(self.c.wp_port)}
        out = subprocess.run(
            [str(ROOT / "deploy/local/wordpress.sh")], env=env, capture_output=True, text=True
        )
        if out.returncode != 0:
            raise StackError(f"wordpress: {out.stderr.strip()}")
        return json.loads(out.stdout.strip().splitlines()[-1])

    def migrate(self) -> None:
        subprocess.run(
            [sys.executable, "-m", "alembic", "upgrade", "head"],
            check=True,
            cwd=ROOT,
            env={**os.environ, **self.env()},
            capture_output=True,
        )

    def bootstrap(self) -> None:
        """Create the Vault keyring (first run) in this stack's Vault."""
        subprocess.run(
            [sys.executable, "-m", "workers.dev", "bootstrap"],
            check=True,
            cwd=ROOT,
            env={**os.environ, **self.env()},
            capture_output=True,
        )

    def worker(
        self,
        name: str,
        *queues: str,
        timeout: float = 60.0,
        args: tuple[str, ...] = (),
        env: dict[str, str] | None = None,
    ) -> None:
        """Start a worker process and wait until its pollers run (it writes a ready file)."""
        if self.running(name):
            return
        ready = self.c.run_dir / f"{name}.ready"
        ready.unlink(missing_ok=True)
        self.spawn(
            name,
            [sys.executable, "-m", "workers.run", *queues, *args],
            env={**(env or {}), "OMNIOPS_READY_FILE": str(ready)},
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
        """The local SMTP server (aiosmtpd, ``workers.mailsink``), the stand-in for the provider."""
        if port_open(self.c.smtp_port):
            return
        argv = [sys.executable, "-m", "workers.mailsink", "--port", str(self.c.smtp_port)]
        self.spawn("mail", [*argv, "--maildir", str(self.maildir)])
        wait_port(self.c.smtp_port, "smtp", log=self.c.log_dir / "mail.log")

    def api(self) -> None:
        if port_open(self.c.api_port):
            return
        self.spawn(
            "api",
            [
                sys.executable,
                "-m",
                "uvicorn",
                "api.app:create_app",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.c.api_port),
                "--log-level",
                "warning",
            ],
        )
        wait_port(self.c.api_port, "api", log=self.c.log_dir / "api.log")

    def infra_up(self) -> None:
        """Postgres, Temporal, Vault, schema and keyring (no Python services)."""
        self.postgres()
        self.vault()
        self.temporal()
        self.migrate()
        self.bootstrap()

    def up(self) -> dict[str, str]:
        self.infra_up()
        wp = self.wordpress()
        self.mail()
        self.worker("worker-agent", "agent")
        self.worker("worker-operations", "operations")
        self.worker("worker-messaging", "messaging")
        self.api()
        return wp

    def down(self) -> None:
        for name in (
            "api",
            "worker-messaging",
            "worker-operations",
            "worker-agent",
            "mail",
            "temporal",
            "vault",
        ):
            self.stop(name)
        self.stop_postgres()
