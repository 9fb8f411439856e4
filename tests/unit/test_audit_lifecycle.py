"""Pure parts of audit export, erasure and retention (issue 16 Builds 2-4): the archive's manifest
catches a changed, missing or extra file; an operation's blobs are sealed with its own keyring
and stop opening once that keyring is gone; retention periods and cutoffs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.crypto import Keyring
from core.export_archive import build, read_archive, verify_manifest
from core.objectstore import ObjectStore
from core.operation_keys import OperationKeyrings, operation_keyring_path, operation_of
from core.retention import DATA_CLASSES, cutoffs, normal_email, periods, subject_hash
from tests.unit.keystore_fake import MemoryKeyStore

OP = "6f1c8a52-6c1e-4d47-9a40-3f1f3c0f9b10"


@pytest.mark.parametrize("fmt", ["zip", "tar.gz"])
def test_the_manifest_lists_every_file_and_catches_tampering(fmt: str) -> None:
    files = {"rows/a.jsonl": b'{"x": 1}\n', "screenshots/op/1.jpg": b"\xff\xd8jpeg"}
    got = read_archive(build(files, {"export_id": "e1"}, fmt))
    assert verify_manifest(got) == [] and set(got) == {*files, "manifest.json"}
    assert verify_manifest({**got, "rows/a.jsonl": b"{}"}) == ["sha256 differs: rows/a.jsonl"]
    assert verify_manifest({k: v for k, v in got.items() if k != "rows/a.jsonl"}) == ["missing: rows/a.jsonl"]
    assert verify_manifest({**got, "extra.txt": b""}) == ["not listed: extra.txt"]


def test_an_operations_blobs_have_its_own_keyring_and_die_with_it(tmp_path: Path) -> None:
    keys, legacy = MemoryKeyStore(), Keyring.from_b64("old", {"old": Keyring.new_key_b64()})
    store = ObjectStore(tmp_path, legacy, OperationKeyrings(keys, ttl_s=0))
    shot, other = f"acme/{OP}/step-01-a1-t1.jpg", "acme/mail/abc"
    store.put(shot, b"image")
    store.put(other, b"mail")
    assert operation_keyring_path("acme", OP) in keys.data and store.get(shot) == b"image"
    assert store.get(other) == b"mail" and store.raw(other).startswith(b"old\n")  # not an operation's
    del keys.data[operation_keyring_path("acme", OP)]  # shredded
    with pytest.raises(KeyError):
        store.get(shot)
    assert operation_keyring_path("acme", OP) not in keys.data  # a read never re-creates it
    assert operation_of(shot) == ("acme", OP) and operation_of(other) is None


def test_periods_default_to_90_days_and_cutoffs_follow_now() -> None:
    days = periods(90, {"screenshots": 30})
    assert set(days) == set(DATA_CLASSES) and days["screenshots"] == 30 and days["audit_rows"] == 90
    now = datetime(2027, 1, 1, tzinfo=UTC)
    assert cutoffs(now, days)["screenshots"] == now - timedelta(days=30)
    assert normal_email("  Dana@Example.COM ") == "dana@example.com"
    assert subject_hash("Dana@example.com") == subject_hash("dana@example.com ")


class _Down(MemoryKeyStore):
    """A key store whose Vault went away: every call raises."""

    down = False

    def read(self, path: str) -> dict[str, object] | None:  # type: ignore[override]
        if self.down:
            raise ConnectionError("vault down")
        return super().read(path)


def test_a_keyring_this_process_sealed_with_keeps_sealing_through_a_vault_outage(tmp_path: Path) -> None:
    keys, now = _Down(), [0.0]
    rings = OperationKeyrings(keys, ttl_s=2, clock=lambda: now[0], hold_s=3600)
    store = ObjectStore(tmp_path, Keyring.from_b64("old", {"old": Keyring.new_key_b64()}), rings)
    store.put(f"acme/{OP}/step-01-a1-t1.jpg", b"one")
    reads = keys.reads[operation_keyring_path("acme", OP)]
    keys.down, now[0] = True, 60.0  # past the read cache: a re-read would fail
    store.put(f"acme/{OP}/step-02-a1-t1.jpg", b"two")  # no Vault round trip
    assert keys.reads[operation_keyring_path("acme", OP)] == reads
    keys.down, now[0] = False, 60.0 + 3601  # an hour unused: dropped, the next seal reads again
    store.put(f"acme/{OP}/step-03-a1-t1.jpg", b"three")
    assert keys.reads[operation_keyring_path("acme", OP)] > reads
    assert store.get(f"acme/{OP}/step-02-a1-t1.jpg") == b"two"
