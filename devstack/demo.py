"""The demo the launcher runs (``python -m devstack run``, devstack/__main__.py).

``run`` starts the local stack (Postgres, Temporal + Web UI, Vault, WordPress, SMTP server,
workers, API), runs the demo operation (wordpress / application_password_generation) through the
API and prints its id, final status, the new credential's Vault path (never the secret), the
number of audited steps and the Web UI address. Then it enables the demo tenant's hourly cycle
(its Temporal Schedule), runs this hour's cycle now and prints what it did, blocked and deferred.
It exits 0 only if the operation completed, the connection test passed and the cycle completed.
``--keep`` leaves the stack running; ``down`` stops it.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx

from devstack.config import StackError
from devstack.stack import Stack

TERMINAL = {"completed", "failed", "cancelled"}
DEMO_TENANT = "demo"
SERVICE, OPERATION = "wordpress", "application_password_generation"


def out(msg: str) -> None:
    print(msg, flush=True)


def admin_credential_body(wp: dict[str, str]) -> dict[str, str]:
    """The ``POST /api/autonomous/credentials`` body for the local WordPress admin (its secret file)."""
    admin = json.loads(Path(wp["password_file"]).read_text())
    return {
        "service": SERVICE,
        "credential_type": "admin",
        "username": admin["username"],
        "password": admin["password"],
        "site_url": wp["url"],
    }


class DemoClient:
    def __init__(self, stack: Stack) -> None:
        from api.auth import mint_platform_token, mint_token
        from core.settings import Settings

        env = stack.env()
        settings = Settings.model_validate({"auth": {"local_keys_dir": env["OMNIOPS_AUTH__LOCAL_KEYS_DIR"]}})
        self.http = httpx.Client(base_url=f"http://127.0.0.1:{stack.c.api_port}", timeout=30)
        self.admin = {
            "Authorization": f"Bearer {mint_token(settings, DEMO_TENANT, 'demo-admin', ['admin'])}",
            "User-Agent": "omniops-demo",
        }
        self.system = {
            "Authorization": f"Bearer {mint_token(settings, DEMO_TENANT, 'scheduler', ['system'])}"
        }
        self.operator = {"Authorization": f"Bearer {mint_platform_token(settings, 'demo-operator')}"}

    def allow_wordpress(self, wp: dict[str, str]) -> str:
        """As the operator, allowlist the local WordPress's origin (http on 127.0.0.1) for the
        demo tenant, and nothing else (issue 10); returns the origin."""
        from core.targets import parse_origin

        origin = str(parse_origin(wp["url"]))
        body = {"tenant_id": DEMO_TENANT, "origin": origin, "reason": "the local dev stack's WordPress"}
        self.call("POST", "/api/admin/site-allowlist", self.operator, json=body)
        return origin

    def store_wordpress_admin(self, wp: dict[str, str]) -> None:
        """Allowlist the local WordPress, then put its admin credential in Vault through the API
        (the credential is registered for that origin; metadata comes back)."""
        self.allow_wordpress(wp)
        self.call("POST", "/api/autonomous/credentials", self.admin, json=admin_credential_body(wp))

    def call(self, method: str, path: str, headers: dict[str, str], **kw: object) -> dict:  # type: ignore[type-arg]
        r = self.http.request(method, path, headers=headers, **kw)  # type: ignore[arg-type]
        if r.status_code >= 400:
            raise StackError(f"{method} {path} -> {r.status_code}: {r.text}")
        return r.json() if r.content else {}


def demo(stack: Stack, wp: dict[str, str], timeout_s: float = 300) -> int:
    api = DemoClient(stack)
    api.store_wordpress_admin(wp)
    out(f"allowlisted {wp['url']} for tenant '{DEMO_TENANT}' (the local WordPress, nothing else)")
    out(f"stored the WordPress admin credential in Vault for tenant '{DEMO_TENANT}'")
    # Start from no consent, so the grant below reaches the operation as a signal.
    api.call(
        "POST",
        "/api/autonomous/consent",
        api.admin,
        json={"action": "revoke", "service": SERVICE, "operation": OPERATION, "reason": "demo reset"},
    )
    started = time.monotonic()
    op = api.call(
        "POST",
        "/api/autonomous/initiate",
        api.system,
        json={"service": SERVICE, "operation": OPERATION, "inputs": {"site_url": wp["url"]}},
    )
    op_id = op["operation_id"]
    out(f"operation {op_id} started by the system: {op['status']}")
    grant = api.call(
        "POST",
        "/api/autonomous/consent",
        api.admin,
        json={"action": "grant", "service": SERVICE, "operation": OPERATION},
    )
    out(f"consent granted by demo-admin; signalled {len(grant['operations_signalled'])} operation(s)")
    last = None
    status: dict = {}  # type: ignore[type-arg]
    while time.monotonic() - started < timeout_s:
        status = api.call("GET", f"/api/autonomous/status/{op_id}", api.admin)
        step = f"{status['current_step']}/{status['total_steps']}"
        line = f"  [{status['status']}] step {step}: {status['intent']}"
        if line != last:
            out(line)
            last = line
        if status["status"] in TERMINAL:
            break
        time.sleep(0.3)
    wall = time.monotonic() - started
    result = status.get("result") or {}
    ui = f"http://localhost:{stack.c.ui_port}/namespaces/default/workflows/{op['workflow_id']}"
    out("")
    out(f"operation id:      {op_id}")
    out(
        f"final status:      {status.get('status')}"
        + (f" ({status['reason']})" if status.get("reason") else "")
    )
    out(f"credential path:   {result.get('credential_path')}")
    out(f"fingerprint:       {result.get('credential_fingerprint')}")
    out(f"connection test:   {'passed' if result.get('connection_test_passed') else 'not passed'}")
    out(f"audited steps:     {result.get('audited_steps')}")
    out(f"wall time:         {wall:.1f}s")
    out(f"Temporal Web UI:   {ui}")
    ok = status.get("status") == "completed" and result.get("connection_test_passed") is True
    return 0 if ok else 1


def demo_cycle(stack: Stack, timeout_s: float = 180) -> int:
    """Enable the demo tenant's agent (its hourly schedule), run this hour's cycle now, print it."""
    import os

    from devstack.demo_data import seed_demo
    from devstack.demo_inbox import demo_mailbox
    from devstack.mailsink import read_maildir
    from schema.db import engine_for

    os.environ.update(stack.env())
    api = DemoClient(stack)
    out("")
    out(f"feeding tenant '{DEMO_TENANT}' through the API (CSV imports, records):")
    engine = engine_for(stack.env()["OMNIOPS_DATABASE__URL"])
    seed_demo(api.call, api.admin, engine, DEMO_TENANT, out)
    demo_mailbox(stack, api.call, api.admin, api.operator, DEMO_TENANT, out, engine)
    state = api.call("POST", "/api/admin/agent", api.admin, json={"agent_enabled": True, "reason": "demo"})
    sched = state["tenant"]["schedule"]
    out("")
    nxt = sched["next_action_times"][0]
    out(f"hourly cycle: schedule {sched['id']} (overlap {sched['overlap']}), next run {nxt}")
    r = api.http.post(f"/api/admin/agent/tenants/{DEMO_TENANT}/run", headers=api.admin)
    if r.status_code == 409:
        out(f"  {r.json()['detail']}: showing that run")
        run_id = api.call("GET", "/api/admin/agent/runs?limit=1", api.admin)[0]["id"]
    elif r.status_code == 202:
        run_id = r.json()["workflow_id"]
        out(f"  started {run_id}")
    else:
        raise StackError(f"run-now -> {r.status_code}: {r.text}")
    deadline = time.monotonic() + timeout_s
    run: dict = {}  # type: ignore[type-arg]
    while time.monotonic() < deadline:
        r = api.http.get(f"/api/admin/agent/runs/{run_id}", headers=api.admin)
        if r.status_code == 404:  # the workflow has not written its run record yet
            time.sleep(0.2)
            continue
        if r.status_code >= 400:
            raise StackError(f"GET run {run_id} -> {r.status_code}: {r.text}")
        run = r.json()
        if run["status"] != "running":
            break
        time.sleep(0.3)
    refl = run.get("reflection") or {}
    out(
        f"cycle status:      {run.get('status')} (planner: {run.get('planner')}, {run.get('duration_ms')} ms)"
    )
    out(
        f"actions:           planned {run.get('actions_planned')}, executed {run.get('actions_executed')}, "
        f"blocked {run.get('actions_blocked')}, deferred {run.get('actions_deferred')}"
    )
    for what, n in sorted((refl.get("what_changed") or {}).get("actions", {}).items()):
        out(f"  done:            {what} x{n}")
    react = (refl.get("what_changed") or {}).get("react") or {}
    out(
        f"react:             {react.get('replies', 0)} repl(ies), {react.get('bounces', 0)} bounce(s), "
        f"{react.get('opt_outs', 0)} opt-out(s) from inbound mail"
    )
    for b in refl.get("blocked") or []:
        out(f"  blocked:         {b['action']} {b['target']}: {b.get('rule')}: {b.get('reason')}")
    for hint in refl.get("next_hour_hints") or []:
        out(f"  next hour:       {hint}")
    mails = [m for m in read_maildir(stack.maildir) if m.get("X-OmniOps-Tenant") == DEMO_TENANT]
    out(f"emails accepted by the local SMTP server for '{DEMO_TENANT}': {len(mails)} ({stack.maildir})")
    ui = f"http://localhost:{stack.c.ui_port}/namespaces/default/workflows/{run_id}"
    out(f"Temporal Web UI:   {ui}")
    return 0 if run.get("status") == "completed" else 1
