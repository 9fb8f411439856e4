"""Who may administer the hourly cycle (seed 004 P0.6).

The global kill switch, other tenants and every-tenant runs need ``settings.auth.operator_role``;
a tenant's ``owner`` or ``admin`` manages its own tenant. Another tenant's id is a 404 for them
(its existence is never revealed).
"""

from __future__ import annotations

from api.auth import Principal
from api.errors import NotFoundException, PermissionDeniedException
from core.settings import Settings

TENANT_ADMIN_ROLES = ("owner", "admin")


class AgentAccess:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def is_operator(self, p: Principal) -> bool:
        return p.has_any((self.settings.auth.operator_role,))

    def require_operator(self, p: Principal, what: str) -> None:
        """403 unless ``p`` is an operator; ``what`` names the action in the message."""
        if not self.is_operator(p):
            raise PermissionDeniedException(f"{what} needs the {self.settings.auth.operator_role} role")

    def require_admin(self, p: Principal) -> None:
        """403 unless ``p`` is an operator or a tenant owner or admin."""
        roles = (self.settings.auth.operator_role, *TENANT_ADMIN_ROLES)
        if not p.has_any(roles):
            raise PermissionDeniedException(
                f"agent administration needs one of the roles: {', '.join(roles)}"
            )

    def tenant_scope(self, p: Principal, tenant_id: str | None) -> str:
        """The tenant a request may act on: its own, or any for an operator (403 without an
        admin role, 404 for another tenant)."""
        self.require_admin(p)
        tenant_id = tenant_id or p.tenant_id
        if tenant_id != p.tenant_id and not self.is_operator(p):
            raise NotFoundException(f"no tenant {tenant_id!r}")
        return tenant_id

    def optional_scope(self, p: Principal, tenant_id: str | None) -> str | None:
        """Like :meth:`tenant_scope`, but an operator who names no tenant gets None (every tenant)."""
        if tenant_id is None and self.is_operator(p):
            return None
        return self.tenant_scope(p, tenant_id)
