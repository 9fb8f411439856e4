"""The dev launcher: ``python -m devstack {run,up,down,demo,bootstrap}`` (``make run|up|down``).

``run`` starts the local stack (Postgres, Temporal + Web UI, Vault, WordPress, SMTP server,
workers, API), runs the demo operation and this hour's cycle for the demo tenant
(devstack/demo.py) and stops the stack; it exits 0 only if both succeeded. ``--keep`` leaves the
stack running; ``up`` starts it without the demo; ``down`` stops it; ``bootstrap`` creates the
Vault keyring and the browser worker's Vault token (the stack runs it after the migrations).
"""

from __future__ import annotations

import argparse
import json
import sys

from devstack.config import StackConfig, StackError
from devstack.demo import demo, demo_cycle, out
from devstack.stack import Stack


def bootstrap() -> None:
    """Create (or restore, for the in-memory dev Vault) the payload keyring; in dev, also the
    browser worker's narrow Vault policy and token (devstack/services.py)."""
    from core.keys import KEYRING_PATH, ensure_keyring
    from core.settings import get_settings
    from core.vault import VaultStore
    from devstack.services import BROWSER_TOKEN_FILE, ensure_browser_token

    settings = get_settings()
    store = VaultStore(settings)
    backup = settings.data_dir / "dev-keyring.json"
    if store.read(KEYRING_PATH) is None and backup.exists():
        store.write(KEYRING_PATH, json.loads(backup.read_text()))
    ensure_keyring(settings)
    if settings.env == "dev":
        backup.write_text(json.dumps(store.read(KEYRING_PATH)))
        backup.chmod(0o600)
        root = settings.vault.token.get_secret_value() if settings.vault.token else ""
        ensure_browser_token(settings.vault.addr, root, settings.data_dir / BROWSER_TOKEN_FILE)


def main() -> int:
    p = argparse.ArgumentParser(
        prog="python -m devstack", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("command", choices=["run", "up", "down", "demo", "bootstrap"])
    p.add_argument("--keep", action="store_true", help="run: leave the stack running afterwards")
    a = p.parse_args()
    if a.command == "bootstrap":
        bootstrap()
        return 0
    stack = Stack(StackConfig())
    if a.command == "down":
        stack.down()
        out("stack stopped")
        return 0
    try:
        out("starting the local stack (Postgres, Vault, Temporal, WordPress, workers, API)...")
        wp = stack.up()
        out(f"WordPress admin: {wp['url']}/wp-admin/   Temporal Web UI: http://localhost:{stack.c.ui_port}")
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
