"""Authorization rows of multi-step plans (issue 15, Build 6); merged into
:data:`api.authz.matrix.MATRIX`."""

from __future__ import annotations

from api.authz.rule import ADMIN, SYSTEM, VIEW, WORK, Rule, at_least

ROWS: dict[str, Rule] = {
    "previewPlan": Rule(VIEW, why="the plan registry and the permissions a consent would cover"),
    "startPlan": Rule(
        at_least("admin", SYSTEM),
        why="starts browser agents with a stored admin credential; without consent it only waits",
    ),
    "getPlan": Rule(VIEW, why="progress of the tenant's plans"),
    "changePlanConsent": Rule(ADMIN, why="granting or revoking consent (settings.auth.consent_roles)"),
    "resumePlan": Rule(ADMIN, why="runs the failed step's browser agent again"),
    "cancelPlan": Rule(WORK, why="stopping an agent is the safe direction"),
}
