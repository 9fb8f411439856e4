"""Mint a dev JWT: ``python -m api.tokens --tenant demo --user alice --roles admin [--ttl 3600]``."""

from __future__ import annotations

import argparse

from api.auth import mint_token
from core.settings import get_settings

if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--tenant", required=True)
    p.add_argument("--user", required=True)
    p.add_argument("--roles", default="admin", help="comma-separated, e.g. admin,operator")
    p.add_argument("--ttl", type=int, default=3600, help="seconds")
    a = p.parse_args()
    print(mint_token(get_settings(), a.tenant, a.user, [r for r in a.roles.split(",") if r], a.ttl))
