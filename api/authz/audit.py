"""The operator audit (issue 11, Build 2): every request of a platform principal writes one
``operator_audit`` row: who (``sub``, issuer), what (the operation id), which tenant (as the
matrix row names it; None when platform-wide) and ``detail`` = method, path and status code.
Never a body, a query string or a secret.

One place: an app-level ``before_send`` hook on ``http.response.start``, so the row is written
for every outcome the operator is answered with (2xx, a guard's 403, a handler's 4xx, a 500),
and before the answer leaves. If the write fails, the operator gets no answer (the request is
not left unaudited silently).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, cast

import anyio.to_thread
from litestar.types import Message, Scope
from litestar.utils.empty import value_or_default
from litestar.utils.scope.state import ScopeState

from api.auth import Principal
from api.authz.guard import named_tenant
from api.authz.matrix import MATRIX


def _body(scope: Mapping[str, Any]) -> Any:
    """The JSON body the handler already read (Litestar caches it in the scope), else None."""
    raw = value_or_default(ScopeState.from_scope(cast(Scope, scope)).body, None)
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


def audit_entry(scope: Mapping[str, Any], status: int) -> dict[str, Any] | None:
    """The audit row's fields for this response, or None when the caller is not a platform
    principal. ``action`` is the operation id (``unknown`` for a route without one)."""
    user = scope.get("user")
    if not isinstance(user, Principal) or not user.platform:
        return None
    handler = scope.get("route_handler")
    op = getattr(handler, "operation_id", None)
    action = op if isinstance(op, str) else "unknown"
    rule = MATRIX.get(action)
    tenant = named_tenant(rule, scope, _body(scope)) if rule is not None else None
    return {
        "actor": user.user_id,
        "issuer": user.issuer,
        "action": action,
        "tenant_id": tenant,
        "detail": {"method": scope.get("method"), "path": scope.get("path"), "status": status},
    }


async def audit_operator(message: Message, scope: Scope) -> None:
    """Litestar ``before_send`` hook: record the entry of a platform principal's response."""
    if message["type"] != "http.response.start":
        return
    entry = audit_entry(scope, int(message["status"]))
    if entry is not None:
        service = scope["litestar_app"].state.operator_audit
        await anyio.to_thread.run_sync(lambda: service.record(**entry))
