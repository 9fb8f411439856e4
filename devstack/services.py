"""The stack's infrastructure parts: Postgres, the Temporal dev server, the Vault dev server, Redis
and WordPress. Each ``start_*`` is idempotent: a part whose port already answers is left alone.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import hvac
from hvac.exceptions import VaultError

from core.search_attributes import ALL as SEARCH_ATTRIBUTES
from devstack.config import ROOT, StackConfig, StackError, find_binary, port_open, wait_port


class Spawn(Protocol):
    """Start a supervised part (``Stack.spawn``): name, argv and extra environment."""

    def __call__(self, name: str, argv: list[str], env: dict[str, str] | None = None) -> object: ...


def _as_postgres(cmd: list[str], user: str | None) -> list[str]:
    return ["runuser", "-u", user, "--", *cmd] if user else cmd


PG_OWNER = "omniops"
"""Owns the database and its tables; the migrations run as it (``database.migration_url``)."""
PG_APP = "omniops_app"
"""The API and the workers (``database.url``): LOGIN, no superuser, no BYPASSRLS, not the owner;
migration 0008 grants it DML on the tables, so row-level security applies to it."""
_ROLES = f"""DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{PG_OWNER}') THEN CREATE ROLE {PG_OWNER} LOGIN; END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{PG_APP}') THEN CREATE ROLE {PG_APP} LOGIN; END IF;
END $$;
ALTER ROLE {PG_APP} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION;"""  # noqa: S608 - constants


def start_postgres(c: StackConfig) -> None:
    """A Postgres cluster in ``{data_dir}/pg`` on ``pg_port`` (trust auth, 127.0.0.1 only; run as
    the ``postgres`` user when we are root), with the database ``omniops`` owned by
    :data:`PG_OWNER` and the application role :data:`PG_APP` (both made if missing, also when the
    cluster was already running)."""
    if not port_open(c.pg_port):
        _start_cluster(c)
    psql = [find_binary("psql"), "-h", "127.0.0.1", "-p", str(c.pg_port), "-U", "postgres", "-tAc"]
    subprocess.run([*psql, _ROLES], check=True, capture_output=True)
    if not subprocess.run(
        [*psql, "SELECT 1 FROM pg_database WHERE datname='omniops'"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip():
        subprocess.run([*psql, f"CREATE DATABASE omniops OWNER {PG_OWNER}"], check=True, capture_output=True)


def _start_cluster(c: StackConfig) -> None:
    pgdir = c.data_dir / "pg"
    user = "postgres" if os.geteuid() == 0 else None
    initdb, pg_ctl = find_binary("initdb"), find_binary("pg_ctl")
    if not (pgdir / "PG_VERSION").exists():
        pgdir.mkdir(parents=True, exist_ok=True)
        if user:
            shutil.chown(pgdir, user, user)
        cmd = [initdb, "-D", str(pgdir), "-U", "postgres", "--auth=trust", "-E", "UTF8"]
        subprocess.run(_as_postgres(cmd, user), check=True, capture_output=True)
    log = c.log_dir / "postgres.log"
    log.touch()
    if user:
        shutil.chown(log, user, user)
    opts = f"-p {c.pg_port} -c listen_addresses=127.0.0.1 -k {pgdir}"
    cmd = [pg_ctl, "-D", str(pgdir), "-l", str(log), "-o", opts, "-w", "start"]
    subprocess.run(_as_postgres(cmd, user), check=True, capture_output=True)
    wait_port(c.pg_port, "postgres", log=log)


def stop_postgres(c: StackConfig) -> None:
    """``pg_ctl stop -m fast`` if the cluster in ``{data_dir}/pg`` is running."""
    pgdir = c.data_dir / "pg"
    if not (pgdir / "postmaster.pid").exists():
        return
    cmd = [find_binary("pg_ctl"), "-D", str(pgdir), "-m", "fast", "stop"]
    subprocess.run(_as_postgres(cmd, "postgres" if os.geteuid() == 0 else None), capture_output=True)


UI_CODEC_ENV_FILE = "temporal-ui.yaml"
"""In the data dir (mode 600): the Temporal CLI environment file that gives the dev server's Web
UI its codec endpoint, whose path holds the UI's codec capability (a bearer secret)."""
UI_CODEC_ENV = "omniops-ui"
"""The environment name in that file (``temporal --env-file FILE --env omniops-ui``)."""


def write_ui_codec_config(c: StackConfig, capability: str) -> Path:
    """The CLI environment file (mode 600) setting ``ui-codec-endpoint`` to
    ``http://localhost:{api_port}/codec/ui/{capability}``: the capability reaches the UI through a
    file, never the command line (``ps``) or a log. Returns its path."""
    path = c.data_dir / UI_CODEC_ENV_FILE
    endpoint = f"http://localhost:{c.api_port}/codec/ui/{capability}"
    body = json.dumps({"env": {UI_CODEC_ENV: {"ui-codec-endpoint": endpoint}}})  # JSON is YAML
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(body)
    return path


SQLITE_PRAGMAS = ("journal_mode=wal", "synchronous=normal", "busy_timeout=10000")
"""The dev server's SQLite file in WAL mode: readers no longer wait for the writer and a commit
is an append, not a journal rewrite (issue 17 Build 6); ``synchronous=normal`` is durable across
a process crash (WAL), a power loss may lose the last commits: a dev server's trade."""


def start_temporal(c: StackConfig, spawn: Spawn, ui_codec_capability: Callable[[], str]) -> None:
    """``temporal server start-dev`` (Web UI on ``ui_port``) with our search attributes registered.

    The Web UI decodes through the API's ``/codec/ui/{capability}`` route: a fresh capability
    (``ui_codec_capability()``, a platform operator token for the codec audience) is minted at
    each start and handed over in :data:`UI_CODEC_ENV_FILE`. start-dev reads UI flags at every
    start (unlike search attributes, which it registers only in a new database file), so a
    restart of this part rotates the capability."""
    if port_open(c.temporal_port):
        return
    env_file = write_ui_codec_config(c, ui_codec_capability())
    argv = [
        find_binary("temporal"),
        "server",
        "start-dev",
        "--env-file",
        str(env_file),
        "--env",
        UI_CODEC_ENV,
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
        *(arg for p in SQLITE_PRAGMAS for arg in ("--sqlite-pragma", p)),
    ]
    for key in SEARCH_ATTRIBUTES:
        argv += ["--search-attribute", f"{key.name}=Keyword"]
    spawn("temporal", argv)
    wait_port(c.temporal_port, "temporal", timeout=90, log=c.log_dir / "temporal.log")
    register_search_attributes(c)


def register_search_attributes(c: StackConfig) -> None:
    """Register what the server lacks of ours (start-dev registers its flags only in a new
    database file; the cluster-mode server starts with none)."""
    cli = [find_binary("temporal"), "operator", "search-attribute"]
    addr = ["--address", f"127.0.0.1:{c.temporal_port}"]
    listed = subprocess.run([*cli, "list", *addr], capture_output=True, text=True, check=True).stdout
    have = {line.split()[0] for line in listed.splitlines() if line.strip()}
    for key in SEARCH_ATTRIBUTES:
        if key.name not in have:
            subprocess.run(
                [*cli, "create", "--name", key.name, "--type", "Keyword", *addr],
                capture_output=True,
                check=True,
            )


def start_vault(c: StackConfig, spawn: Spawn, token: str) -> None:
    """The Vault (or OpenBao) dev server on ``vault_port`` with root token ``token``."""
    if port_open(c.vault_port):
        return
    argv = [
        find_binary("vault", "bao"),
        "server",
        "-dev",
        f"-dev-root-token-id={token}",
        f"-dev-listen-address=127.0.0.1:{c.vault_port}",
    ]
    spawn("vault", argv, env={"VAULT_DEV_ROOT_TOKEN_ID": token, "HOME": str(c.data_dir)})
    wait_port(c.vault_port, "vault", log=c.log_dir / "vault.log")


def start_redis(c: StackConfig, spawn: Spawn) -> None:
    """Redis on ``redis_port`` (127.0.0.1, no persistence, data dir ``{data_dir}/redis``): the API
    replicas' shared rate-limit counters and stream slots (api/ratelimit.py, api/streams.py)."""
    if port_open(c.redis_port):
        return
    data = c.data_dir / "redis"
    data.mkdir(exist_ok=True)
    argv = [find_binary("redis-server"), "--bind", "127.0.0.1", "--port", str(c.redis_port)]
    argv += ["--save", "", "--appendonly", "no", "--dir", str(data), "--protected-mode", "yes"]
    spawn("redis", argv)
    wait_port(c.redis_port, "redis", log=c.log_dir / "redis.log")


def start_wordpress(c: StackConfig) -> dict[str, str]:
    """Start WordPress (deploy/local/wordpress.sh on ``wp_port``).

    Returns:
        ``{"url", "username", "password_file"}``: the secret stays on disk.

    Raises:
        StackError: the script failed (its stderr).
    """
    env = {**os.environ, "OMNIOPS_WP_PORT": str(c.wp_port)}
    out = subprocess.run([str(ROOT / "deploy/local/wordpress.sh")], env=env, capture_output=True, text=True)
    if out.returncode != 0:
        raise StackError(f"wordpress: {out.stderr.strip()}")
    result: dict[str, str] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


TRANSIT_BACKUP = "vault-transit-audit.backup"
"""In the data dir: the dev Vault's audit-digest Transit key, backed up (mode 600) so digests
signed before a restart of the in-memory dev server still verify (issue 16)."""
BROWSER_POLICY = "omniops-browser"
BROWSER_TOKEN_FILE = "vault-browser.token"
"""In the data dir: the browser worker's Vault token (mode 600), made at bootstrap."""
BROWSER_POLICY_FILE = ROOT / "deploy" / "vault" / "omniops-browser.hcl"


def ensure_browser_token(addr: str, root_token: str, token_file: Path) -> None:
    """The ``omniops-browser`` Vault policy (deploy/vault/omniops-browser.hcl) and a token with
    only that policy, kept in ``token_file`` (mode 600). A token that Vault no longer knows (the
    in-memory dev server restarted) or that holds other policies is replaced."""
    root = hvac.Client(url=addr, token=root_token, timeout=10)
    root.sys.create_or_update_policy(name=BROWSER_POLICY, policy=BROWSER_POLICY_FILE.read_text())
    if token_file.exists():
        try:
            info = root.auth.token.lookup(token=token_file.read_text().strip())["data"]
            if sorted(info["policies"]) == [BROWSER_POLICY]:
                return
        except VaultError:
            pass  # unknown to this Vault: make a new one
    created = root.auth.token.create(
        policies=[BROWSER_POLICY],
        no_default_policy=True,
        no_parent=True,
        display_name="omniops-browser-worker",
        ttl="768h",
    )
    token_file.unlink(missing_ok=True)
    fd = os.open(token_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(created["auth"]["client_token"])


def ensure_browser_user(user: str) -> None:
    """The unprivileged user Chromium runs as when the browser worker is root (a system user
    with no home and no login shell); nothing to do when we are not root or it exists."""
    if os.geteuid() != 0:
        return
    if subprocess.run(["id", "-u", user], capture_output=True).returncode == 0:
        return
    cmd = ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", user]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode not in (0, 9):  # 9: created meanwhile by another launcher
        raise StackError(f"useradd {user}: {out.stderr.strip()}")
