"""The Temporal server itself on the stack's Postgres: the stack's "cluster mode" (issue 17 Build 1).

``temporal-server`` and ``temporal-sql-tool`` are built from the Go module
``go.temporal.io/server`` (deploy/local/provision.sh ``cluster``, cached in ``~/.cache/omniops/bin``
with the module's SQL schema in ``~/.cache/omniops/temporal-schema/{version}``). This module:

1. makes the Postgres role ``temporal`` (LOGIN CREATEDB, trust auth on 127.0.0.1) and, through
   Temporal's own SQL tool, the databases ``temporal`` and ``temporal_visibility`` with their
   schema (``create-database``, ``setup-schema -v 0.0``, ``update-schema -d <versioned dir>``:
   idempotent, so a newer server version's schema updates apply on the next start);
2. renders deploy/temporal/development-postgres.yaml (the ports of all four services, the
   database, the history shards) into ``{data_dir}/temporal-cluster/config``;
3. starts all four services in one process (``start --allow-no-auth``), creates the namespace
   and registers our search attributes (SQL visibility keeps custom Keyword attributes).

No Web UI in this mode: the CLI's embedded UI serves only its own dev server. Operators use the
``temporal`` CLI against the same address (``workflow list --query``, ``operator ...``).
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path
from string import Template

from devstack.config import ROOT, StackConfig, StackError, find_binary, port_open
from devstack.services import Spawn

SERVER_VERSION = os.environ.get("TEMPORAL_SERVER_VERSION", "v1.29.1")
"""The ``go.temporal.io/server`` tag provision.sh builds (the server inside CLI v1.5.1)."""
SCHEMA_ROOT = Path(os.environ.get("OMNIOPS_CACHE", Path.home() / ".cache" / "omniops")) / "temporal-schema"
TEMPLATE = ROOT / "deploy" / "temporal" / "development-postgres.yaml"
DYNAMIC_CONFIG = ROOT / "deploy" / "temporal" / "dynamicconfig.yaml"
USER = "temporal"
DATABASES = {"temporal": "temporal", "temporal_visibility": "visibility"}
"""Database name → its schema directory under ``schema/postgresql/v12``."""
HISTORY_SHARDS = int(os.environ.get("OMNIOPS_TEMPORAL_HISTORY_SHARDS", "8"))
"""Fixed when the database is first set up (Temporal cannot change it later)."""
RESET_MARKER = "temporal-cluster/reset"
"""In the data dir: the next start drops and recreates both databases (the test stack's fresh start)."""


def ports(c: StackConfig) -> dict[str, int]:
    """The server's ports: the frontend on ``temporal_port``, the rest on the next eight.

    Raises:
        StackError: one would exceed 32767 (Temporal stores membership ports as a smallint).
    """
    if c.temporal_port + 8 > 32767:
        raise StackError(f"cluster mode needs temporal_port + 8 <= 32767, not {c.temporal_port}")
    names = (
        "frontend",
        "frontend_membership",
        "history",
        "history_membership",
        "matching",
        "matching_membership",
        "worker",
        "worker_membership",
        "frontend_http",
    )
    return {f"{n}_port": c.temporal_port + i for i, n in enumerate(names)}


def schema_dir() -> Path:
    """``schema/postgresql/v12`` of :data:`SERVER_VERSION` (copied by provision.sh).

    Raises:
        StackError: not provisioned.
    """
    d = SCHEMA_ROOT / SERVER_VERSION / "postgresql" / "v12"
    if not (d / "temporal" / "versioned").is_dir():
        raise StackError(f"{d} is missing: run 'deploy/local/provision.sh cluster'")
    return d


def _psql(c: StackConfig, sql: str, db: str = "postgres") -> str:
    argv = [find_binary("psql"), "-h", "127.0.0.1", "-p", str(c.pg_port), "-U", "postgres", "-d", db, "-tAc"]
    return subprocess.run([*argv, sql], check=True, capture_output=True, text=True).stdout.strip()


def _sql_tool(c: StackConfig, db: str, *args: str) -> None:
    argv = [find_binary("temporal-sql-tool"), "--plugin", "postgres12", "--ep", "127.0.0.1"]
    argv += ["--port", str(c.pg_port), "--user", USER, "--password", "", "--db", db, *args]
    out = subprocess.run(argv, capture_output=True, text=True)
    if out.returncode != 0:
        raise StackError(f"temporal-sql-tool {' '.join(args)} on {db}: {out.stderr.strip()[-800:]}")


_ROLE = f"""DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{USER}') THEN
    CREATE ROLE {USER} LOGIN CREATEDB;
  END IF;
END $$;"""


def setup_databases(c: StackConfig) -> None:
    """Role, databases and schema (idempotent; drops both databases first after a reset)."""
    marker = c.data_dir / RESET_MARKER
    _psql(c, _ROLE)
    for db, kind in DATABASES.items():
        if marker.exists():
            _psql(c, f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
        if not _psql(c, f"SELECT 1 FROM pg_database WHERE datname='{db}'"):  # noqa: S608 - constant
            _sql_tool(c, db, "create-database")
        if not _psql(c, "SELECT to_regclass('public.schema_version')", db=db):
            _sql_tool(c, db, "setup-schema", "-v", "0.0")
        _sql_tool(c, db, "update-schema", "-d", str(schema_dir() / kind / "versioned"))
    marker.unlink(missing_ok=True)


def render_config(c: StackConfig) -> Path:
    """deploy/temporal/development-postgres.yaml rendered for this stack; returns the config dir."""
    d = c.data_dir / "temporal-cluster" / "config"
    d.mkdir(parents=True, exist_ok=True)
    values = {
        **ports(c),
        "pg_port": c.pg_port,
        "user": USER,
        "db": "temporal",
        "visibility_db": "temporal_visibility",
        "history_shards": HISTORY_SHARDS,
        "log_level": "warn",
        "dynamic_config": str(DYNAMIC_CONFIG),
    }
    (d / "development.yaml").write_text(Template(TEMPLATE.read_text()).substitute(values))
    return d


def _cli(c: StackConfig, *args: str) -> subprocess.CompletedProcess[str]:
    argv = [find_binary("temporal"), *args, "--address", f"127.0.0.1:{c.temporal_port}"]
    return subprocess.run(argv, capture_output=True, text=True)


def ensure_namespace(c: StackConfig, namespace: str = "default", timeout: float = 60.0) -> None:
    """Create ``namespace`` (1-day retention) once the frontend answers, and wait until it is
    usable (its search attributes list: the frontend's namespace cache has it); fine if it exists.

    Raises:
        StackError: not usable within ``timeout`` seconds.
    """
    deadline, last = time.monotonic() + timeout, ""
    while time.monotonic() < deadline:
        if _cli(c, "operator", "search-attribute", "list", "--namespace", namespace).returncode == 0:
            return
        out = _cli(c, "operator", "namespace", "create", "--namespace", namespace, "--retention", "24h")
        if out.returncode != 0 and "already" not in out.stderr.lower():
            last = out.stderr.strip()[-300:]
        time.sleep(1.0)
    raise StackError(f"temporal cluster: namespace {namespace} not created: {last}")


def start_temporal_cluster(c: StackConfig, spawn: Spawn) -> None:
    """Start ``temporal-server`` on the stack's Postgres (Postgres must be up); idempotent."""
    if port_open(c.temporal_port):
        return
    setup_databases(c)
    config = render_config(c)
    root = config.parent  # --config is relative to --root
    argv = [find_binary("temporal-server"), "--root", str(root), "--config", config.name]
    proc = spawn("temporal", [*argv, "--env", "development", "--allow-no-auth", "start"])
    log = c.log_dir / "temporal.log"
    deadline = time.monotonic() + 180
    while not port_open(c.temporal_port):
        if getattr(proc, "poll", lambda: None)() is not None or time.monotonic() > deadline:
            tail = log.read_text(errors="replace").strip().splitlines()[-3:] if log.exists() else []
            raise StackError(f"temporal-server did not start (see {log}): {' | '.join(tail)[-600:]}")
        time.sleep(0.2)
    ensure_namespace(c)


def request_reset(c: StackConfig) -> None:
    """Ask the next :func:`start_temporal_cluster` for empty Temporal databases."""
    marker = c.data_dir / RESET_MARKER
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.touch()
