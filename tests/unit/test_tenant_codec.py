"""core/codec.py: per-tenant keys, associated data binding tenant and workflow, refusals, the
serialization context as the SDK applies it, key rotation with a TTL cache, the codec server's
``payload_tenants``/``decode_for``/``encode_for``. Vault is an in-memory fake here (the real one:
tests/integration/test_tenant_keys.py)."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.exceptions import InvalidTag
from temporalio.api.common.v1 import Payload
from temporalio.api.failure.v1 import Failure
from temporalio.converter import (
    ActivitySerializationContext,
    NexusSerializationContext,
    WorkflowSerializationContext,
)
from temporalio.exceptions import ApplicationError

from core.codec import (
    BINDING,
    ENCODING,
    KEY_ID,
    PLATFORM,
    TENANT,
    CodecRefused,
    EncryptionCodec,
    associated_data,
)
from core.crypto import Keyring, UnknownKeyError
from core.keycache import KeyringCache
from core.keys import KeyringMissing, keyring_path, read_keyring
from core.temporal import data_converter
from tests.unit.keystore_fake import MemoryKeyStore
from workflows import ids

OP = "6f1c8a52-6c1e-4d47-9a40-3f1f3c0f9b10"
OP2 = "0b1e6a3c-1d2e-4f50-8a9b-0c1d2e3f4a5b"
A = ids.operation_workflow_id("acme-eu", OP)
A2 = ids.operation_workflow_id("acme-eu", OP2)
B = ids.operation_workflow_id("acme", OP)  # another tenant, a prefix of the first's slug
SECRET = b'{"password":"hunter2"}'
PLAIN = Payload(metadata={"encoding": b"json/plain"}, data=SECRET)


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def wf(wid: str) -> WorkflowSerializationContext:
    return WorkflowSerializationContext(namespace="default", workflow_id=wid)


def act(wid: str | None) -> ActivitySerializationContext:
    return ActivitySerializationContext(
        namespace="default",
        activity_id="1",
        activity_type="sync_operation",
        activity_task_queue="agent",
        workflow_id=wid,
        workflow_type="AutonomousOperationWorkflow",
        is_local=False,
    )


@pytest.fixture
def store() -> MemoryKeyStore:
    return MemoryKeyStore()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def codec(store: MemoryKeyStore, clock: Clock) -> EncryptionCodec:
    return EncryptionCodec(KeyringCache(store, ttl_s=60, clock=clock), ids)


async def seal(codec: EncryptionCodec, wid: str, p: Payload = PLAIN) -> Payload:
    [enc] = await codec.with_context(wf(wid)).encode([p])
    return enc


async def test_metadata_and_associated_data_layout(codec: EncryptionCodec, store: MemoryKeyStore) -> None:
    enc = await seal(codec, A)
    kid = enc.metadata[KEY_ID].decode()
    assert dict(enc.metadata) == {
        "encoding": ENCODING,
        KEY_ID: kid.encode(),
        TENANT: b"acme-eu",
        BINDING: A.encode(),
    }
    assert SECRET not in enc.SerializeToString() and b"hunter2" not in enc.data
    assert list(store.data) == [keyring_path("acme-eu")] == ["keys/tenants/acme-eu/payload"]
    ring = read_keyring(store, keyring_path("acme-eu"))
    assert ring is not None and ring.active_key_id == kid
    aad = f"omniops-payload/2|acme-eu|{kid}|{A}".encode()
    assert associated_data("acme-eu", kid, A) == aad
    assert Payload.FromString(ring.open(kid, enc.data, aad)) == PLAIN  # the documented layout, by hand
    with pytest.raises(InvalidTag):
        ring.open(kid, enc.data)  # no associated data: does not open
    assert await codec.with_context(wf(A)).decode([enc]) == [PLAIN]


async def test_a_payload_moved_to_another_workflow_of_the_tenant_fails_to_decrypt(
    codec: EncryptionCodec,
) -> None:
    enc = await seal(codec, A)
    with pytest.raises(InvalidTag):
        await codec.with_context(wf(A2)).decode([enc])
    forged = Payload()
    forged.CopyFrom(enc)
    forged.metadata[BINDING] = A2.encode()  # rewriting the metadata does not help
    with pytest.raises(InvalidTag):
        await codec.with_context(wf(A2)).decode([forged])


async def test_a_payload_moved_to_another_tenant_fails_to_decrypt(
    codec: EncryptionCodec, store: MemoryKeyStore
) -> None:
    enc = await seal(codec, A)
    await seal(codec, B)  # tenant acme has its own keyring
    assert keyring_path("acme") in store.data
    with pytest.raises(UnknownKeyError):  # acme's keyring has no such key id
        await codec.with_context(wf(B)).decode([enc])
    # even if acme's keyring held a key under the same id, the key and the associated data differ
    kid = enc.metadata[KEY_ID].decode()
    store.data[keyring_path("acme")]["keys"][kid] = Keyring.new_key_b64()
    forged = Payload()
    forged.CopyFrom(enc)
    forged.metadata[TENANT], forged.metadata[BINDING] = b"acme", B.encode()
    with pytest.raises(InvalidTag):
        await codec.with_context(wf(B)).decode([forged])
    with pytest.raises(InvalidTag):
        await codec.decode_for([forged], tenant="acme")  # the codec server: metadata says acme


async def test_plaintext_is_refused_without_echoing_it(codec: EncryptionCodec) -> None:
    for p in (
        PLAIN,
        Payload(metadata={"encoding": b"binary/null"}),
        Payload(metadata={"encoding": ENCODING}),
    ):
        with pytest.raises(CodecRefused, match="not encrypted") as e:
            await codec.with_context(wf(A)).decode([p])
        assert "hunter2" not in str(e.value) and "json" not in str(e.value)
        with pytest.raises(CodecRefused):
            codec.payload_tenants([p])


async def test_no_context_refuses_to_pick_a_key(codec: EncryptionCodec, store: MemoryKeyStore) -> None:
    with pytest.raises(CodecRefused, match="no workflow id"):
        await codec.encode([PLAIN])
    enc = await seal(codec, A)
    with pytest.raises(CodecRefused, match="no workflow id"):
        await codec.decode([enc])
    nexus = NexusSerializationContext(endpoint="e", service="s", operation="o")
    for ctx in (nexus, act(None)):  # standalone activity: no workflow id
        with pytest.raises(CodecRefused):
            await codec.with_context(ctx).encode([PLAIN])
    assert await codec.encode([]) == []  # nothing to seal, nothing picked


@pytest.mark.parametrize("wid", ["trigger-" + OP, "feedback-acme-o1", ids.cycle_schedule_id("acme")])
async def test_an_unknown_workflow_id_format_is_refused_loudly(
    codec: EncryptionCodec, store: MemoryKeyStore, wid: str
) -> None:
    with pytest.raises(CodecRefused, match="refusing to pick a key"):
        await codec.with_context(wf(wid)).encode([PLAIN])
    enc = await seal(codec, A)
    with pytest.raises(CodecRefused, match="refusing to pick a key"):
        await codec.with_context(wf(wid)).decode([enc])
    assert list(store.data) == [keyring_path("acme-eu")]  # no keyring made for a guess


async def test_activity_context_binds_to_the_calling_workflow(codec: EncryptionCodec) -> None:
    [enc] = await codec.with_context(act(A)).encode([PLAIN])  # activity result, encoded by the worker
    assert await codec.with_context(wf(A)).decode([enc]) == [PLAIN]  # read back by the workflow


async def test_schedule_args_encoded_under_the_prefix_decode_in_each_run(codec: EncryptionCodec) -> None:
    prefix = ids.cycle_trigger_workflow_id("acme-eu")
    enc = await seal(codec, prefix)  # create_schedule: context workflow id = the action's id
    run = prefix + "-2026-11-22T07:00:00Z"
    assert await codec.with_context(wf(run)).decode([enc]) == [PLAIN]
    assert await codec.with_context(act(run)).decode([await seal(codec, run)]) == [PLAIN]
    other = ids.cycle_trigger_workflow_id("acme") + "-2026-11-22T07:00:00Z"
    with pytest.raises(KeyringMissing):  # not in another tenant's trigger (acme has no keyring yet)
        await codec.with_context(wf(other)).decode([enc])
    await seal(codec, other)
    with pytest.raises(UnknownKeyError):  # nor once it has one
        await codec.with_context(wf(other)).decode([enc])


async def test_platform_scope_has_its_own_keyring(codec: EncryptionCodec, store: MemoryKeyStore) -> None:
    enc = await seal(codec, ids.cycle_fanout_workflow_id("2026112207"))
    assert enc.metadata[TENANT] == PLATFORM.encode() == b"_platform"
    assert list(store.data) == ["keys/platform/payload"]
    assert codec.payload_tenants([enc]) == {PLATFORM}
    with pytest.raises(CodecRefused):
        await codec.decode_for([enc], tenant="acme")
    assert await codec.decode_for([enc], tenant=None) == [PLAIN]


async def test_keyring_creation_is_race_safe(clock: Clock) -> None:
    """Two processes create the same tenant's keyring at once: the check-and-set loser re-reads
    and uses the winner's key, so both sides read each other's payloads."""
    winner = {"active": "kwin", "keys": {"kwin": Keyring.new_key_b64()}}

    class Racing(MemoryKeyStore):
        def create(self, path: str, data: dict[str, Any]) -> bool:
            self.data[path] = winner  # the other process got there first
            return super().create(path, data)

    store = Racing()
    codec = EncryptionCodec(KeyringCache(store, ttl_s=60, clock=clock), ids)
    enc = await seal(codec, A)
    assert enc.metadata[KEY_ID] == b"kwin" and store.data[keyring_path("acme-eu")] is winner


async def test_a_process_that_may_not_create_a_keyring_says_so(clock: Clock) -> None:
    class ReadOnly(MemoryKeyStore):
        def create(self, path: str, data: dict[str, Any]) -> bool:
            from hvac.exceptions import Forbidden

            raise Forbidden("permission denied")

    codec = EncryptionCodec(KeyringCache(ReadOnly(), ttl_s=60, clock=clock), ids)
    with pytest.raises(KeyringMissing):
        await seal(codec, A)


async def test_rotation_old_payloads_decrypt_new_writes_use_the_new_key_after_the_ttl(
    codec: EncryptionCodec, store: MemoryKeyStore, clock: Clock
) -> None:
    before = await seal(codec, A)
    old_kid = before.metadata[KEY_ID]
    path = keyring_path("acme-eu")
    data = store.data[path]
    data["keys"]["k2"], data["active"] = Keyring.new_key_b64(), "k2"  # rotate_tenant_keyring's write
    clock.t += 59  # within the TTL the cached keyring still seals
    assert (await seal(codec, A)).metadata[KEY_ID] == old_kid
    clock.t += 1  # 60 s: expired
    after = await seal(codec, A)
    assert after.metadata[KEY_ID] == b"k2"
    assert await codec.with_context(wf(A)).decode([before, after]) == [PLAIN, PLAIN]


async def test_an_unknown_kid_reloads_the_keyring_once(store: MemoryKeyStore, clock: Clock) -> None:
    """Process 2 still caches the old keyring when process 1 (which saw the rotation) writes."""
    p1 = EncryptionCodec(KeyringCache(store, ttl_s=60, clock=clock), ids)
    p2 = EncryptionCodec(KeyringCache(store, ttl_s=60, clock=clock), ids)
    await p2.with_context(wf(A)).decode([await seal(p1, A)])  # p2 caches the keyring
    path = keyring_path("acme-eu")
    store.data[path]["keys"]["k2"], store.data[path]["active"] = Keyring.new_key_b64(), "k2"
    clock.t += 61
    fresh = await seal(p1, A)
    assert fresh.metadata[KEY_ID] == b"k2"
    reads = store.reads[path]
    assert await p2.with_context(wf(A)).decode([fresh]) == [PLAIN]
    assert store.reads[path] == reads + 1  # one re-read, though p2's cache had not expired
    bogus = Payload()
    bogus.CopyFrom(fresh)
    bogus.metadata[KEY_ID] = b"k-nope"
    with pytest.raises(UnknownKeyError):
        await p2.with_context(wf(A)).decode([bogus])
    assert store.reads[path] == reads + 2


async def test_decode_for_a_tenant_checks_every_payload_before_decrypting_any(
    codec: EncryptionCodec, store: MemoryKeyStore
) -> None:
    mine, theirs = await seal(codec, A), await seal(codec, B)
    assert codec.payload_tenants([mine, theirs]) == {"acme-eu", "acme"}
    reads = dict(store.reads)
    with pytest.raises(CodecRefused) as e:
        await codec.decode_for([mine, theirs], tenant="acme-eu")
    assert "acme" not in str(e.value) and store.reads == reads  # nothing read, nothing named
    assert await codec.decode_for([mine], tenant="acme-eu") == [PLAIN]
    junk = Payload()
    junk.CopyFrom(mine)
    junk.metadata[TENANT] = b"../keys/payload"
    with pytest.raises(CodecRefused, match="no valid tenant"):
        await codec.decode_for([junk], tenant=None)
    assert await codec.decode_for([mine, theirs], tenant=None) == [PLAIN, PLAIN]  # platform operator


async def test_encode_for_binds_to_the_given_workflow_of_the_callers_tenant(codec: EncryptionCodec) -> None:
    [enc] = await codec.encode_for([PLAIN], tenant="acme-eu", workflow_id=A)
    assert await codec.with_context(wf(A)).decode([enc]) == [PLAIN]
    with pytest.raises(CodecRefused):
        await codec.encode_for([PLAIN], tenant="acme-eu", workflow_id=B)
    with pytest.raises(CodecRefused):
        await codec.encode_for([PLAIN], tenant="acme-eu", workflow_id=None)
    [op] = await codec.encode_for([PLAIN], tenant=None, workflow_id=B)  # a platform operator
    assert op.metadata[TENANT] == b"acme"


async def test_the_sdk_applies_the_context_to_payloads_and_failures(
    store: MemoryKeyStore, clock: Clock
) -> None:
    """Through temporalio's DataConverter, as clients and workers call it."""
    dc = data_converter(KeyringCache(store, ttl_s=60, clock=clock), ids)
    with pytest.raises(CodecRefused):
        await dc.encode([{"password": "hunter2"}])  # context-free
    bound = dc.with_context(wf(A))
    payloads = await bound.encode([{"password": "hunter2"}])
    assert payloads[0].metadata[TENANT] == b"acme-eu" and b"hunter2" not in payloads[0].SerializeToString()
    assert await bound.decode(payloads) == [{"password": "hunter2"}]
    with pytest.raises(InvalidTag):
        await dc.with_context(wf(A2)).decode(payloads)
    failure = Failure()
    await bound.encode_failure(ApplicationError("token hunter2 rejected"), failure)
    assert "hunter2" not in failure.SerializeToString().decode("latin-1")
    assert failure.encoded_attributes.metadata[BINDING] == A.encode()
    err = await bound.decode_failure(failure)
    assert "hunter2" in str(err)


def test_an_encrypting_converter_needs_the_scoping_and_reads_the_ttl_setting() -> None:
    from pydantic import SecretStr

    from core.settings import CryptoSettings, Settings, VaultSettings

    with pytest.raises(TypeError, match="scoping"):
        data_converter(KeyringCache(MemoryKeyStore(), ttl_s=1))
    s = Settings(
        crypto=CryptoSettings(key_cache_s=5, legacy_decode=False), vault=VaultSettings(token=SecretStr("x"))
    )
    cache = KeyringCache.from_settings(s)
    assert (cache._ttl, cache._legacy_decode) == (5, False)
    assert CryptoSettings().key_cache_s == 60 and CryptoSettings().legacy_decode is True
