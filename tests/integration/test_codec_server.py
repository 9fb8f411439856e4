"""The codec server (issue 11, Build items 4 and 5): tenant-scoped decode, audited operator decode,
plaintext refused, encode bound to a workflow, the Web UI's capability route, CORS, no capability
in any log. Real API (in process), Vault, Postgres; payloads sealed by the real codec."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from google.protobuf import json_format
from temporalio.api.common.v1 import Payload, Payloads

from api.auth import _mint, mint_platform_token, mint_token
from core.codec import BINDING, TENANT, EncryptionCodec
from core.settings import get_settings
from core.temporal import codec_of, connect
from devstack.stack import Stack
from tests.integration.codec_helpers import audit_entries
from tests.integration.helpers import headers, operator
from tests.stack_fixtures import TEST_CONFIG
from workflows import ids
from workflows.ids import operation_workflow_id

pytestmark = pytest.mark.stack
UI_ORIGIN = f"http://localhost:{TEST_CONFIG.ui_port}"
PLAIN = Payload(metadata={"encoding": b"json/plain"}, data=b'{"status":"completed","tenant_id":"x"}')


@pytest.fixture(scope="module")
async def codec(infra: Stack) -> EncryptionCodec:
    return codec_of(await connect(scoping=ids))


def body(*payloads: Payload) -> dict[str, Any]:
    return json_format.MessageToDict(Payloads(payloads=list(payloads)))


def payloads_of(r: Any) -> list[Payload]:
    return list(json_format.ParseDict(r.json(), Payloads()).payloads)


async def sealed(codec: EncryptionCodec, tenant: str, p: Payload = PLAIN) -> Payload:
    [enc] = await codec.encode_for(
        [p], tenant=tenant, workflow_id=operation_workflow_id(tenant, str(uuid.uuid4()))
    )
    return enc


def capability(user: str = "ui-op", ttl_s: int = 600, audience: str | None = None) -> str:
    s = get_settings()
    return mint_platform_token(s, user, ttl_s=ttl_s, audience=audience or s.auth.codec_audience)


async def test_a_tenant_admin_decodes_its_own_tenants_payloads(api: Any, codec: EncryptionCodec) -> None:
    a = f"a-{uuid.uuid4().hex[:8]}"
    enc = await sealed(codec, a)
    assert enc.metadata["encoding"] == b"binary/encrypted" and enc.metadata[TENANT] == a.encode()
    r = await api.post("/codec/decode", headers={**headers(a), "Origin": UI_ORIGIN}, json=body(enc, enc))
    assert r.status_code == 200, r.text
    assert r.headers["access-control-allow-origin"] == UI_ORIGIN
    assert payloads_of(r) == [PLAIN, PLAIN]
    r = await api.post("/codec/decode", headers=headers(a, roles=("owner",)), json=body(enc))
    assert r.status_code == 200 and payloads_of(r) == [PLAIN]


async def test_as_token_on_bs_payload_is_403_for_the_whole_request(api: Any, codec: EncryptionCodec) -> None:
    a, b = f"a-{uuid.uuid4().hex[:8]}", f"b-{uuid.uuid4().hex[:8]}"
    mine, theirs = await sealed(codec, a), await sealed(codec, b)
    # a garbage ciphertext labelled B: 403 (not 422) proves the refusal came before any decryption
    forged = Payload(metadata={**theirs.metadata}, data=b"\x00" * 40)
    for batch in ([theirs], [mine, theirs], [forged, mine]):
        r = await api.post("/codec/decode", headers=headers(a), json=body(*batch))
        assert r.status_code == 403, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        assert b not in r.text and "completed" not in r.text  # neither B's name nor any content
    # platform-scope payloads are no tenant's
    [platform] = await codec.encode_for([PLAIN], tenant=None, workflow_id="cycle-fanout-2026112207")
    assert (await api.post("/codec/decode", headers=headers(a), json=body(platform))).status_code == 403


async def test_roles_and_tokens(api: Any, codec: EncryptionCodec) -> None:
    a = f"a-{uuid.uuid4().hex[:8]}"
    enc = body(await sealed(codec, a))
    assert (await api.post("/codec/decode", json=enc)).status_code == 401
    for role in ("viewer", "member", "system"):
        r = await api.post("/codec/decode", headers=headers(a, roles=(role,)), json=enc)
        assert r.status_code == 403, (role, r.text)
    # a tenant token that lists "operator" gets no operator role (api/auth.py)
    r = await api.post("/codec/decode", headers=headers(a, roles=("operator",)), json=enc)
    assert r.status_code == 403
    # the UI capability is no bearer token (wrong audience)
    cap = {"Authorization": f"Bearer {capability()}"}
    assert (await api.post("/codec/decode", headers=cap, json=enc)).status_code == 401
    assert (await api.post("/codec/decode", headers=operator(), json={"payloads": "x"})).status_code == 400


async def test_plaintext_and_tampered_payloads_are_refused(api: Any, codec: EncryptionCodec) -> None:
    a = f"a-{uuid.uuid4().hex[:8]}"
    enc = await sealed(codec, a)
    for h in (headers(a), operator()):
        r = await api.post("/codec/decode", headers=h, json=body(PLAIN))
        assert r.status_code == 422 and "not encrypted" in r.json()["detail"], r.text
        r = await api.post("/codec/decode", headers=h, json=body(enc, PLAIN))
        assert r.status_code == 422
    # moved to another workflow of the same tenant: the associated data no longer matches
    moved = Payload(metadata={**enc.metadata, BINDING: operation_workflow_id(a, str(uuid.uuid4())).encode()})
    moved.data = enc.data
    r = await api.post("/codec/decode", headers=headers(a), json=body(moved))
    assert r.status_code == 422 and "authentication" in r.json()["detail"], r.text


async def test_an_operators_decode_writes_one_audit_row_per_tenant(api: Any, codec: EncryptionCodec) -> None:
    a, b = f"a-{uuid.uuid4().hex[:8]}", f"b-{uuid.uuid4().hex[:8]}"
    pa, pb = await sealed(codec, a), await sealed(codec, b)
    user = f"ops-{uuid.uuid4().hex[:6]}"
    r = await api.post("/codec/decode", headers=operator(user), json=body(pa, pb, pa))
    assert r.status_code == 200, r.text
    assert payloads_of(r) == [PLAIN, PLAIN, PLAIN]
    rows = {e.tenant_id: e for e in audit_entries(actor=user)}
    assert set(rows) == {a, b}
    assert rows[a].action == "codec.decode" and rows[a].detail == {"payloads": 2}
    assert rows[b].detail == {"payloads": 1}
    assert rows[a].issuer == get_settings().auth.platform_issuer
    # a refused request (plaintext) decrypts nothing and audits nothing
    await api.post("/codec/decode", headers=operator(user), json=body(PLAIN))
    assert len(audit_entries(actor=user)) == 2


async def test_encode_is_bound_to_a_workflow_of_the_callers_tenant(api: Any, codec: EncryptionCodec) -> None:
    a, b = f"a-{uuid.uuid4().hex[:8]}", f"b-{uuid.uuid4().hex[:8]}"
    wid_a, wid_b = operation_workflow_id(a, str(uuid.uuid4())), operation_workflow_id(b, str(uuid.uuid4()))
    r = await api.post("/codec/encode", headers=headers(a), params={"workflow_id": wid_a}, json=body(PLAIN))
    assert r.status_code == 200, r.text
    [enc] = payloads_of(r)
    assert enc.metadata["encoding"] == b"binary/encrypted" and enc.metadata[TENANT] == a.encode()
    assert await codec.decode_for([enc], tenant=a) == [PLAIN]
    r = await api.post("/codec/encode", headers=headers(a), params={"workflow_id": wid_b}, json=body(PLAIN))
    assert r.status_code == 403, r.text
    assert (await api.post("/codec/encode", headers=headers(a), json=body(PLAIN))).status_code == 400
    r = await api.post("/codec/encode", headers=headers(a), params={"workflow_id": "nope"}, json=body(PLAIN))
    assert r.status_code == 422
    user = f"ops-{uuid.uuid4().hex[:6]}"
    r = await api.post(
        "/codec/encode", headers=operator(user), params={"workflow_id": wid_b}, json=body(PLAIN)
    )
    assert r.status_code == 200, r.text
    [row] = audit_entries(actor=user)
    assert (row.action, row.tenant_id, row.detail) == ("codec.encode", b, {"payloads": 1})


async def test_the_ui_capability_decodes_as_its_operator(
    api: Any, codec: EncryptionCodec, infra: Stack
) -> None:
    a = f"a-{uuid.uuid4().hex[:8]}"
    enc = await sealed(codec, a)
    user = f"ui-{uuid.uuid4().hex[:6]}"
    cap = capability(user)
    r = await api.post(
        f"/codec/ui/{cap}/decode", headers={"Origin": UI_ORIGIN, "X-Namespace": "default"}, json=body(enc)
    )
    assert r.status_code == 200, r.text
    assert r.headers["access-control-allow-origin"] == UI_ORIGIN
    assert payloads_of(r) == [PLAIN]
    [row] = audit_entries(actor=user)
    assert (row.action, row.tenant_id, row.detail) == ("codec.decode", a, {"payloads": 1})
    r = await api.post(f"/codec/ui/{cap}/decode", json=body(PLAIN))
    assert r.status_code == 422
    # the UI's encode is refused, with a reason; nothing is audited for it
    r = await api.post(f"/codec/ui/{cap}/encode", json=body(PLAIN))
    assert r.status_code == 403 and "only decodes" in r.json()["detail"], r.text
    assert len(audit_entries(actor=user)) == 1
    # no audit row (not even the per-request one) holds the capability; it is in no log either
    every = audit_entries(actor=user, codec_only=False)
    assert every and all(cap not in f"{e.detail}" for e in every)
    for log in infra.c.log_dir.glob("*.log"):
        assert cap not in log.read_text(errors="replace"), log


async def test_bad_capabilities_get_401(api: Any, codec: EncryptionCodec) -> None:
    s = get_settings()
    enc = body(await sealed(codec, f"a-{uuid.uuid4().hex[:8]}"))
    tenant_for_codec = _mint(
        s,
        "tenant",
        {"iss": s.auth.issuer, "sub": "mallory", "tenant": "acme", "roles": ["owner"]},
        600,
        s.auth.codec_audience,
    )
    bad = {
        "expired": capability(ttl_s=-120),
        "wrong audience (an operator's API token)": mint_platform_token(s, "ops"),
        "over-long lifetime": capability(ttl_s=s.auth.codec_capability_max_lifetime_s + 60),
        "a tenant's API token": mint_token(s, "acme", "mallory", ["owner"]),
        "a tenant token for the codec audience": tenant_for_codec,
        "garbage": "not-a-jwt",
    }
    for what, cap in bad.items():
        for action in ("decode", "encode"):
            r = await api.post(f"/codec/ui/{cap}/{action}", json=enc)
            assert r.status_code == 401, (what, action, r.text)
            assert r.headers["content-type"].startswith("application/problem+json")


async def test_cors_preflight_allows_only_the_ui_origin(api: Any) -> None:
    pre = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type,x-namespace",
    }
    for path in ("/codec/decode", f"/codec/ui/{capability()}/decode"):
        ok = await api.options(path, headers={**pre, "Origin": UI_ORIGIN})
        assert ok.status_code in (200, 204) and ok.headers["access-control-allow-origin"] == UI_ORIGIN
        bad = await api.options(path, headers={**pre, "Origin": "http://evil.test"})
        assert bad.headers.get("access-control-allow-origin") not in ("http://evil.test", "*"), bad.headers
    r = await api.post(
        "/codec/decode", headers={**operator(), "Origin": "http://evil.test"}, json={"payloads": []}
    )
    assert r.headers.get("access-control-allow-origin") not in ("http://evil.test", "*"), r.headers
