"""The codec server the Temporal Web UI calls: auth, roles, CORS, and real decode of our payloads."""

from __future__ import annotations

from typing import Any

import pytest
from google.protobuf import json_format
from temporalio.api.common.v1 import Payload, Payloads

from core.codec import EncryptionCodec
from core.keys import load_keyring_sync
from core.settings import get_settings
from tests.integration.helpers import headers, operator

pytestmark = pytest.mark.stack
UI_ORIGIN = f"http://localhost:{18233}"


async def test_decode_and_encode_roundtrip_for_an_operator(api: Any) -> None:
    codec = EncryptionCodec(load_keyring_sync(get_settings()))
    original = Payload(metadata={"encoding": b"json/plain"}, data=b'{"status":"completed"}')
    [encrypted] = await codec.encode([original])
    body = json_format.MessageToDict(Payloads(payloads=[encrypted]))
    r = await api.post(
        "/codec/decode",
        headers={**operator(), "Origin": UI_ORIGIN, "X-Namespace": "default"},
        json=body,
    )
    assert r.status_code == 200, r.text
    assert r.headers["access-control-allow-origin"] == UI_ORIGIN
    decoded = json_format.ParseDict(r.json(), Payloads()).payloads
    assert list(decoded) == [original]
    r = await api.post(
        "/codec/encode",
        headers=operator(),
        json=json_format.MessageToDict(Payloads(payloads=[original])),
    )
    assert r.status_code == 200
    [reencoded] = json_format.ParseDict(r.json(), Payloads()).payloads
    assert reencoded.metadata["encoding"] == b"binary/encrypted"
    assert await codec.decode([reencoded]) == [original]


async def test_codec_needs_a_token_and_an_operator_role(api: Any) -> None:
    body = {"payloads": []}
    assert (await api.post("/codec/decode", json=body)).status_code == 401
    r = await api.post("/codec/decode", headers=headers("acme", roles=("viewer",)), json=body)
    assert r.status_code == 403 and "operator" in r.json()["detail"]
    r = await api.post("/codec/decode", headers=operator(), json={"payloads": "x"})
    assert r.status_code == 400


async def test_cors_preflight_allows_only_the_ui_origin(api: Any) -> None:
    pre = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type,x-namespace",
    }
    ok = await api.options("/codec/decode", headers={**pre, "Origin": UI_ORIGIN})
    assert ok.status_code in (200, 204) and ok.headers["access-control-allow-origin"] == UI_ORIGIN
    bad = await api.options("/codec/decode", headers={**pre, "Origin": "http://evil.test"})
    assert bad.headers.get("access-control-allow-origin") not in ("http://evil.test", "*"), bad.headers
    r = await api.post(
        "/codec/decode",
        headers={**operator(), "Origin": "http://evil.test"},
        json={"payloads": []},
    )
    assert r.headers.get("access-control-allow-origin") not in ("http://evil.test", "*"), r.headers
