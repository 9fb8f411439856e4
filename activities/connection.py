"""Connection test: call the site's API with the credential the operation just created.

The credential is read from Vault inside this activity; the result carries only the HTTP
status and a non-secret detail (the authenticated user's name).

Issue 10: the request goes to the registered origin's vetted address from the session's pins
(the URL's host replaced by the pinned address, ``Host`` set, and for https the TLS server name
kept as the host), so a DNS answer that changed since vetting gets nowhere. A redirect is never
followed (a 3xx is a failed test), the URL is joined by the WHATWG standard (ada-url), and every
network failure reads the same to the tenant (:data:`UNREACHABLE`).
"""

from __future__ import annotations

from typing import Any

import ada_url
import httpx
from temporalio import activity
from temporalio.exceptions import ApplicationError

from core.failures import Failure
from core.logging import get_logger
from core.targets import REFUSED, UNREACHABLE, TargetRefused, parse_origin
from core.vault import VaultStore, credential_path
from workflows.operation.messages import ConnectionTestInput, ConnectionTestResult

log = get_logger("activities.connection")


def pinned_request(url: str, inp: ConnectionTestInput) -> tuple[str, dict[str, str], dict[str, Any]]:
    """``url`` aimed at its pinned address: (url, headers, httpx extensions). Raises
    ``TargetRefused`` when ``url`` is not on the registered origin (the first pin)."""
    origin = parse_origin(url)
    pin = inp.pins[0]
    if (origin.scheme, origin.host, origin.port) != (pin.scheme, pin.host, pin.port):
        raise TargetRefused("origin", f"{origin} is not the session's origin {pin.origin}")
    u = ada_url.URL(url)
    host = u.host  # the site's host[:port], for the Host header, before u points at the address
    address = f"[{pin.address}]" if ":" in pin.address else pin.address
    u.host = f"{address}:{pin.port}"
    extensions = {"sni_hostname": pin.host} if pin.scheme == "https" else {}
    return u.href, {"Host": host}, extensions


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
        url = ada_url.join_url(inp.site_url, inp.test.path)
        headers: dict[str, str] = {}
        extensions: dict[str, Any] = {}
        if inp.pins:
            try:
                url, headers, extensions = pinned_request(url, inp)
            except TargetRefused as e:
                log.warning("connection test refused", code=e.code, detail=e.detail)
                raise ApplicationError(REFUSED, type=Failure.TARGET_REFUSED, non_retryable=True) from None
        try:
            with httpx.Client(timeout=15, follow_redirects=False) as client:
                r = client.request(
                    inp.test.method,
                    url,
                    auth=(cred["username"], cred["password"]),
                    headers=headers,
                    extensions=extensions,
                )
        except httpx.HTTPError as e:
            log.info("connection test request failed", error=type(e).__name__)
            raise ApplicationError(UNREACHABLE) from None
        passed = r.status_code == inp.test.expect_status
        detail = f"HTTP {r.status_code}"
        if r.is_redirect:
            detail += " (a redirect, not followed)"
        if passed:
            try:
                detail += f" as {r.json().get('name') or r.json().get('slug') or 'user'}"
            except ValueError:
                pass
        return ConnectionTestResult(passed=passed, status_code=r.status_code, detail=detail)
