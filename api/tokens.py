"""Local tokens and keys (local stack and tests; production tokens come from the IdPs).

- ``python -m api.tokens --tenant demo --user alice --roles admin [--ttl 3600]``
- ``python -m api.tokens --platform --user ops``: a platform operator
- ``python -m api.tokens rotate --identity tenant|platform``: add a signing key (old ones stay
  published; running APIs accept the new ``kid`` without a restart)
"""

from __future__ import annotations

import argparse
import sys

from api.auth import mint_platform_token, mint_token
from api.jwt_keys import rotate_local_key
from core.settings import get_settings

if __name__ == "__main__":
    settings = get_settings()
    if sys.argv[1:2] == ["rotate"]:
        r = argparse.ArgumentParser(description="rotate a local signing key")
        r.add_argument("--identity", choices=["tenant", "platform"], required=True)
        a = r.parse_args(sys.argv[2:])
        if settings.auth.local_keys_dir is None:
            raise SystemExit("OMNIOPS_AUTH__LOCAL_KEYS_DIR is not set")
        print(rotate_local_key(settings.auth.local_keys_dir, a.identity))
        raise SystemExit(0)
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--tenant")
    p.add_argument("--platform", action="store_true", help="a platform operator's token")
    p.add_argument("--user", required=True)
    p.add_argument("--roles", default="admin", help="comma-separated tenant roles, e.g. admin")
    p.add_argument("--ttl", type=int, default=3600, help="seconds")
    a = p.parse_args()
    if a.platform:
        print(mint_platform_token(settings, a.user, a.ttl))
    elif a.tenant:
        print(mint_token(settings, a.tenant, a.user, [r for r in a.roles.split(",") if r], a.ttl))
    else:
        p.error("--tenant or --platform is required")
