"""AppRole instead of a root token (issue 17 Build 2): deploy/vault/setup-approle.sh's role shape
on the real Vault; a process logs in with the role id and a secret id file (core/vault_auth.py),
reads and writes what deploy/vault/omniops.hcl allows and nothing else."""

from __future__ import annotations

import uuid
from pathlib import Path

import hvac
import pytest
from hvac.exceptions import Forbidden

from core.settings import Settings, get_settings
from core.vault import VaultStore
from devstack.stack import Stack

pytestmark = pytest.mark.stack
POLICY = Path(__file__).resolve().parents[2] / "deploy" / "vault" / "omniops.hcl"


def test_a_service_logs_in_with_approle_and_gets_only_its_policy(infra: Stack, tmp_path: Path) -> None:
    s = get_settings()
    assert s.vault.token is not None
    root = hvac.Client(url=s.vault.addr, token=s.vault.token.get_secret_value())
    if "approle/" not in root.sys.list_auth_methods():
        root.sys.enable_auth_method("approle")
    root.sys.create_or_update_policy("omniops", POLICY.read_text())
    role = f"omniops-{uuid.uuid4().hex[:6]}"
    root.write(f"auth/approle/role/{role}", token_policies="omniops", token_ttl="1h", token_max_ttl="24h")
    role_id = root.read(f"auth/approle/role/{role}/role-id")["data"]["role_id"]
    secret_file = tmp_path / "secret-id"
    secret_file.write_text(root.write(f"auth/approle/role/{role}/secret-id")["data"]["secret_id"])
    secret_file.chmod(0o600)

    settings = Settings.model_validate(
        {"vault": {"addr": s.vault.addr, "role_id": role_id, "secret_id_file": str(secret_file)}}
    )
    assert settings.vault.token is None or settings.vault.role_id == role_id
    store = VaultStore(settings)
    tenant = f"t-{uuid.uuid4().hex[:8]}"
    store.write(f"tenants/{tenant}/wordpress/admin", {"username": "u", "password": "p"})
    assert store.read(f"tenants/{tenant}/wordpress/admin") == {"username": "u", "password": "p"}
    token = store._client.token  # noqa: SLF001 - the login's token, not the root token
    assert token and token != s.vault.token.get_secret_value()
    with pytest.raises(Forbidden):
        store.write("keys/payload", {"active": "x", "keys": {}})  # omniops.hcl: read only
