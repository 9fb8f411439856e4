"""The one authorization guard (app-level ``guards=[authorize]``): it reads the route's operation
id and applies :data:`api.authz.matrix.MATRIX` before any handler code, body parsing or lookup,
so a refusal never depends on whether an id exists.

- no row for the operation id: 403 (fail closed);
- a public row: allowed without a token;
- a platform operator: allowed only where the row sets ``operator``;
- a tenant user: allowed when one of its roles is in the row; naming another tenant in the
  row's path or query tenant parameter is a 404 (the same answer as an unknown tenant).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.handlers.base import BaseRouteHandler

from api.auth import Principal
from api.authz.matrix import MATRIX
from api.authz.rule import Rule
from api.errors import NotFoundException, PermissionDeniedException

DOCS_MODULES = ("litestar._openapi", "litestar.openapi")
"""Handlers of the OpenAPI document and its viewers (no operation id; public under /schema)."""


def _unnamed_allowed(handler: BaseRouteHandler) -> bool:
    """Handlers without an operation id that are allowed: Litestar's automatic OPTIONS handlers
    (CORS preflight, no data) and the OpenAPI document's own routes."""
    methods: set[str] = getattr(handler, "http_methods", set())
    return methods == {"OPTIONS"} or handler.fn.__module__.startswith(DOCS_MODULES)


def named_tenant(rule: Rule, scope: Mapping[str, Any], body: Any = None) -> str | None:
    """The tenant the request names in the row's ``tenant`` parameter, or None. ``body`` is the
    parsed JSON body, when there is one (``body:`` parameters)."""
    if rule.tenant is None:
        return None
    where, _, name = rule.tenant.partition(":")
    value: Any = None
    if where == "path":
        value = scope.get("path_params", {}).get(name)
    elif where == "query":
        values = parse_qs(scope.get("query_string", b"").decode("latin-1")).get(name)
        value = values[0] if values else None
    elif where == "body" and isinstance(body, dict):
        value = body.get(name)
    return value if isinstance(value, str) and value else None


def check(
    rule: Rule | None, operation_id: str, principal: Principal | None, scope: Mapping[str, Any]
) -> None:
    """Raise 401/403/404 unless ``principal`` may call ``operation_id`` (see the module doc)."""
    if rule is None:
        raise PermissionDeniedException(f"{operation_id} has no authorization rule (refused)")
    if rule.public:
        return
    if principal is None:
        raise NotAuthorizedException("a bearer token is required")
    if principal.platform:
        if not rule.operator:
            raise PermissionDeniedException(f"{operation_id} is not open to platform operators")
        return
    if not principal.roles & rule.roles:
        allowed = ", ".join(sorted(rule.roles)) or "none (platform operators only)"
        also = " (or a platform operator)" if rule.operator and rule.roles else ""
        raise PermissionDeniedException(f"{operation_id} needs one of the tenant roles: {allowed}{also}")
    named = named_tenant(rule, scope)
    if named is not None and named != principal.tenant_id:
        raise NotFoundException(f"no tenant {named!r}")


async def authorize(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """Litestar guard: :func:`check` with the route's operation id and the caller. A coroutine
    although it does no I/O: Litestar runs a plain function guard in a worker thread, and that
    hop cost more CPU than the check (issue 17, bench/api_profile.py: 16% of a cached status)."""
    op = getattr(handler, "operation_id", None)
    op = op if isinstance(op, str) else None
    if op is None:
        if _unnamed_allowed(handler):
            return
        raise PermissionDeniedException("a route without an operation id is refused")
    user = connection.scope.get("user")
    check(MATRIX.get(op), op, user if isinstance(user, Principal) else None, connection.scope)
