"""Authorization rows of the dependency health route (issue 17); merged into
:data:`api.authz.matrix.MATRIX`. Platform state, not tenant data: operators only."""

from __future__ import annotations

from api.authz.rule import Rule

ROWS: dict[str, Rule] = {
    "dependencyHealth": Rule(operator=True, why="platform dependency states (no addresses)"),
}
