"""The authorization matrix (issue 11): the README holds the generated table, every route of the
app has a row, and the guard refuses before the handler runs (no stack)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar, get, post
from litestar.exceptions import NotAuthorizedException
from litestar.params import FromPath, JSONBody
from litestar.testing import TestClient
from litestar.types import ASGIApp, Receive, Scope, Send

from api.auth import Principal
from api.authz.audit import audit_entry
from api.authz.guard import authorize, check
from api.authz.markdown import BEGIN, END, table
from api.authz.matrix import MATRIX, Rule, at_least
from api.errors import NotFoundException, PermissionDeniedException
from core.settings import Settings

README = Path(__file__).parents[2] / "README.md"
OPERATOR = Principal("ops", "", frozenset({"operator"}), platform=True, issuer="platform")


def tenant_user(*roles: str, tenant: str = "acme") -> Principal:
    return Principal("alice", tenant, frozenset(roles), issuer="tenant")


def test_the_readme_holds_exactly_the_generated_table() -> None:
    text = README.read_text()
    start, end = text.index(BEGIN), text.index(END) + len(END)
    assert text[start:end] == table(), "run: uv run python -m api.authz --markdown, and paste it"


def test_every_route_of_the_app_has_a_row_and_every_row_a_route(tmp_path: Path) -> None:
    from api.app import create_app

    settings = Settings.model_validate(
        {"auth": {"jwks_url": f"file://{tmp_path}/t.json", "platform_jwks_url": f"file://{tmp_path}/p.json"}}
    )
    app = create_app(settings)
    ops = {
        h.operation_id
        for r in app.routes
        for h in getattr(r, "route_handlers", [])
        if isinstance(h.operation_id, str)
    }
    assert ops - set(MATRIX) == set(), "routes without a matrix row"
    assert set(MATRIX) - ops == set(), "matrix rows without a route"
    assert authorize in app.guards


def test_hierarchy_and_sets() -> None:
    assert at_least("member") == {"member", "admin", "owner"}
    assert at_least("admin", "system") == {"admin", "owner", "system"}
    assert MATRIX["initiateOperation"].roles == {"admin", "owner", "system"}
    assert "system" not in MATRIX["getOperationStatus"].roles
    assert MATRIX["listOperatorAudit"].roles == {"owner"}
    assert not MATRIX["listConsents"].roles & {"viewer", "member"}
    assert not MATRIX["listCredentials"].roles & {"viewer", "member"}


BY_PATH = Rule(at_least("admin"), tenant="path:tenant_id")
SCOPE: dict[str, Any] = {"path_params": {"tenant_id": "acme"}, "query_string": b""}


@pytest.mark.parametrize(
    ("rule", "principal", "error"),
    [
        (None, tenant_user("owner"), PermissionDeniedException),  # fail closed
        (Rule(public=True), None, None),
        (Rule(at_least("viewer")), None, NotAuthorizedException),
        (Rule(at_least("viewer")), OPERATOR, PermissionDeniedException),  # not a tenant user
        (Rule(at_least("admin")), tenant_user("member", "viewer"), PermissionDeniedException),
        (Rule(at_least("admin")), tenant_user("admin"), None),
        (Rule(operator=True), tenant_user("owner", "admin"), PermissionDeniedException),
        (Rule(operator=True), OPERATOR, None),
        (Rule(at_least("admin"), tenant="path:tenant_id"), tenant_user("admin"), None),
        (
            Rule(at_least("admin"), tenant="path:tenant_id"),
            tenant_user("admin", tenant="other"),
            NotFoundException,
        ),
        (
            Rule(at_least("admin"), tenant="path:tenant_id"),
            tenant_user("viewer", tenant="other"),
            PermissionDeniedException,
        ),
    ],
)
def test_check(rule: Rule | None, principal: Principal | None, error: type[Exception] | None) -> None:
    if error is None:
        check(rule, "op", principal, SCOPE)
    else:
        with pytest.raises(error):
            check(rule, "op", principal, SCOPE)


def _app(principal: Principal | None, called: list[str]) -> Litestar:
    """A tiny app with the real guard and a middleware standing in for the bearer auth."""

    def fake_auth(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if principal is not None:
                scope["user"] = principal
            await app(scope, receive, send)

        return middleware

    @get("/runs/{run_id:str}", operation_id="getCycleRun")
    async def run(run_id: FromPath[str]) -> str:
        called.append(run_id)
        return run_id

    @post("/unlisted", operation_id="notInTheMatrix")
    async def unlisted(data: JSONBody[dict[str, Any]]) -> None:
        called.append("unlisted")

    return Litestar(
        [run, unlisted], middleware=[fake_auth], guards=[authorize], before_send=[], logging_config=None
    )


def test_the_guard_refuses_before_the_handler_and_the_body() -> None:
    called: list[str] = []
    with TestClient(_app(tenant_user("viewer"), called)) as c:
        assert c.get("/runs/some-id").status_code == 403
        assert c.post("/unlisted", content=b"{not json").status_code == 403  # before the body parses
    with TestClient(_app(tenant_user("admin"), called)) as c:
        assert c.get("/runs/r1").status_code == 200
        assert c.post("/unlisted", json={}).status_code == 403
    assert called == ["r1"]


def test_the_audit_entry_names_the_tenant_as_the_matrix_does() -> None:
    class H:
        operation_id = "putCycleSchedule"

    scope: dict[str, Any] = {
        "user": OPERATOR,
        "route_handler": H(),
        "method": "PUT",
        "path": "/api/admin/agent/tenants/acme/schedule",
        "path_params": {"tenant_id": "acme"},
        "query_string": b"secret=1",
    }
    entry = audit_entry(scope, 200)
    assert entry == {
        "actor": "ops",
        "issuer": "platform",
        "action": "putCycleSchedule",
        "tenant_id": "acme",
        "detail": {"method": "PUT", "path": "/api/admin/agent/tenants/acme/schedule", "status": 200},
    }
    assert "secret" not in json.dumps(entry)
    H.operation_id = "runEveryTenantNow"
    again = audit_entry(scope, 202)
    assert again is not None and again["tenant_id"] is None
    assert audit_entry({**scope, "user": tenant_user("owner")}, 200) is None


class _Recorder:
    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def record(self, **row: Any) -> None:
        self.rows.append(row)


def test_the_audit_hook_writes_one_row_per_operator_request_whatever_the_outcome() -> None:
    from api.authz.audit import audit_operator

    called: list[str] = []
    app = _app(OPERATOR, called)
    app.before_send.append(audit_operator)  # as create_app wires it
    recorder = _Recorder()
    app.state.operator_audit = recorder
    with TestClient(app) as c:
        assert c.get("/runs/r9").status_code == 200
        assert c.post("/unlisted", json={"tenant_id": "acme"}).status_code == 403
    assert [(r["action"], r["detail"]["status"]) for r in recorder.rows] == [
        ("getCycleRun", 200),
        ("notInTheMatrix", 403),
    ]
    assert all(r["actor"] == "ops" and r["tenant_id"] is None for r in recorder.rows)
