"""The "no secret in history" check, made so that a leak fails the test.

The raw history is encrypted (core/codec.py), so searching it for a secret proves nothing. This
helper instead:

1. fetches the full history from the real Temporal server, codec-less (what the server stores);
2. asserts every payload of every event is encrypted (``encoding=binary/encrypted``, a tenant in
   the metadata, and a key id the tenant's keyring holds): inputs, results, signals, markers,
   memo, failure details (queries leave no trace in history); every failure (with its causes)
   carries only the encoded-attributes placeholder, no plain message or stack trace (except the
   server's own workflow-task failures, e.g. ``UnhandledCommand``: see ``SERVER_CAUSES``); and, for a
   tenant's workflow, every payload is that tenant's;
3. decodes the whole history through the codec the API uses (``core.temporal.codec_of``, keyrings
   from Vault) with ``decode_for(tenant=None)`` (each payload bound by its own metadata: a history
   also holds payloads bound to other workflows, e.g. a child's input, so no one workflow context
   fits them all) and searches the decoded payloads, the decoded failure messages and stack
   traces, and every other field of every event, for each secret in several forms (as is,
   JSON-escaped, and base64 at every byte alignment).

Three kinds of payload are not codec-encoded by design and are only searched, not required to
be encrypted: search attributes (the server indexes them), headers (the SDK's default
``HeaderCodecBehavior.NO_CODEC``; ours carry only the tracing context) and the patch id of a
``workflow.patched`` marker (written by the SDK core, outside the codec).
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from google.protobuf.json_format import MessageToJson
from google.protobuf.message import Message
from temporalio.api.common.v1 import Header, Payload, SearchAttributes
from temporalio.api.enums.v1 import WorkflowTaskFailedCause
from temporalio.api.failure.v1 import Failure
from temporalio.client import WorkflowHistory

from core.codec import ENCODING, KEY_ID, TENANT, EncryptionCodec

ENCODED_FAILURE = "Encoded failure"
UNENCRYPTED_BY_DESIGN = (SearchAttributes, Header)
PATCH_DATA = "details[patch-data]"
"""A ``workflow.patched`` marker's details: the SDK core writes the patch id itself, outside the
payload codec; it holds only the id (a constant in our code), and is searched like the rest."""


SERVER_CAUSES = {
    "".join(w.capitalize() for w in name.removeprefix("WORKFLOW_TASK_FAILED_CAUSE_").split("_"))
    for name in WorkflowTaskFailedCause.keys()
}
"""The messages the Temporal server itself writes into a workflow task failure it raises (e.g.
``UnhandledCommand`` when a signal lands while the workflow completes): the cause's name, with
``server_failure_info``, no stack and no details. Server-authored, so no secret can be in it."""


def server_authored(f: Failure) -> bool:
    """``f`` is a failure the server wrote (see ``SERVER_CAUSES``), not one our code raised."""
    return (
        f.HasField("server_failure_info")
        and f.message in SERVER_CAUSES
        and not f.stack_trace
        and not f.HasField("cause")
        and not f.HasField("encoded_attributes")
    )


def b64_forms(secret: bytes) -> set[str]:
    """The base64 text of ``secret`` at each of the 3 byte alignments it can sit at inside a
    longer blob: only the characters fully determined by the secret's own bits."""
    forms = set()
    n = len(secret)
    for k in range(3):
        text = base64.b64encode(b"\0" * k + secret).decode()
        first = -(-8 * k // 6)  # first char whose 6 bits all lie inside the secret
        last = (8 * (k + n)) // 6  # one past the last such char
        core = text[first:last]
        if len(core) >= 4:
            forms.add(core)
    return forms


def forms_of(secret: str) -> set[str]:
    """Every form in which ``secret`` could show up in decoded history text."""
    out = {secret, json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]}
    return out | b64_forms(secret.encode())


@dataclass
class Walk:
    """Every payload and failure in one history, with where it sits."""

    payloads: list[tuple[str, Payload, bool]] = field(default_factory=list)  # (where, p, must_encrypt)
    failures: list[tuple[str, Failure]] = field(default_factory=list)


def _children(msg: Message) -> Iterator[tuple[str, Message]]:
    for fd, value in msg.ListFields():
        if fd.message_type is None:
            continue
        if fd.message_type.GetOptions().map_entry:
            value_fd = fd.message_type.fields_by_name["value"]
            if value_fd.message_type is not None:
                for k, v in value.items():
                    yield f"{fd.name}[{k}]", v
        elif fd.is_repeated:
            for i, v in enumerate(value):
                yield f"{fd.name}[{i}]", v
        else:
            yield fd.name, value


def walk(msg: Message, where: str, out: Walk, must_encrypt: bool = True) -> Walk:
    if isinstance(msg, Payload):
        out.payloads.append((where, msg, must_encrypt))
        return out
    if isinstance(msg, Failure):
        out.failures.append((where, msg))
    if isinstance(msg, UNENCRYPTED_BY_DESIGN):
        must_encrypt = False
    for name, child in _children(msg):
        walk(child, f"{where}.{name}", out, must_encrypt and name != PATCH_DATA)
    return out


def walk_history(history: WorkflowHistory) -> Walk:
    out = Walk()
    for event in history.events:
        walk(event, f"event {event.event_id} ({event.WhichOneof('attributes')})", out)
    return out


def assert_encrypted(w: Walk, key_ids: Iterable[str], tenant: str | None = None) -> None:
    """Every payload that must be encrypted is, under a tenant's key (``tenant``: that tenant's
    only); every failure hides its message and stack."""
    kids = set(key_ids)
    plain = [
        where
        for where, p, must in w.payloads
        if must
        and (
            p.metadata.get("encoding") != ENCODING
            or p.metadata.get(KEY_ID, b"").decode() not in kids
            or TENANT not in p.metadata
        )
    ]
    assert not plain, f"payloads not encrypted with a known key: {plain}"
    if tenant is not None:
        foreign = [w for w, p, must in w.payloads if must and p.metadata[TENANT].decode() != tenant]
        assert not foreign, f"payloads sealed for another tenant: {foreign}"
    exposed = [
        where
        for where, f in w.failures
        if not server_authored(f)
        and (f.message != ENCODED_FAILURE or f.stack_trace or not f.HasField("encoded_attributes"))
    ]
    assert not exposed, f"failures with a plain message or stack trace: {exposed}"
    assert any(must for _, _, must in w.payloads), "the history holds no payload at all"


async def decoded_texts(history: WorkflowHistory, codec: EncryptionCodec) -> list[tuple[str, str]]:
    """(where, text) for each decoded payload and failure, and each event without its payloads."""
    w = walk_history(history)
    texts: list[tuple[str, str]] = []
    for where, p, must in w.payloads:
        plain = not must and p.metadata.get("encoding") != ENCODING  # search attributes, headers
        [d] = [p] if plain else await codec.decode_for([p], tenant=None)
        texts.append((where, d.data.decode("utf-8", "replace")))
        texts.extend((f"{where}.metadata[{k}]", v.decode("utf-8", "replace")) for k, v in d.metadata.items())
    for where, f in w.failures:
        texts.append((f"{where}.message", f.message + "\n" + f.stack_trace))
    for event in history.events:
        bare = type(event)()
        bare.CopyFrom(event)
        for _, p, _ in walk(bare, "", Walk()).payloads:
            p.Clear()
        texts.append((f"event {event.event_id}", MessageToJson(bare)))
    return texts


def find_secrets(texts: list[tuple[str, str]], secrets: dict[str, str]) -> list[str]:
    """Where each named secret shows up. Short numeric secrets (TOTP codes) count only as a
    whole token, so a 6-digit code does not match inside a longer number or id."""
    hits = []
    for name, secret in secrets.items():
        assert secret, f"secret {name!r} is empty: nothing would be checked"
        patterns = []
        for form in forms_of(secret):
            if secret.isdigit() and len(secret) <= 8 and form == secret:
                patterns.append(re.compile(rf"(?<![0-9A-Za-z]){re.escape(form)}(?![0-9A-Za-z])"))
            else:
                patterns.append(re.compile(re.escape(form)))
        for where, text in texts:
            if any(p.search(text) for p in patterns):
                hits.append(f"{name} in {where}")
    return hits


async def assert_history_clean(
    history: WorkflowHistory,
    codec: EncryptionCodec,
    key_ids: Iterable[str],
    secrets: dict[str, str],
    tenant: str | None = None,
) -> None:
    """Steps 2 and 3 of the module docstring on one history."""
    assert_encrypted(walk_history(history), key_ids, tenant)
    hits = find_secrets(await decoded_texts(history, codec), secrets)
    assert not hits, f"secrets in the decoded history: {hits}"


async def assert_no_secret_in_history(workflow_id: str, secrets: dict[str, str]) -> WorkflowHistory:
    """Fetch ``workflow_id``'s history from the real server and check it (module docstring).
    ``secrets`` maps a name (for the message) to the secret value. Returns the history."""
    from core.keys import keyring_path, read_keyring
    from core.settings import get_settings
    from core.temporal import codec_of, connect
    from core.vault import VaultStore
    from workflows import ids

    raw = await connect(encrypted=False)
    history = await raw.get_workflow_handle(workflow_id).fetch_history()
    codec = codec_of(await connect(scoping=ids))
    tenant = ids.tenant_of_workflow_id(workflow_id)
    ring = read_keyring(VaultStore(get_settings()), keyring_path(tenant))
    assert ring is not None, "the workflow's tenant has no keyring"
    await assert_history_clean(history, codec, ring.keys, secrets, tenant or "_platform")
    return history


def totp_codes(seed: str, start: float, end: float) -> dict[str, str]:
    """Every TOTP code valid from one step before ``start`` to one step after ``end`` (epoch s)."""
    import pyotp

    totp = pyotp.TOTP(seed)
    t, codes = start - totp.interval, {}
    while t <= end + totp.interval:
        codes[f"totp code at {int(t)}"] = totp.at(t)
        t += totp.interval
    return codes
