"""Authorization rows of versioned definitions and the credential-access log (issue 15 Builds 2
and 8); merged into :data:`api.authz.matrix.MATRIX`."""

from __future__ import annotations

from api.authz.rule import ADMIN, Rule

ROWS: dict[str, Rule] = {
    "reloadServices": Rule(
        operator=True, why="re-reads the platform's definition files; every call is in the operator audit"
    ),
    "getCredentialAccessLog": Rule(
        ADMIN, why="who read a tenant credential, when and why (never the value), like credential metadata"
    ),
}
