"""The authorization matrix (issue 11, Build 1): one row per route, keyed by its OpenAPI
operation id. :mod:`api.authz.guard` enforces it before any handler code runs; the README's
route x role table is generated from it (``python -m api.authz --markdown``). An operation id
without a row is refused (fail closed).

The rows of the first routes are here; each later area keeps its rows in its own module
(``api/authz/rows_*.py``, a ``ROWS`` dict) merged into :data:`MATRIX` below. The rule type and
role sets: :mod:`api.authz.rule`.
"""

from __future__ import annotations

from api.authz import (
    rows_audit,
    rows_audit_lifecycle,
    rows_documents,
    rows_health,
    rows_imports,
    rows_inbox,
    rows_inbox_signals,
    rows_plans,
    rows_records,
    rows_unsubscribe,
    rows_webhooks,
    rows_work,
)
from api.authz.rule import ADMIN, HIERARCHY, OWNER, SYSTEM, TENANT_P, TENANT_Q, VIEW, WORK, Rule, at_least

__all__ = ["HIERARCHY", "MATRIX", "SYSTEM", "Rule", "at_least"]

_FIRST: dict[str, Rule] = {
    # --- operations (README "How it works") ---------------------------------------------------
    "initiateOperation": Rule(
        at_least("admin", SYSTEM),
        why="starts a browser agent with a stored admin credential; system only into awaiting_consent",
    ),
    "getOperationStatus": Rule(VIEW, why="progress of the tenant's operations"),
    "listOperations": Rule(VIEW, why="the tenant's operations"),
    "streamOperationEvents": Rule(VIEW, why="progress of the tenant's operations"),
    "cancelOperation": Rule(WORK, why="stopping an agent is the safe direction"),
    "confirmSensitiveStep": Rule(ADMIN, why="a sensitive step needs a role that may grant consent"),
    "listServices": Rule(VIEW, operator=True, why="the definition registry, no tenant data"),
    # --- consent and credentials ----------------------------------------------------------------
    "changeConsent": Rule(ADMIN, why="granting or revoking consent (settings.auth.consent_roles)"),
    "listConsents": Rule(ADMIN, why="consent records; granters' IP and user agent to the owner only"),
    "storeCredential": Rule(ADMIN, why="admin credentials of the tenant's sites"),
    "listCredentials": Rule(ADMIN, why="credential metadata (Vault path, fingerprint, origin)"),
    "deleteCredential": Rule(ADMIN, why="admin credentials of the tenant's sites"),
    # --- follow-ups (seed 004 P1.3 to P1.5) -----------------------------------------------------
    "orderDelivered": Rule(WORK, why="day-to-day work"),
    "feedbackAnswer": Rule(WORK, why="day-to-day work"),
    "feedbackState": Rule(VIEW, why="read"),
    "sendQuote": Rule(WORK, why="day-to-day work"),
    "quoteViewed": Rule(WORK, why="day-to-day work"),
    "quoteAccepted": Rule(WORK, why="day-to-day work"),
    "quoteRejected": Rule(WORK, why="day-to-day work"),
    "quoteState": Rule(VIEW, why="read"),
    "quoteStats": Rule(VIEW, why="read"),
    "quoteTrackedLink": Rule(public=True, why="signed link in a client's email"),
    "trackDeal": Rule(WORK, why="day-to-day work"),
    "dealActivity": Rule(WORK, why="day-to-day work"),
    "dealStage": Rule(WORK, why="day-to-day work"),
    "dealClientRequest": Rule(WORK, why="day-to-day work"),
    "dealClose": Rule(WORK, why="day-to-day work"),
    "dealState": Rule(VIEW, why="read"),
    "dealStats": Rule(VIEW, why="read"),
    # --- compliance (seed 004 P1.7) ------------------------------------------------------------
    "createComplianceSchedule": Rule(ADMIN, why="tenant configuration"),
    "listComplianceSchedules": Rule(VIEW, why="read"),
    "getComplianceSchedule": Rule(VIEW, why="read"),
    "updateComplianceSchedule": Rule(ADMIN, why="tenant configuration"),
    "deleteComplianceSchedule": Rule(ADMIN, why="tenant configuration"),
    "runComplianceSchedule": Rule(ADMIN, why="tenant configuration"),
    "listComplianceChecks": Rule(VIEW, why="read"),
    "getComplianceCheck": Rule(VIEW, why="read"),
    "completeComplianceCheck": Rule(ADMIN, why="records a compliance outcome"),
    "waiveComplianceCheck": Rule(ADMIN, why="records a compliance outcome"),
    "complianceStats": Rule(VIEW, why="read"),
    # --- the hourly cycle's administration (seed 004 P0.6) -------------------------------------
    "agentState": Rule(ADMIN, operator=True, tenant=TENANT_Q, why="agent switches"),
    "setAgentSwitch": Rule(
        ADMIN, operator=True, tenant="body:tenant_id", why="the global kill switch: operators only"
    ),
    "runCycleNow": Rule(ADMIN, operator=True, tenant=TENANT_P, why="agent administration"),
    "runEveryTenantNow": Rule(operator=True, why="every tenant at once: platform-wide"),
    "getCycleSchedule": Rule(ADMIN, operator=True, tenant=TENANT_P, why="agent administration"),
    "putCycleSchedule": Rule(ADMIN, operator=True, tenant=TENANT_P, why="agent administration"),
    "deleteCycleSchedule": Rule(ADMIN, operator=True, tenant=TENANT_P, why="agent administration"),
    "listCycleRuns": Rule(ADMIN, operator=True, tenant=TENANT_Q, why="agent administration"),
    "getCycleRun": Rule(ADMIN, operator=True, why="by run id; the path names the run"),
    "agentHealth": Rule(ADMIN, operator=True, tenant=TENANT_Q, why="agent administration"),
    # --- platform ------------------------------------------------------------------------------
    "allowSite": Rule(operator=True, tenant="body:tenant_id", why="lifts the target rules (issue 10)"),
    "listAllowedSites": Rule(operator=True, tenant=TENANT_Q, why="issue 10"),
    "disallowSite": Rule(operator=True, tenant=TENANT_Q, why="issue 10"),
    "listOperatorAudit": Rule(
        OWNER, operator=True, tenant=TENANT_Q, why="owners see what operators did in their tenant"
    ),
    "codecEncode": Rule(ADMIN, operator=True, why="codec server: encode for one workflow"),
    "codecDecode": Rule(ADMIN, operator=True, why="codec server of the Web UI"),
    "codecUiDecode": Rule(
        public=True, why="no bearer token: the handler verifies the operator capability in the path"
    ),
    "codecUiEncode": Rule(public=True, why="always refused by the handler (401 or 403)"),
    "health": Rule(public=True, why="liveness"),
}

MATRIX: dict[str, Rule] = {
    **_FIRST,
    **rows_records.ROWS,
    **rows_imports.ROWS,
    **rows_webhooks.ROWS,
    **rows_unsubscribe.ROWS,
    **rows_work.ROWS,
    **rows_health.ROWS,
    **rows_documents.ROWS,
    **rows_audit.ROWS,
    **rows_audit_lifecycle.ROWS,
    **rows_inbox_signals.ROWS,
    **rows_inbox.ROWS,
    **rows_plans.ROWS,
}
"""Every route's rule by operation id (see :class:`Rule`)."""
