"""Authorization rows of business records (issue 12, Build 1);
merged into :data:`api.authz.matrix.MATRIX`."""

from __future__ import annotations

from api.authz.rule import Rule

ROWS: dict[str, Rule] = {}
