"""Temporal payload codec: every payload and failure attribute sealed with its tenant's key.

Encode (AES-256-GCM, core/crypto.py) uses the active key of the keyring of the tenant that owns
the workflow the payload belongs to (``workflows.ids.tenant_of_workflow_id``, handed in as
:class:`Scoping` since core may not import workflows; platform scope for the cycle fan-out),
read from Vault ``keys/tenants/{tenant}/payload`` or ``keys/platform/payload`` (core/keys.py,
cached per scope: core/keycache.py). The payload's metadata::

    encoding            = binary/encrypted
    encryption-key-id   = <kid>
    encryption-tenant   = <tenant slug> | _platform
    encryption-binding  = <binding id>   (ids.binding_id: the workflow id without a schedule suffix)

and the AES-GCM associated data is ``omniops-payload/2|{tenant or _platform}|{kid}|{binding id}``,
so a ciphertext moved into another tenant's or another workflow's history fails to decrypt in the
worker: decode builds the associated data from the *context's* workflow id, never from the
payload's metadata (a foreign kid is ``UnknownKeyError``, a foreign binding ``InvalidTag``).

Decode refuses (``CodecRefused``) a payload that is not ``binary/encrypted``: a raw client
(``temporal workflow signal``) can no longer put plaintext in front of a workflow. A payload with
no tenant in its metadata was sealed before issue 11 with the legacy global keyring (no
associated data); it still decodes (``crypto.legacy_decode``) and is never produced again.

**Serialization context.** The SDK (temporalio 1.35) calls :meth:`EncryptionCodec.with_context`
with a ``WorkflowSerializationContext`` (client calls on a workflow handle: start, signal, query,
update, result, describe; the workflow worker's activations and completions; a child workflow's
and an external signal's payloads take the *target* workflow's id) or an
``ActivitySerializationContext`` (activity input, result, heartbeat, failure: the calling
workflow's id). Schedules encode their action's arguments with the workflow id *prefix*; the
runs decode them under the full id, which :func:`workflows.ids.binding_id` maps back.

Paths that reach the codec with no context (read in temporalio 1.35; none carries a payload in
this codebase): a schedule's ``describe``/list entries (``memo``, ``memo_value``: the handle's
converter is context-free; we set no memo) and ``create_schedule(memo=...)``; headers (only with
``HeaderCodecBehavior.CODEC``; ours is NO_CODEC); async activity completion by task token and
standalone activities (``workflow_id`` None; unused); Nexus (unused); and direct use of
``client.data_converter`` or its ``payload_codec`` (test helpers). Workflow ``describe`` and
``list_workflows`` entries do bind their own id. Handling: with no workflow id, **encode
refuses** (no key is ever picked by default) and **decode refuses** tenant payloads (legacy
payloads, which carry no binding, still decode). The codec server and test helpers call
:meth:`EncryptionCodec.decode_for` / :meth:`EncryptionCodec.encode_for`, which bind by the
payload's metadata or by a given workflow id.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from temporalio.api.common.v1 import Payload
from temporalio.converter import (
    ActivitySerializationContext,
    PayloadCodec,
    SerializationContext,
    WithSerializationContext,
    WorkflowSerializationContext,
)

from core.crypto import Keyring
from core.keycache import KeyringCache, Scope
from core.keys import keyring_path

ENCODING = b"binary/encrypted"
KEY_ID = "encryption-key-id"
TENANT = "encryption-tenant"
BINDING = "encryption-binding"
PLATFORM = "_platform"
"""``encryption-tenant`` of a platform-scope payload (no tenant slug starts with '_')."""
LEGACY = "_legacy"
"""What :meth:`EncryptionCodec.payload_tenants` reports for a legacy payload (no tenant)."""
AAD_VERSION = "omniops-payload/2"


class Scoping(Protocol):
    """Who owns a workflow id: the ``workflows.ids`` module, passed in by the composition roots
    (api/plugin.py, workers/run.py, tests) because core may not import workflows (the layers)."""

    def tenant_of_workflow_id(self, workflow_id: str) -> str | None:
        """The owning tenant; None for platform scope. Raises ValueError for an unknown format."""
        ...

    def binding_id(self, workflow_id: str) -> str:
        """The id payloads are bound to (the workflow id without a schedule's time suffix)."""
        ...


class CodecRefused(Exception):
    """The codec will not encode or decode these payloads. The message says why in terms safe to
    show any tenant: no payload contents, no other tenant's name, no key."""


def associated_data(scope_name: str, kid: str, binding: str) -> bytes:
    """``omniops-payload/2|{tenant or _platform}|{kid}|{binding id}`` (UTF-8). Tenant slugs and
    key ids hold no '|', and the binding id comes last, so the fields cannot run together."""
    return f"{AAD_VERSION}|{scope_name}|{kid}|{binding}".encode()


def _name(scope: Scope) -> str:
    return PLATFORM if scope is None else scope


def _scope(name: str) -> Scope:
    return None if name == PLATFORM else name


def _bind(scoping: Scoping, workflow_id: str | None) -> tuple[Scope, str]:
    """(scope, binding id) of a workflow id. Raises CodecRefused without one or for an unknown format."""
    if not workflow_id:
        raise CodecRefused("no workflow id in the serialization context: refusing to pick a key")
    try:
        return scoping.tenant_of_workflow_id(workflow_id), scoping.binding_id(workflow_id)
    except ValueError as e:  # workflows.ids.UnknownWorkflowId: its message names the shape only
        raise CodecRefused(str(e)) from None


def _meta(p: Payload) -> tuple[str, str | None, str | None]:
    """(kid, tenant name or None for legacy, binding or None). Raises CodecRefused if not encrypted."""
    if p.metadata.get("encoding", b"") != ENCODING or KEY_ID not in p.metadata:
        raise CodecRefused("refused a payload that is not encrypted: only binary/encrypted payloads decode")
    kid = p.metadata[KEY_ID].decode()
    tenant = p.metadata[TENANT].decode() if TENANT in p.metadata else None
    binding = p.metadata[BINDING].decode() if BINDING in p.metadata else None
    if tenant is not None and binding is None:
        raise CodecRefused("refused an encrypted payload with a tenant but no binding")
    return kid, tenant, binding


class EncryptionCodec(PayloadCodec, WithSerializationContext):
    """The codec of every client and worker (core/temporal.py) and of the codec server.

    ``keys`` is shared by every copy :meth:`with_context` makes; ``scoping`` is ``workflows.ids``;
    ``workflow_id`` is the bound context (None: none)."""

    def __init__(self, keys: KeyringCache, scoping: Scoping, *, workflow_id: str | None = None) -> None:
        self._keys = keys
        self._scoping = scoping
        self._workflow_id = workflow_id

    def with_context(self, context: SerializationContext) -> EncryptionCodec:
        wid = None
        if isinstance(context, WorkflowSerializationContext | ActivitySerializationContext):
            wid = context.workflow_id
        return EncryptionCodec(self._keys, self._scoping, workflow_id=wid)

    async def _seal(self, p: Payload, scope: Scope, binding: str) -> Payload:
        ring: Keyring = await self._keys.for_encode(scope)
        kid = ring.active_key_id
        _, blob = ring.seal(p.SerializeToString(), associated_data(_name(scope), kid, binding))
        meta = {
            "encoding": ENCODING,
            KEY_ID: kid.encode(),
            TENANT: _name(scope).encode(),
            BINDING: binding.encode(),
        }
        return Payload(metadata=meta, data=blob)

    async def _open(self, p: Payload, scope: Scope, binding: str) -> Payload:
        kid = p.metadata[KEY_ID].decode()
        ring = await self._keys.for_decode(scope, kid)
        return Payload.FromString(ring.open(kid, p.data, associated_data(_name(scope), kid, binding)))

    async def _open_legacy(self, p: Payload) -> Payload:
        kid = p.metadata[KEY_ID].decode()
        return Payload.FromString((await self._keys.legacy(kid)).open(kid, p.data))

    async def encode(self, payloads: Iterable[Payload]) -> list[Payload]:
        """Seal under the context's tenant and binding. Raises CodecRefused without a context."""
        payloads = list(payloads)
        if not payloads:
            return []
        scope, binding = _bind(self._scoping, self._workflow_id)
        return [await self._seal(p, scope, binding) for p in payloads]

    async def decode(self, payloads: Iterable[Payload]) -> list[Payload]:
        """Open under the context's tenant and binding (legacy payloads: the legacy keyring).

        Raises CodecRefused (not encrypted; no context for a tenant payload), InvalidTag (sealed
        for another workflow or tampered), UnknownKeyError (a kid the scope's keyring lacks,
        e.g. another tenant's), KeyringMissing."""
        out = []
        for p in payloads:
            _, tenant, _ = _meta(p)
            if tenant is None:
                out.append(await self._open_legacy(p))
                continue
            scope, binding = _bind(self._scoping, self._workflow_id)
            out.append(await self._open(p, scope, binding))
        return out

    # --- the codec server (api/controllers/codec.py): no workflow context, a caller's tenant

    @staticmethod
    def payload_tenants(payloads: Sequence[Payload]) -> set[str]:
        """The tenants whose payloads these are, from metadata only (nothing is decrypted):
        tenant slugs, :data:`PLATFORM` for platform scope, :data:`LEGACY` for a legacy payload.
        Raises CodecRefused for a payload that is not encrypted."""
        return {tenant or LEGACY for _, tenant, _ in map(_meta, payloads)}

    async def decode_for(self, payloads: Sequence[Payload], *, tenant: str | None) -> list[Payload]:
        """Decode for a codec-server caller: ``tenant`` None is a platform operator (any scope,
        legacy included); otherwise every payload must be that tenant's, checked for all before
        any is decrypted. Binds by the metadata's tenant and binding id (the UI names no
        workflow); the associated data still authenticates them. Raises CodecRefused, InvalidTag,
        UnknownKeyError, KeyringMissing."""
        if tenant is not None and self.payload_tenants(payloads) - {tenant}:
            raise CodecRefused("these payloads are not all the caller's tenant's")
        out = []
        for p in payloads:
            _, name, binding = _meta(p)
            if name is None:
                out.append(await self._open_legacy(p))
            else:
                assert binding is not None  # _meta refuses a tenant without a binding
                try:
                    keyring_path(_scope(name))
                except ValueError:
                    raise CodecRefused("a payload's metadata names no valid tenant") from None
                out.append(await self._open(p, _scope(name), binding))
        return out

    async def encode_for(
        self, payloads: Sequence[Payload], *, tenant: str | None, workflow_id: str | None
    ) -> list[Payload]:
        """Encode for a codec-server caller, bound to ``workflow_id`` (required). ``tenant`` None
        is a platform operator; otherwise the workflow must be that tenant's. Raises CodecRefused."""
        scope, binding = _bind(self._scoping, workflow_id)
        if tenant is not None and scope != tenant:
            raise CodecRefused("the workflow is not the caller's tenant's")
        return [await self._seal(p, scope, binding) for p in payloads]
