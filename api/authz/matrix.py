"""The authorization matrix (issue 11, Build 1): one row per route, keyed by its OpenAPI
operation id. :mod:`api.authz.guard` enforces it before any handler code runs; the README's
route x role table is generated from it (``python -m api.authz --markdown``).

Tenant roles form a hierarchy, viewer < member < admin < owner (:func:`at_least`), but a row holds
a *set*: ``system`` (a tenant's service principal, README "How it works") sits outside the
hierarchy and may only start operations that wait for consent, and one row (the operator audit)
is for the owner alone. A platform operator (``Principal.platform``) is allowed only where
``operator`` is set; ``tenant`` names the parameter that says which tenant the call acts on
(``path:tenant_id``, ``query:tenant_id``, ``body:tenant_id``), or None when the tenant is the
token's own (tenant users) or the call is platform-wide (operators). An operation id without a
row is refused (fail closed).
"""

from __future__ import annotations

from dataclasses import dataclass

HIERARCHY = ("viewer", "member", "admin", "owner")
SYSTEM = "system"


def at_least(role: str, *extra: str) -> frozenset[str]:
    """``role`` and every tenant role above it (:data:`HIERARCHY`), plus ``extra``."""
    return frozenset(HIERARCHY[HIERARCHY.index(role) :]) | frozenset(extra)


@dataclass(frozen=True)
class Rule:
    """Who may call one operation.

    - ``roles``: tenant roles allowed, on their own tenant only;
    - ``operator``: a platform operator may call it (every call is audited);
    - ``tenant``: ``"path:<name>"``, ``"query:<name>"`` or ``"body:<name>"``, the parameter naming
      the tenant acted on; a tenant user naming another tenant there gets 404;
    - ``public``: no token at all (health, signed tracked links).
    """

    roles: frozenset[str] = frozenset()
    operator: bool = False
    tenant: str | None = None
    public: bool = False
    why: str = ""


VIEW, WORK, ADMIN, OWNER = at_least("viewer"), at_least("member"), at_least("admin"), frozenset({"owner"})
TENANT_Q, TENANT_P = "query:tenant_id", "path:tenant_id"

MATRIX: dict[str, Rule] = {
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
"""Every route's rule by operation id (see :class:`Rule`)."""
