"""Authorization rows of work queues, alerts, violations and deferred actions (issue 12, Build 4);
merged into :data:`api.authz.matrix.MATRIX`."""

from __future__ import annotations

from api.authz.rule import Rule

ROWS: dict[str, Rule] = {}
