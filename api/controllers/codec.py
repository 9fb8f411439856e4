"""Codec server (Temporal's remote codec protocol) for the Temporal Web UI and operators' tools.

Two ways in (rules: api/services/codec.py; setup: README "Temporal Web UI decoding"):

- ``POST /codec/decode``, ``POST /codec/encode?workflow_id=...`` with a bearer token: a tenant
  owner or admin for its own tenant's payloads, a platform operator for any (audited). This is
  the route for a UI behind OIDC that forwards the operator's own access token.
- ``POST /codec/ui/{capability}/decode``: the local stack's Web UI, which cannot send a token;
  ``capability`` is a platform operator token with ``aud`` = ``auth.codec_audience`` (a bearer
  secret, in the UI's config). It decodes as that operator, audited the same way.
  ``POST /codec/ui/{capability}/encode`` is refused (403).

Bodies: ``{"payloads": [Payload as protobuf JSON]}`` both ways; 400 for a body that is not
Payloads JSON. CORS: only ``settings.api_cors_origins`` (the UI's origin). The capability is in the
path, so nothing here logs a request path: an unexpected error on the UI route is answered 503
without the framework's exception log (which prints the path).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from google.protobuf import json_format
from litestar import Controller, Request, Response, post
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException
from litestar.params import JSONBody, Parameter, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE
from temporalio.api.common.v1 import Payload, Payloads

from api.auth import Principal
from api.errors import ValidationException
from api.schemas.codec import WORKFLOW_ID, CodecPayloads
from api.services.codec import CodecServer
from core.logging import get_logger

log = get_logger(__name__)
Req = Request[Principal, Any, Any]
Capability = Annotated[str, Parameter(description="the UI's codec capability (a JWT)", max_length=4096)]
WorkflowQuery = Annotated[str, QueryParameter(name="workflow_id", pattern=WORKFLOW_ID, max_length=300)]


def _parse(body: dict[str, Any]) -> list[Payload]:
    try:
        return list(json_format.ParseDict(body, Payloads()).payloads)
    except json_format.ParseError as e:
        raise ValidationException(f"invalid payloads: {e}") from None


def _out(payloads: list[Payload]) -> CodecPayloads:
    return CodecPayloads(payloads=[json_format.MessageToDict(p) for p in payloads])


async def _ui(call: Callable[[], Awaitable[CodecPayloads]]) -> Response[Any]:
    """Run a UI-route call: client errors propagate (problem details, not logged); anything else
    is logged by type only and answered 503 here, so the path (the capability) is never logged."""
    try:
        return Response(await call())
    except HTTPException as e:
        if e.status_code < 500:
            raise
        error = type(e).__name__
    except Exception as e:  # noqa: BLE001 - answered 503; the type is logged, never the path
        error = type(e).__name__
    log.error("codec ui request failed", error=error)
    body = {"title": "Service Unavailable", "status": 503, "detail": "the codec server could not decode"}
    return Response(body, status_code=HTTP_503_SERVICE_UNAVAILABLE, media_type="application/problem+json")


class CodecController(Controller):
    path = "/codec"
    tags = ["codec"]

    @post("/decode", operation_id="codecDecode", status_code=HTTP_200_OK)
    async def decode(
        self, request: Req, data: JSONBody[dict[str, Any]], codec_server: NamedDependency[CodecServer]
    ) -> CodecPayloads:
        """Decrypt: a tenant owner or admin its own tenant's payloads (403 if any is another's),
        a platform operator any (audited); 422 for a payload that is not encrypted."""
        return _out(await codec_server.decode(request.user, _parse(data)))

    @post("/encode", operation_id="codecEncode", status_code=HTTP_200_OK)
    async def encode(
        self,
        request: Req,
        data: JSONBody[dict[str, Any]],
        workflow_id: WorkflowQuery,
        codec_server: NamedDependency[CodecServer],
    ) -> CodecPayloads:
        """Encrypt for the workflow ``workflow_id``: a tenant owner or admin for its own tenant's
        workflows, a platform operator for any (audited)."""
        return _out(await codec_server.encode(request.user, _parse(data), workflow_id))

    @post("/ui/{capability:str}/decode", operation_id="codecUiDecode", status_code=HTTP_200_OK, security=[{}])
    async def ui_decode(
        self,
        capability: Capability,
        data: JSONBody[dict[str, Any]],
        codec_server: NamedDependency[CodecServer],
    ) -> Response[Any]:
        """The Web UI's decode: as the platform operator of the capability (401 if it is invalid,
        expired, or not for ``auth.codec_audience``), audited like any operator decode."""

        async def call() -> CodecPayloads:
            operator = await codec_server.ui_operator(capability)
            return _out(await codec_server.decode(operator, _parse(data)))

        return await _ui(call)

    @post("/ui/{capability:str}/encode", operation_id="codecUiEncode", status_code=HTTP_200_OK, security=[{}])
    async def ui_encode(
        self,
        capability: Capability,
        data: JSONBody[dict[str, Any]],
        codec_server: NamedDependency[CodecServer],
    ) -> Response[Any]:
        """Always refused (403 after the capability is checked, 401 before): see
        ``api.services.codec.UI_ENCODE_REFUSED``."""

        async def call() -> CodecPayloads:
            await codec_server.ui_operator(capability)
            codec_server.refuse_ui_encode()
            raise AssertionError("unreachable")

        return await _ui(call)
