"""Vault's own audit device for the local stack (issue 15 Build 8).

Every request to the dev Vault (each credential read included) is written by Vault itself to
``{data_dir}/vault-audit.log``, one JSON object a line, with secret values HMAC'd by Vault (never
in clear). Beside it, the application writes ``credential_access_log`` rows (who read which
path, for which operation and why); the two can be joined on path and time.
"""

from __future__ import annotations

from pathlib import Path

import hvac

AUDIT_LOG = "vault-audit.log"
"""In the data dir: the file audit device's log."""


def ensure_audit_device(addr: str, root_token: str, path: Path) -> None:
    """Enable the ``file`` audit device at ``path`` unless one is enabled (idempotent)."""
    client = hvac.Client(url=addr, token=root_token)
    enabled = client.sys.list_enabled_audit_devices()
    devices = enabled.get("data", enabled) if isinstance(enabled, dict) else {}
    if "file/" in devices:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    client.sys.enable_audit_device(device_type="file", options={"file_path": str(path), "mode": "0600"})
