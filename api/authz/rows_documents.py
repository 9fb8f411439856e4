"""Authorization rows of the documents library (issue 14);
merged into :data:`api.authz.matrix.MATRIX`."""

from __future__ import annotations

from api.authz.rule import Rule

ROWS: dict[str, Rule] = {}
