"""Authorization rows of the audit trail (issue 16); merged into :data:`api.authz.matrix.MATRIX`.
Verification reads the whole trail (every operation step, consent and credential event): owners
and admins, and operators for any tenant (or the platform chain)."""

from __future__ import annotations

from api.authz.rule import ADMIN, TENANT_Q, VIEW, Rule

ROWS: dict[str, Rule] = {
    "verifyAuditTrail": Rule(ADMIN, operator=True, tenant=TENANT_Q, why="the audit trail is compliance data"),
    "getOperationStatistics": Rule(VIEW, operator=True, tenant=TENANT_Q, why="read: aggregates only"),
}
