"""Codec server for the Temporal Web UI (``/codec/encode``, ``/codec/decode``).

Authenticated like every route (JWT); decoding needs the operator or admin role. CORS allows
the UI origin (settings.api_cors_origins). Body/response: ``{"payloads": [Payload JSON]}``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from google.protobuf import json_format
from litestar import Controller, Request, post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK
from temporalio.api.common.v1 import Payload, Payloads

from api.auth import Principal, require_role
from api.errors import ValidationException
from api.schemas.codec import CodecPayloads
from core.codec import EncryptionCodec

OPERATOR_ROLES = ("operator", "admin", "owner")


def _parse(body: dict[str, Any]) -> Payloads:
    try:
        return json_format.ParseDict(body, Payloads())
    except json_format.ParseError as e:
        raise ValidationException(f"invalid payloads: {e}") from None


class CodecController(Controller):
    path = "/codec"
    tags = ["codec"]
    include_in_schema = True

    @post("/encode", operation_id="codecEncode", status_code=HTTP_200_OK)
    async def encode(
        self,
        request: Request[Principal, Any, Any],
        data: JSONBody[dict[str, Any]],
        codec: NamedDependency[EncryptionCodec],
    ) -> CodecPayloads:
        """Encrypt the payloads (operator, admin or owner)."""
        return await _apply(request, data, codec.encode)

    @post("/decode", operation_id="codecDecode", status_code=HTTP_200_OK)
    async def decode(
        self,
        request: Request[Principal, Any, Any],
        data: JSONBody[dict[str, Any]],
        codec: NamedDependency[EncryptionCodec],
    ) -> CodecPayloads:
        """Decrypt the payloads (operator, admin or owner); 400 for a body that is not Payloads JSON."""
        return await _apply(request, data, codec.decode)


async def _apply(
    request: Request[Principal, Any, Any],
    body: dict[str, Any],
    fn: Callable[[Sequence[Payload]], Awaitable[list[Payload]]],
) -> CodecPayloads:
    """Role check first (403 before any parsing), then parse, apply and serialise."""
    require_role(request.user, OPERATOR_ROLES, "the codec server")
    out = await fn(_parse(body).payloads)
    return CodecPayloads(payloads=[json_format.MessageToDict(p) for p in out])
