"""Connection test: call the site's API with the credential the operation just created.

The test is a declarative HTTP sequence (issue 15 Build 1; activities/http_sequence.py), given
in the input or loaded from the registry by definition and version (health checks). The
credential is read from Vault inside this activity through the audited reader (Build 8); the
result carries only each request's name, HTTP status and a non-secret detail.

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

from activities.credential_reads import CredentialReader
from activities.http_sequence import run_sequence
from core.failures import Failure
from core.logging import get_logger
from core.targets import REFUSED, UNREACHABLE, TargetRefused, parse_origin
from core.templates import Context, TemplateError
from core.vault import credential_path
from schema.repositories.definitions import DefinitionError, DefinitionRegistry
from workflows.operation.http_sequence import ConnectionTest
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
    def __init__(self, reader: CredentialReader, registry: DefinitionRegistry | None = None) -> None:
        self._reader = reader
        self._registry = registry

    def _test(self, inp: ConnectionTestInput) -> ConnectionTest:
        if inp.test is not None:
            return inp.test
        if self._registry is None or inp.operation is None:
            raise ApplicationError(
                "no connection test named", type=Failure.DEFINITION_ERROR, non_retryable=True
            )
        try:
            definition = self._registry.load(inp.service, inp.operation, inp.definition_version)
        except DefinitionError as e:
            raise ApplicationError(str(e), type=Failure.DEFINITION_ERROR, non_retryable=True) from None
        if definition.connection_test is None:
            raise ApplicationError(
                f"{inp.service}/{inp.operation} v{definition.version} has no connection_test",
                type=Failure.DEFINITION_ERROR,
                non_retryable=True,
            )
        return definition.connection_test

    def _path(self, inp: ConnectionTestInput) -> str:
        path = inp.credential_path or credential_path(inp.tenant_id, inp.service, inp.credential_type)
        prefix = credential_path(inp.tenant_id, "", "").rstrip("/") + "/"
        if not path.startswith(prefix) or ".." in path.split("/"):
            raise ApplicationError(
                "the credential path is not the tenant's", type=Failure.CREDENTIAL_MISSING, non_retryable=True
            )
        return path

    @activity.defn(name="test_connection")
    def test_connection(self, inp: ConnectionTestInput) -> ConnectionTestResult:
        """Run the connection test's HTTP sequence with the credential at the input's path.
        Returns each request's name, status and non-secret detail; raises non-retryable
        ``CredentialMissing``/``TargetRefused``/``DefinitionError``/``InvalidStep`` and a
        retryable :data:`UNREACHABLE` on network failure."""
        test = self._test(inp)
        cred = self._reader.read(
            inp.tenant_id, self._path(inp), inp.purpose, inp.operation_id, inp.step_number
        )
        if not cred:
            raise ApplicationError(
                "the new credential is not in Vault", type=Failure.CREDENTIAL_MISSING, non_retryable=True
            )

        def aim(url: str) -> tuple[str, dict[str, str], dict[str, Any]]:
            return pinned_request(url, inp) if inp.pins else (url, {}, {})

        ctx = Context(credential={k: v for k, v in cred.items() if k != "delivery"}, inputs=inp.inputs)
        try:
            with httpx.Client(timeout=15, follow_redirects=False) as client:
                steps = run_sequence(test, inp.site_url, ctx, client, aim)
        except TargetRefused as e:
            log.warning("connection test refused", code=e.code, detail=e.detail)
            raise ApplicationError(REFUSED, type=Failure.TARGET_REFUSED, non_retryable=True) from None
        except TemplateError as e:  # names the placeholder, never a value
            raise ApplicationError(str(e), type=Failure.INVALID_STEP, non_retryable=True) from None
        except httpx.HTTPError as e:
            log.info("connection test request failed", error=type(e).__name__)
            raise ApplicationError(UNREACHABLE) from None
        last = steps[-1]
        detail = last.detail if len(steps) == 1 else "; ".join(f"{o.name}: {o.detail}" for o in steps)
        return ConnectionTestResult(
            passed=all(o.passed for o in steps) and len(steps) == len(test.steps),
            status_code=last.status_code,
            detail=detail,
            steps=steps,
        )
