"""The local stack's ports, data dir and the small helpers every part uses (binaries, ports).

The defaults are ``make run``'s stack; the test suite builds its own ``StackConfig`` on other
ports and another data dir (tests/stack_fixtures.py), so both stacks can run side by side.
"""

from __future__ import annotations

import os
import shutil
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE_BIN = Path(os.environ.get("OMNIOPS_CACHE", Path.home() / ".cache" / "omniops")) / "bin"


class StackError(RuntimeError):
    """A part could not be provisioned or started; the message says what and how to fix it."""


@dataclass
class StackConfig:
    """Where one stack keeps its state (``data_dir``) and the 127.0.0.1 ports of its parts."""

    data_dir: Path = Path(os.environ.get("OMNIOPS_DATA_DIR", "/var/tmp/omniops"))  # noqa: S108 - owner-checked
    temporal_port: int = 7233
    ui_port: int = 8233
    vault_port: int = 8200
    pg_port: int = 55432
    api_port: int = 8000
    wp_port: int = 8089
    smtp_port: int = 2525
    redis_port: int = 6379
    imap_port: int = 1143
    oauth_port: int = 8418
    """The local OAuth 2.0 provider (tests/peers/oauth2.py) Dovecot's oauth2 passdb introspects
    XOAUTH2 tokens at, and the stack's Gmail / Microsoft 365 token URLs point to."""
    temporal_cluster: bool = os.environ.get("OMNIOPS_TEMPORAL_CLUSTER") == "1"
    """Run the Temporal server itself on the stack's Postgres (devstack/temporal_cluster.py,
    ``make up CLUSTER=1``) instead of the CLI's dev server (the default)."""
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def run_dir(self) -> Path:
        """Pidfiles and ready files."""
        return self.data_dir / "run"

    @property
    def log_dir(self) -> Path:
        """One log per part (``{name}.log``)."""
        return self.data_dir / "logs"


def find_binary(*names: str) -> str:
    """The first of ``names`` found; PATH wins over the cache (a user with internet access has a
    real install).

    Debian keeps the Postgres server tools in /usr/lib/postgresql/<version>/bin, off PATH.

    Raises:
        StackError: none found (the message names the provisioning command).
    """
    extra = [str(p) for p in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)]
    search = os.pathsep.join([os.environ.get("PATH", ""), str(CACHE_BIN), *extra])
    for name in names:
        found = shutil.which(name, path=search)
        if found:
            return found
    raise StackError(f"{'/'.join(names)} not found: run 'deploy/local/provision.sh tools'")


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    """Whether something accepts TCP connections on ``host:port`` (0.3 s connect timeout)."""
    with socket.socket() as s:
        s.settimeout(0.3)
        return s.connect_ex((host, port)) == 0


def wait_port(port: int, what: str, timeout: float = 60.0, log: Path | None = None) -> None:
    """Poll every 0.2 s until ``port`` opens.

    Raises:
        StackError: not open within ``timeout`` seconds (the message points at ``log``).
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if port_open(port):
            return
        time.sleep(0.2)
    hint = f"; see {log}" if log else ""
    raise StackError(f"{what} did not open port {port} within {timeout:.0f}s{hint}")
