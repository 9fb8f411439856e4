"""The deploy files are checked (issue 17 Build 2): ``docker compose config`` on deploy/compose.yaml,
``helm template`` of deploy/helm/omniops piped into ``kubeconform -strict``, and every task queue
the code uses has a worker in each. The tools are built from their Go modules by
``deploy/local/provision.sh deploy``; without them a test skips locally and fails in CI.
"""

from __future__ import annotations

import ast
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from core import queues
from tests.deploy_tools import compose_argv, kubeconform_argv, tool

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "deploy" / "compose.yaml"
CHART = ROOT / "deploy" / "helm" / "omniops"
ENV = {
    "PG_PASSWORD": "x",
    "VAULT_ROLE_ID": "r",
    "VAULT_BROWSER_ROLE_ID": "b",
    "TENANT_JWKS_URL": "https://idp.test/t.json",
    "PLATFORM_JWKS_URL": "https://idp.test/p.json",
    "SMTP_HOST": "smtp.test",
}


def need(name: str, found: Any) -> Any:
    if found is None:
        why = f"{name} is missing: run deploy/local/provision.sh deploy (builds it from its Go module)"
        if os.environ.get("CI"):
            pytest.fail(why)
        pytest.skip(why)
    return found


def used_queues() -> set[str]:
    """Every ``queues.NAME`` constant the code refers to (workers, workflows, activities, API)."""
    names: set[str] = set()
    for pkg in ("workers", "workflows", "activities", "api", "core", "devstack"):
        for f in (ROOT / pkg).rglob("*.py"):
            for node in ast.walk(ast.parse(f.read_text())):
                if (
                    isinstance(node, ast.Attribute)
                    and isinstance(node.value, ast.Name)
                    and node.value.id == "queues"
                    and node.attr.isupper()
                ):
                    names.add(node.attr)
    return {getattr(queues, n) for n in names}


def worker_queues(commands: list[list[str]]) -> set[str]:
    out: set[str] = set()
    for cmd in commands:
        if cmd[:3] == ["python", "-m", "workers.run"]:
            out |= {a for a in cmd[3:] if not a.startswith("-")}
    return out


def compose_config() -> dict[str, Any]:
    argv = need("a compose tool (docker compose / docker-compose v2)", compose_argv())
    r = subprocess.run(
        [*argv, "-f", str(COMPOSE), "config", "--format", "yaml"],
        capture_output=True,
        text=True,
        env={**os.environ, **ENV},
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    loaded: dict[str, Any] = yaml.safe_load(r.stdout)
    return loaded


def helm_manifests() -> tuple[str, list[dict[str, Any]]]:
    helm = need("helm", tool("helm"))
    r = subprocess.run([helm, "template", "omniops", str(CHART)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return r.stdout, [d for d in yaml.safe_load_all(r.stdout) if d]


def test_the_code_uses_the_five_queues() -> None:
    found = used_queues()
    assert found == {queues.AGENT, queues.OPERATIONS, queues.MESSAGING, queues.DOCUMENTS, queues.INBOX}


def test_compose_config_is_valid_and_every_queue_has_a_worker() -> None:
    services = compose_config()["services"]
    commands = [s.get("command") or [] for s in services.values()]
    assert used_queues() <= worker_queues(commands)
    for name, s in services.items():
        env = s.get("environment") or {}
        assert "OMNIOPS_VAULT__TOKEN" not in env, f"{name} holds a Vault token: use AppRole"
        if any(c[:3] == ["python", "-m", "workers.run"] for c in [s.get("command") or []]) or name == "api":
            assert env["OMNIOPS_VAULT__ROLE_ID"] and env["OMNIOPS_VAULT__SECRET_ID_FILE"].startswith(
                "/run/secrets/"
            )
            assert env["OMNIOPS_OBSERVABILITY__METRICS_PORT"] == "9464"
    job = services["temporal-search-attributes"]
    assert job["command"][:3] == ["python", "-m", "workers.search_attributes"]
    assert "temporal-search-attributes" in services["api"]["depends_on"]
    for worker in ("worker-agent", "worker-operations"):
        assert any(v["target"] == "/data/objects" for v in services[worker]["volumes"]), worker
    api_env = services["api"]["environment"]
    assert api_env["OMNIOPS_EMAIL__SMTP_HOST"] == "smtp.test"
    assert {"OMNIOPS_EMAIL__SMTP_PORT", "OMNIOPS_INBOX__SYNC_EVERY_S", "OMNIOPS_INBOX__TIMEOUT_S"} <= set(
        api_env
    )
    assert "OMNIOPS_DATABASE__URL" not in services["worker-operations"]["environment"]


def test_helm_template_passes_kubeconform_and_every_queue_has_a_worker() -> None:
    text, docs = helm_manifests()
    kubeconform = need("kubeconform", tool("kubeconform"))
    r = subprocess.run(kubeconform_argv(kubeconform), input=text, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Invalid: 0, Errors: 0, Skipped: 0" in r.stdout, r.stdout
    deployments = [d for d in docs if d["kind"] == "Deployment"]
    commands = [c["command"] for d in deployments for c in d["spec"]["template"]["spec"]["containers"]]
    assert used_queues() <= worker_queues(commands)
    jobs = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Job"}
    sa = jobs["omniops-search-attributes"]["spec"]["template"]["spec"]["containers"][0]["command"]
    assert sa[:3] == ["python", "-m", "workers.search_attributes"]
    for d in deployments:
        env = {e["name"] for c in d["spec"]["template"]["spec"]["containers"] for e in c.get("env", [])}
        assert "OMNIOPS_VAULT__ROLE_ID" in env and "OMNIOPS_VAULT__TOKEN" not in env, d["metadata"]["name"]


def test_kubeconform_rejects_an_unknown_field() -> None:
    """The validator is real: a misspelt field fails the chart's check."""
    text, _ = helm_manifests()
    kubeconform = need("kubeconform", tool("kubeconform"))
    bad = text.replace("terminationGracePeriodSeconds: 60", "terminationGracePeriodSecond: 60", 1)
    r = subprocess.run(kubeconform_argv(kubeconform), input=bad, capture_output=True, text=True, timeout=120)
    assert r.returncode != 0 and "terminationGracePeriodSecond" in r.stdout
