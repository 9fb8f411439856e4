"""The authorization rule type and the role sets rows are written with (issue 11, Build 1).

Tenant roles form a hierarchy, viewer < member < admin < owner (:func:`at_least`), but a row holds
a *set*: ``system`` (a tenant's service principal, README "How it works") sits outside the
hierarchy and may only start operations that wait for consent, and one row (the operator audit)
is for the owner alone. A platform operator (``Principal.platform``) is allowed only where
``operator`` is set; ``tenant`` names the parameter that says which tenant the call acts on
(``path:tenant_id``, ``query:tenant_id``, ``body:tenant_id``), or None when the tenant is the
token's own (tenant users) or the call is platform-wide (operators).
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
