"""Authorization rows of the inbox's opportunity signals (issue 13 Build 8);
merged into :data:`api.authz.matrix.MATRIX`."""

from __future__ import annotations

from api.authz.rule import VIEW, Rule

ROWS: dict[str, Rule] = {
    "listInboxSignals": Rule(VIEW, why="reading the tenant's opportunity signals"),
}
