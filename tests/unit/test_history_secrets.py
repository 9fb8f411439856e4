"""The no-secret-in-history check (tests/integration/history_secrets.py) can fail: a planted secret,
an unencrypted payload or a plain failure message in a real recorded history is caught."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from temporalio.api.common.v1 import Payload
from temporalio.client import WorkflowHistory
from temporalio.converter import WorkflowSerializationContext

from core.codec import EncryptionCodec
from core.crypto import Keyring
from core.keycache import KeyringCache
from core.keys import keyring_path
from tests.integration.history_secrets import (
    ENCODED_FAILURE,
    assert_history_clean,
    b64_forms,
    totp_codes,
    walk_history,
)
from tests.unit.keystore_fake import MemoryKeyStore
from workflows import ids

HISTORIES = Path(__file__).resolve().parents[1] / "replay" / "histories"
SECRET = "s3cret-Pa55 word/+x"
KEYRING = Keyring.from_b64("k1", {"k1": Keyring.new_key_b64()})
STORE = MemoryKeyStore()
STORE.write(
    keyring_path("acme"), {"active": "k1", "keys": {"k1": base64.b64encode(KEYRING.keys["k1"]).decode()}}
)
CODEC = EncryptionCodec(KeyringCache(STORE, ttl_s=60), ids)
WID = "op-acme-6f1c8a52-6c1e-4d47-9a40-3f1f3c0f9b10"
BOUND = CODEC.with_context(WorkflowSerializationContext(namespace="default", workflow_id=WID))


def load(name: str) -> WorkflowHistory:
    """A real recorded (codec-less) history; the copy is ours to change."""
    return WorkflowHistory.from_json("wf", (HISTORIES / name).read_text())


async def encrypt(history: WorkflowHistory) -> WorkflowHistory:
    """What the server holds when the workers use our codec: failures' message and stack trace moved
    into encoded attributes, then every payload but search attributes and headers encrypted."""
    w = walk_history(history)
    for _, f in w.failures:
        attrs = {"message": f.message, "stack_trace": f.stack_trace}
        f.encoded_attributes.CopyFrom(
            Payload(metadata={"encoding": b"json/plain"}, data=json.dumps(attrs).encode())
        )
        f.message, f.stack_trace = ENCODED_FAILURE, ""
    for _, p, must in walk_history(history).payloads:
        if must:
            [enc] = await BOUND.encode([p])
            p.CopyFrom(enc)
    return history


def json_payloads(history: WorkflowHistory) -> list[Payload]:
    w = walk_history(history)
    return [p for _, p, must in w.payloads if must and p.metadata["encoding"] == b"json/plain"]


async def check(history: WorkflowHistory, secrets: dict[str, str] | None = None) -> None:
    await assert_history_clean(history, CODEC, KEYRING.keys, secrets or {"password": SECRET}, "acme")


async def test_an_encrypted_history_without_the_secret_passes() -> None:
    history = load("operation-step_failure_fails_with_reason_and_audits_the_screenshot.json")
    await check(await encrypt(history))


async def test_a_secret_planted_in_an_encrypted_payload_is_found_after_decoding() -> None:
    history = load("operation-completes_with_one_audit_per_step_and_only_a_vault_path.json")
    json_payloads(history)[3].data = json.dumps({"note": f"the password is {SECRET}"}).encode()
    with pytest.raises(AssertionError, match="password in event"):
        await check(await encrypt(history))


@pytest.mark.parametrize("prefix", [b"", b"a", b"ab"])
async def test_a_base64_secret_is_found_at_every_byte_alignment(prefix: bytes) -> None:
    history = load("operation-completes_with_one_audit_per_step_and_only_a_vault_path.json")
    blob = base64.b64encode(prefix + SECRET.encode() + b"tail").decode()
    json_payloads(history)[2].data = json.dumps({"blob": blob}).encode()
    with pytest.raises(AssertionError, match="password in event"):
        await check(await encrypt(history))


async def test_a_secret_in_a_failure_message_is_found_after_decoding() -> None:
    history = load("operation-step_failure_fails_with_reason_and_audits_the_screenshot.json")
    [(_, f), *_] = walk_history(history).failures
    f.message = f"login refused for password {SECRET}"
    with pytest.raises(AssertionError, match=r"password in event .*encoded_attributes"):
        await check(await encrypt(history))


async def test_an_unencrypted_payload_fails_even_without_a_secret() -> None:
    history = await encrypt(load("operation-completes_with_one_audit_per_step_and_only_a_vault_path.json"))
    [(where, p, _), *_] = [x for x in walk_history(history).payloads if x[2]]
    p.CopyFrom(Payload(metadata={"encoding": b"json/plain"}, data=b'"harmless"'))
    with pytest.raises(AssertionError, match="payloads not encrypted") as e:
        await check(history)
    assert where in str(e.value)


async def test_an_unknown_key_id_or_a_plain_failure_message_fails() -> None:
    history = await encrypt(load("operation-completes_with_one_audit_per_step_and_only_a_vault_path.json"))
    with pytest.raises(AssertionError, match="payloads not encrypted"):
        await assert_history_clean(history, CODEC, ["other-key"], {"password": SECRET})
    failing = await encrypt(load("operation-step_failure_fails_with_reason_and_audits_the_screenshot.json"))
    [(_, f), *_] = walk_history(failing).failures
    f.message = "selector not found"
    with pytest.raises(AssertionError, match="failures with a plain message"):
        await check(failing)


async def test_a_server_authored_task_failure_passes_but_not_a_plain_message_dressed_as_one() -> None:
    history = await encrypt(load("operation-step_failure_fails_with_reason_and_audits_the_screenshot.json"))
    [(_, f), *_] = walk_history(history).failures
    f.Clear()
    f.message = "UnhandledCommand"  # what the server writes when a signal lands as the workflow ends
    f.server_failure_info.SetInParent()
    await check(history)
    f.message = "selector not found"
    with pytest.raises(AssertionError, match="failures with a plain message"):
        await check(history)
    f.message = "UnhandledCommand"
    f.stack_trace = "at step 3"
    with pytest.raises(AssertionError, match="failures with a plain message"):
        await check(history)


async def test_a_totp_code_counts_only_as_a_whole_token() -> None:
    history = load("operation-completes_with_one_audit_per_step_and_only_a_vault_path.json")
    json_payloads(history)[2].data = json.dumps({"n": "98765432101", "code": "x"}).encode()
    await check(await encrypt(history), {"code": "876543"})  # inside a longer number: not a code
    history = load("operation-completes_with_one_audit_per_step_and_only_a_vault_path.json")
    json_payloads(history)[2].data = json.dumps({"code": "876543"}).encode()
    with pytest.raises(AssertionError, match="code in event"):
        await check(await encrypt(history), {"code": "876543"})


def test_base64_forms_cover_every_alignment_and_totp_codes_cover_the_window() -> None:
    forms = b64_forms(SECRET.encode())
    for prefix in (b"", b"x", b"xy"):
        assert any(f in base64.b64encode(prefix + SECRET.encode()).decode() for f in forms)
    codes = totp_codes("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", 1_000_000, 1_000_090)
    assert len(codes) == 6 and all(len(c) == 6 and c.isdigit() for c in codes.values())


async def test_an_empty_secret_is_refused_rather_than_checking_nothing() -> None:
    history = await encrypt(load("operation-completes_with_one_audit_per_step_and_only_a_vault_path.json"))
    with pytest.raises(AssertionError, match="is empty"):
        await check(history, {"password": ""})


async def test_a_payload_of_another_tenant_or_a_legacy_one_fails() -> None:
    history = await encrypt(load("operation-completes_with_one_audit_per_step_and_only_a_vault_path.json"))
    with pytest.raises(AssertionError, match="another tenant"):
        await assert_history_clean(history, CODEC, KEYRING.keys, {"password": SECRET}, "acme-eu")
    [(_, p, _), *_] = [x for x in walk_history(history).payloads if x[2]]
    del p.metadata["encryption-tenant"]  # what the legacy global keyring produced
    with pytest.raises(AssertionError, match="payloads not encrypted"):
        await check(history)
