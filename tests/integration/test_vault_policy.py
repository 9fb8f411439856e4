"""deploy/vault/omniops.hcl, loaded into the real Vault: it allows what the services do, no more."""

from __future__ import annotations

from pathlib import Path

import hvac
import pytest
from hvac.exceptions import Forbidden
from pydantic import SecretStr

from core.keys import KEYRING_PATH
from core.settings import get_settings
from core.vault import VaultStore, credential_path

pytestmark = pytest.mark.stack
POLICY = Path(__file__).resolve().parents[2] / "deploy" / "vault" / "omniops.hcl"


def test_service_policy_allows_tenant_credentials_and_keyring_read_only(infra: object, tenant: str) -> None:
    settings = get_settings()
    root = hvac.Client(url=settings.vault.addr, token=settings.vault.token.get_secret_value())
    root.sys.create_or_update_policy(name="omniops", policy=POLICY.read_text())
    token = root.auth.token.create(policies=["omniops"], ttl="10m")["auth"]["client_token"]
    svc = VaultStore(
        settings.model_copy(update={"vault": settings.vault.model_copy(update={"token": SecretStr(token)})})
    )
    path = credential_path(tenant, "wordpress", "admin")
    svc.write(path, {"username": "u", "password": "p"})
    assert svc.read(path) == {"username": "u", "password": "p"}
    svc.delete(path)
    assert svc.read(path) is None
    assert svc.read(KEYRING_PATH) is not None
    with pytest.raises(Forbidden):
        svc.write(KEYRING_PATH, {"active": "evil", "keys": {}})
    with pytest.raises(Forbidden):
        svc.write("elsewhere/secret", {"x": "y"})
