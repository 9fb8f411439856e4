"""Authorization rows of signed order webhooks and their secret (issue 12, Build 3);
merged into :data:`api.authz.matrix.MATRIX`."""

from __future__ import annotations

from api.authz.rule import Rule

ROWS: dict[str, Rule] = {}
