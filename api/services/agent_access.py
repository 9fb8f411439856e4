"""Which tenant an agent administration request acts on (seed 004 P0.6).

Who may call each route is the matrix's (:mod:`api.authz.matrix`), checked before the handler
runs. What stays here is what the matrix cannot express: the tenant named in a body or omitted,
and the global kill switch inside ``POST /api/admin/agent`` (platform operators only). A tenant
user naming another tenant gets 404 (its existence is never revealed).
"""

from __future__ import annotations

from api.auth import Principal
from api.errors import NotFoundException, PermissionDeniedException, ValidationException
from core.settings import Settings


class AgentAccess:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def is_operator(self, p: Principal) -> bool:
        """A platform operator (issue 11): never a tenant token, whatever roles it lists."""
        return p.platform

    def require_operator(self, p: Principal, what: str) -> None:
        """403 unless ``p`` is a platform operator; ``what`` names the action in the message."""
        if not self.is_operator(p):
            raise PermissionDeniedException(f"{what} is for platform operators (the operator role)")

    def tenant_scope(self, p: Principal, tenant_id: str | None) -> str:
        """The tenant a request acts on: the caller's own (404 for another), or for an operator
        the one it names (400 when it names none)."""
        if self.is_operator(p):
            if not tenant_id:
                raise ValidationException("a platform operator names the tenant: tenant_id")
            return tenant_id
        tenant_id = tenant_id or p.tenant_id
        if tenant_id != p.tenant_id:
            raise NotFoundException(f"no tenant {tenant_id!r}")
        return tenant_id

    def optional_scope(self, p: Principal, tenant_id: str | None) -> str | None:
        """Like :meth:`tenant_scope`, but an operator who names no tenant gets None (every tenant)."""
        if tenant_id is None and self.is_operator(p):
            return None
        return self.tenant_scope(p, tenant_id)
