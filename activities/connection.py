"""Connection test: call the site's API with the credential the operation just created.

The credential is read from Vault inside this activity; the result carries only the HTTP
status and a non-secret detail (the authenticated user's name).
"""

from __future__ import annotations

from urllib.parse import urljoin

import httpx
from temporalio import activity
from temporalio.exceptions import ApplicationError

from core.failures import Failure
from core.vault import VaultStore, credential_path
from workflows.operation.messages import ConnectionTestInput, ConnectionTestResult


class ConnectionActivities:
    def __init__(self, vault: VaultStore) -> None:
        self._vault = vault

    @activity.defn(name="test_connection")
    def test_connection(self, inp: ConnectionTestInput) -> ConnectionTestResult:
        cred = self._vault.read(credential_path(inp.tenant_id, inp.service, inp.credential_type))
        if not cred:
            raise ApplicationError(
                "the new credential is not in Vault", type=Failure.CREDENTIAL_MISSING, non_retryable=True
            )
        url = urljoin(inp.site_url, inp.test.path)
        try:
            r = httpx.request(inp.test.method, url, auth=(cred["username"], cred["password"]), timeout=15)
        except httpx.HTTPError as e:
            raise ApplicationError(f"connection test request failed: {type(e).__name__}") from None
        passed = r.status_code == inp.test.expect_status
        detail = f"HTTP {r.status_code}"
        if passed:
            try:
                detail += f" as {r.json().get('name') or r.json().get('slug') or 'user'}"
            except ValueError:
                pass
        return ConnectionTestResult(passed=passed, status_code=r.status_code, detail=detail)
