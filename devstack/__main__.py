"""The dev launcher: ``python -m devstack {run,up,down,demo,bootstrap}`` (``make run|up|down``).

``run`` starts the local stack (Postgres, Temporal + Web UI, Vault, WordPress, SMTP server,
workers, API), runs the demo operation and this hour's cycle for the demo tenant
(devstack/demo.py) and stops the stack; it exits 0 only if both succeeded. ``--keep`` leaves the
stack running; ``up`` starts it without the demo; ``down`` stops it; ``bootstrap`` creates the
Vault keyring and the browser worker's Vault token (the stack runs it after the migrations);
``backup-keys`` copies every key under ``keys/`` to the data dir (the stack runs it before it
stops the in-memory dev Vault, and bootstrap restores them, so workflows kept in the dev Temporal
still decode after a restart).
"""

from __future__ import annotations

import argparse
import json
import sys

from core.vault import VaultStore
from devstack.config import StackConfig, StackError
from devstack.demo import demo, demo_cycle, out
from devstack.stack import Stack

KEYS_BACKUP = "dev-keys.json"
"""``{path: data}`` of every key under ``keys/`` (dev only, mode 600)."""


def _key_paths(store: VaultStore) -> list[str]:
    """Every secret under ``keys/``: the legacy keyring, the platform keyring, each tenant's."""
    paths = [p for p in ("keys/payload", "keys/platform/payload") if store.read(p) is not None]
    for tenant in store.list("keys/tenants"):
        paths += [f"keys/tenants/{tenant}{name}" for name in store.list(f"keys/tenants/{tenant}")]
    return paths


def backup_keys() -> None:
    """Copy every key under ``keys/`` to ``{data_dir}/dev-keys.json`` (dev only)."""
    from core.settings import get_settings

    settings = get_settings()
    if settings.env != "dev":
        return
    store = VaultStore(settings)
    backup = settings.data_dir / KEYS_BACKUP
    backup.write_text(json.dumps({p: store.read(p) for p in _key_paths(store)}))
    backup.chmod(0o600)


def bootstrap() -> None:
    """Create (or restore, for the in-memory dev Vault) the keys; in dev, also the browser
    worker's narrow Vault policy and token (devstack/services.py). Tenant and platform keyrings
    are created on first use (core/keys.py); only the legacy one (the object store's) here."""
    from core.keys import KEYRING_PATH, ensure_keyring
    from core.settings import get_settings
    from core.transit import ensure_key
    from devstack.services import BROWSER_TOKEN_FILE, TRANSIT_BACKUP, ensure_browser_token
    from devstack.vault_audit import AUDIT_LOG, ensure_audit_device

    settings = get_settings()
    store = VaultStore(settings)
    old, backup = settings.data_dir / "dev-keyring.json", settings.data_dir / KEYS_BACKUP
    saved = json.loads(backup.read_text()) if backup.exists() else {}
    if old.exists():
        saved.setdefault(KEYRING_PATH, json.loads(old.read_text()))
    for path, data in saved.items():
        if data and store.read(path) is None:
            store.write(path, data)
    ensure_keyring(settings)
    if settings.env == "dev":
        backup_keys()
        root = settings.vault.token.get_secret_value() if settings.vault.token else ""
        ensure_browser_token(settings.vault.addr, root, settings.data_dir / BROWSER_TOKEN_FILE)
        ensure_audit_device(settings.vault.addr, root, settings.data_dir / AUDIT_LOG)
        a = settings.audit  # the audit digests' signing key (issue 16), kept across dev restarts
        ensure_key(
            settings.vault.addr, root, a.transit_mount, a.transit_key, settings.data_dir / TRANSIT_BACKUP
        )


def main() -> int:
    p = argparse.ArgumentParser(
        prog="python -m devstack", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("command", choices=["run", "up", "down", "demo", "bootstrap", "backup-keys"])
    p.add_argument("--keep", action="store_true", help="run: leave the stack running afterwards")
    a = p.parse_args()
    if a.command == "bootstrap":
        bootstrap()
        return 0
    if a.command == "backup-keys":
        backup_keys()
        return 0
    stack = Stack(StackConfig())
    if a.command == "down":
        stack.down()
        out("stack stopped")
        return 0
    try:
        out("starting the local stack (Postgres, Vault, Temporal, WordPress, workers, API)...")
        wp = stack.up()
        ui = f"Temporal Web UI: http://localhost:{stack.c.ui_port}"
        if stack.c.temporal_cluster:  # devstack/temporal_cluster.py: no Web UI in this mode
            ui = f"Temporal server on Postgres at 127.0.0.1:{stack.c.temporal_port} (temporal CLI; no Web UI)"
        out(f"WordPress admin: {wp['url']}/wp-admin/   {ui}")
        if a.command == "up":
            out(f"API: http://127.0.0.1:{stack.c.api_port}/schema/swagger   logs: {stack.c.log_dir}")
            return 0
        code = demo(stack, wp)
        code = max(code, demo_cycle(stack))
    except StackError as e:
        print(f"error: {e}", file=sys.stderr)
        code = 2
    if a.command == "run" and not a.keep:
        stack.down()
    elif a.command == "run":
        out(f"stack left running; stop it with 'make down'. logs: {stack.c.log_dir}")
    return code


if __name__ == "__main__":
    sys.exit(main())
