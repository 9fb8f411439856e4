"""The codec server's rules (issue 11, Build items 4 and 5): who may decode or encode whose payloads.

- **Tenant owner or admin** (bearer token): decodes only its own tenant's payloads. If any payload
  of the request names another scope (another tenant, the platform, a legacy payload) the whole
  request is 403, decided from metadata before anything is decrypted.
- **Platform operator** (bearer token, or the Web UI's capability): decodes any tenant's payloads;
  one ``operator_audit`` row per scope touched (``codec.decode``, ``{"payloads": n}``) is
  committed before anything is decrypted, so a decode is never unaudited.
- **Encode** binds a payload to one workflow (its tenant and binding id are the associated data,
  core/codec.py): the caller names ``workflow_id``; a tenant caller only its own tenant's.
  Operators' encodes are audited (``codec.encode``). The Web UI's capability never encodes
  (:meth:`CodecServer.refuse_ui_encode`).
- A payload that is not encrypted is refused (422), as is one that fails to authenticate or names
  a key its scope lacks. Messages never carry payload contents or key material.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence

import anyio.to_thread
from cryptography.exceptions import InvalidTag
from litestar.exceptions import NotAuthorizedException
from sqlalchemy import Engine
from temporalio.api.common.v1 import Payload

from api.auth import Principal, TokenVerifier
from api.errors import PermissionDeniedException, UnprocessableException
from core.codec import LEGACY, PLATFORM, CodecRefused, EncryptionCodec
from core.crypto import UnknownKeyError
from core.keys import KeyringMissing
from core.logging import get_logger
from core.settings import Settings
from schema.db import platform_transaction
from schema.repositories import operator_audit
from workflows.ids import UnknownWorkflowId, tenant_of_workflow_id

log = get_logger(__name__)

TENANT_CODEC_ROLES = ("owner", "admin")
"""Tenant roles that may use the codec server (for their own tenant's payloads only)."""
NOT_A_TENANT = frozenset({PLATFORM, LEGACY})
"""Scopes of ``payload_tenants`` that are no tenant (audited with ``tenant_id`` None)."""
UI_ENCODE_REFUSED = (
    "the Web UI's codec capability only decodes: a payload is sealed for one tenant and one "
    "workflow, and the UI's encode request does not say which; signal or start workflows "
    "through the API, or POST /codec/encode?workflow_id=... with an operator token"
)


class CodecServer:
    """Decode and encode for the codec routes (api/controllers/codec.py). Every method raises
    401/403/422 ``HTTPException`` subclasses (problem details) and never logs a payload."""

    def __init__(self, codec: EncryptionCodec, engine: Engine, settings: Settings) -> None:
        self.codec, self.engine, self.settings = codec, engine, settings
        self.verifier = TokenVerifier(settings)

    # --- who is calling
    def _require_codec_role(self, p: Principal) -> None:
        if not p.platform and not p.has_any(TENANT_CODEC_ROLES):
            raise PermissionDeniedException(
                "the codec server needs a platform operator or a tenant owner or admin"
            )

    async def ui_operator(self, capability: str) -> Principal:
        """The operator a Web UI capability stands for: a platform operator token with
        ``aud`` = ``auth.codec_audience`` and ``exp - iat <= auth.codec_capability_max_lifetime_s``.
        Raises 401 (expired, wrong audience or issuer, bad signature), 403 (not a platform operator)."""
        a = self.settings.auth
        p = await anyio.to_thread.run_sync(
            lambda: self.verifier.verify(
                capability, audience=a.codec_audience, max_lifetime_s=a.codec_capability_max_lifetime_s
            )
        )
        if not p.platform:
            raise NotAuthorizedException("the codec capability must be a platform operator's")
        return p

    # --- decode
    async def decode(self, p: Principal, payloads: Sequence[Payload]) -> list[Payload]:
        """Decrypt ``payloads`` for ``p``. Raises 403 (role; another scope's payload), 422 (not
        encrypted, failed authentication, unknown key)."""
        self._require_codec_role(p)
        scopes = Counter(self._scope_of(x) for x in payloads)
        if not p.platform:
            if set(scopes) - {p.tenant_id}:
                raise PermissionDeniedException("these payloads are not all your tenant's")
            return await self._open(payloads, p.tenant_id)
        await asyncio.to_thread(self._audit, p, "codec.decode", scopes)
        return await self._open(payloads, None)

    def _scope_of(self, payload: Payload) -> str:
        try:
            [scope] = self.codec.payload_tenants([payload])
        except CodecRefused as e:
            raise UnprocessableException(str(e)) from None
        return scope

    async def _open(self, payloads: Sequence[Payload], tenant: str | None) -> list[Payload]:
        try:
            return await self.codec.decode_for(payloads, tenant=tenant)
        except CodecRefused as e:
            raise UnprocessableException(str(e)) from None
        except InvalidTag:
            raise UnprocessableException(
                "a payload failed authentication: tampered, or sealed for another workflow or tenant"
            ) from None
        except (UnknownKeyError, KeyringMissing):
            raise UnprocessableException("a payload names a key its tenant does not have") from None

    # --- encode
    async def encode(self, p: Principal, payloads: Sequence[Payload], workflow_id: str) -> list[Payload]:
        """Encrypt ``payloads`` for the workflow ``workflow_id`` (its tenant and binding).
        Raises 403 (role; another tenant's workflow), 422 (not one of our workflow ids)."""
        self._require_codec_role(p)
        try:
            scope = tenant_of_workflow_id(workflow_id)
        except UnknownWorkflowId as e:
            raise UnprocessableException(str(e)) from None
        if not p.platform and scope != p.tenant_id:
            raise PermissionDeniedException("that workflow is not your tenant's")
        if p.platform:
            await asyncio.to_thread(
                self._audit, p, "codec.encode", Counter({scope or PLATFORM: len(payloads)})
            )
        try:
            return await self.codec.encode_for(
                payloads, tenant=None if p.platform else p.tenant_id, workflow_id=workflow_id
            )
        except CodecRefused as e:
            raise UnprocessableException(str(e)) from None

    @staticmethod
    def refuse_ui_encode() -> None:
        """403: see :data:`UI_ENCODE_REFUSED` (no tenant or workflow in the UI's encode request,
        and a capability readable on the UI host should not be able to write into workflows)."""
        raise PermissionDeniedException(UI_ENCODE_REFUSED)

    # --- audit (a platform table: operators act across tenants)
    def _audit(self, p: Principal, action: str, scopes: Counter[str]) -> None:
        with platform_transaction(self.engine, f"operator audit: {action}") as s:
            for scope, n in sorted(scopes.items()):
                tenant = None if scope in NOT_A_TENANT else scope
                detail: dict[str, object] = {"payloads": n}
                if tenant is None:
                    detail["scope"] = scope
                operator_audit.record(
                    s, actor=p.user_id, issuer=p.issuer, action=action, tenant_id=tenant, detail=detail
                )
        log.info("operator codec use audited", action=action, actor=p.user_id, scopes=len(scopes))
