"""core/audit_chain (issue 16): the verifier's hashes and its walk, on links built here the way
the database trigger builds them."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from core.audit_chain import GENESIS, Link, at_text, digest_message, first_break, link_hash, sha256_hex

T0 = datetime(2026, 12, 6, 12, 0, 0, 123456, tzinfo=UTC)


def chain(n: int) -> list[Link]:
    out, prev = [], GENESIS
    for i in range(1, n + 1):
        entry = f'{{"id": "r{i}", "tenant_id": "acme"}}'
        eh, at = sha256_hex(entry), T0 + timedelta(seconds=i)
        h = link_hash(prev, i, "operator_audit", "insert", f"r{i}", eh, at)
        out.append(Link(i, "operator_audit", f"r{i}", "insert", entry, eh, prev, h, at))
        prev = h
    return out


def test_a_chain_built_like_the_trigger_verifies() -> None:
    links = chain(5)
    assert first_break(links) == (None, 5, links[-1].hash)
    assert first_break([]) == (None, 0, GENESIS)


def test_at_text_is_utc_with_microseconds() -> None:
    plus2 = T0.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Berlin"))
    assert at_text(plus2) == "2026-12-06T12:00:00.123456Z"


def test_each_kind_of_damage_names_its_link() -> None:
    links = chain(5)
    edited = [*links[:2], replace(links[2], entry_text='{"id": "r3", "tenant_id": "evil"}'), *links[3:]]
    assert first_break(edited)[0].reason.startswith("entry differs")  # type: ignore[union-attr]
    assert first_break(links[:2] + links[3:])[0].seq == 3  # type: ignore[union-attr]
    swapped = [links[0], links[2], links[1], *links[3:]]
    assert first_break(swapped)[0].seq == 2  # type: ignore[union-attr]
    renumbered = [links[0], replace(links[2], seq=2), replace(links[1], seq=3), *links[3:]]
    b = first_break(renumbered)[0]
    assert b is not None and (b.seq, b.reason) == (2, "prev_hash is not the previous link's hash")
    moved = [*links[:4], replace(links[4], at=links[4].at + timedelta(microseconds=1))]
    assert first_break(moved)[0].reason == "hash does not recompute"  # type: ignore[union-attr]


def test_an_expired_entry_still_verifies_on_its_hash() -> None:
    links = chain(3)
    assert first_break([links[0], replace(links[1], entry_text=None), links[2]])[0] is None


def test_the_digest_message_binds_tenant_seq_hash_and_time() -> None:
    m = digest_message("acme", 7, "ab" * 32, T0)
    assert m == f"omniops-audit-digest/1|acme|7|{'ab' * 32}|2026-12-06T12:00:00.123456Z".encode()
    assert m != digest_message("acme-eu", 7, "ab" * 32, T0)
