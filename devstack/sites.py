"""The local admin apps beyond WordPress, started only when asked for (issue 15 Build 3).

Each is ``deploy/local/{name}.sh``: idempotent, on its own Apache port, printing one JSON line
``{"url", "username", "password_file"}`` (the admin secret stays on disk beside the site).
Redmine (Debian ``redmine`` + SQLite, Passenger) on 8091; Zabbix (``zabbix-frontend-php`` on
MariaDB) on 8092.
"""

from __future__ import annotations

import json
import os
import subprocess

from devstack.config import ROOT, StackError

SITES = ("redmine", "zabbix")


def start_site(name: str) -> dict[str, str]:
    """Run ``deploy/local/{name}.sh``; raises StackError (its stderr) when it fails."""
    if name not in SITES:
        raise StackError(f"unknown local site {name!r} (one of {', '.join(SITES)})")
    script = ROOT / "deploy" / "local" / f"{name}.sh"
    out = subprocess.run([str(script)], env=dict(os.environ), capture_output=True, text=True)
    if out.returncode != 0:
        raise StackError(f"{name}: {out.stderr.strip()[-2000:]}")
    result: dict[str, str] = json.loads(out.stdout.strip().splitlines()[-1])
    return result
