"""Authorization rows of audit export, erasure and retention (issue 16 Builds 2-4); merged into
:data:`api.authz.matrix.MATRIX`. Exports hold the whole trail and every subject's data: owners
and admins. Erasure destroys data for good: owners only. Retention periods: admins read, owners
change them (a shorter period deletes data sooner). A retention run spans every tenant: operators."""

from __future__ import annotations

from api.authz.rule import ADMIN, OWNER, Rule

ROWS: dict[str, Rule] = {
    "createAuditExport": Rule(ADMIN, why="an export holds the tenant's whole trail and data"),
    "getAuditExport": Rule(ADMIN, why="read: an export's status"),
    "downloadAuditExport": Rule(ADMIN, why="the archive holds the tenant's whole trail and data"),
    "createAuditErasure": Rule(OWNER, why="erasure destroys data for good"),
    "getAuditErasure": Rule(OWNER, why="read: an erasure's certificate"),
    "getRetentionPolicy": Rule(ADMIN, why="read: retention periods"),
    "setRetentionPolicy": Rule(OWNER, why="a shorter period deletes data sooner"),
    "runRetention": Rule(frozenset(), operator=True, why="a retention run spans every tenant"),
}
