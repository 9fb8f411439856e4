"""Authorization rows of work queues, alerts, violations and deferred actions (issue 12, Build 4);
merged into :data:`api.authz.matrix.MATRIX`. Clearing what the agent hands to people is
day-to-day work (member and up); reading is for every tenant role. Acknowledging and resolving an
alert needs an admin (operators for global alerts)."""

from __future__ import annotations

from api.authz.rule import ADMIN, TENANT_Q, VIEW, WORK, Rule

ROWS: dict[str, Rule] = {
    "listWorkItems": Rule(VIEW, why="read"),
    "getWorkItem": Rule(VIEW, why="read"),
    "claimWorkItem": Rule(WORK, why="day-to-day work"),
    "releaseWorkItem": Rule(WORK, why="day-to-day work"),
    "resolveWorkItem": Rule(WORK, why="day-to-day work; an overridden order exception lets the order pass"),
    "addWorkItemComment": Rule(WORK, why="day-to-day work"),
    "listWorkItemComments": Rule(VIEW, why="read"),
    "listPolicyViolations": Rule(VIEW, why="read"),
    "listDeferredActions": Rule(VIEW, why="read"),
    "listAlerts": Rule(VIEW, operator=True, tenant=TENANT_Q, why="the tenant's alerts and global ones"),
    "acknowledgeAlert": Rule(ADMIN, operator=True, why="the tenant's own alerts; global ones operators only"),
    "resolveAlert": Rule(ADMIN, operator=True, why="the tenant's own alerts; global ones operators only"),
}
