"""The audit chain's hashes, recomputed (issue 16 Build 1): pure functions that mirror the
database trigger ``omniops_audit_chain`` (migration 0011), so a verifier checks the chain without
trusting the code that wrote it.

- ``entry_hash`` = sha256 of the entry's canonical text (PostgreSQL's ``jsonb`` output: keys in
  a fixed order, one space after ``:`` and ``,``; timestamps in UTC), hex;
- ``link_hash`` = sha256 of ``prev_hash|seq|source|op|source_id|entry_hash|at``, hex, with
  ``at`` as ``YYYY-MM-DDTHH:MM:SS.ffffffZ``; the first link's ``prev_hash`` is :data:`GENESIS`;
- :func:`first_break` walks links in ``seq`` order and names the first one that does not hold.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

GENESIS = "0" * 64
PLATFORM_CHAIN = "_platform"
"""The chain of platform-wide operator actions (``operator_audit`` rows with no tenant): not a
valid tenant slug, and never the ``''`` an unscoped session's tenant setting reads."""


@dataclass(frozen=True)
class Link:
    """One ``audit_chain`` row as read back; ``entry_text`` is ``entry::text`` (None once the
    entry expired or was erased: the link then stands on ``entry_hash``)."""

    seq: int
    source: str
    source_id: str
    op: str
    entry_text: str | None
    entry_hash: str
    prev_hash: str
    hash: str
    at: datetime


@dataclass(frozen=True)
class Break:
    """Where the chain stops holding: the link's ``seq`` and what is wrong with it."""

    seq: int
    reason: str


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def at_text(at: datetime) -> str:
    """``at`` in UTC as the trigger writes it (microseconds, ``Z``)."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def link_hash(
    prev: str, seq: int, source: str, op: str, source_id: str, entry_hash: str, at: datetime
) -> str:
    return sha256_hex(f"{prev}|{seq}|{source}|{op}|{source_id}|{entry_hash}|{at_text(at)}")


def first_break(
    links: Iterable[Link], start_seq: int = 1, start_prev: str = GENESIS
) -> tuple[Break | None, int, str]:
    """Check ``links`` (ascending ``seq``) from ``start_seq``/``start_prev``.

    Returns ``(break or None, links checked, last hash)``. A link breaks when its ``seq`` is not
    the next one (a deleted or inserted link), its ``prev_hash`` is not the previous link's hash
    (reordered or forged), its entry does not hash to ``entry_hash`` (an edited entry), or its own
    hash does not recompute (an edited field)."""
    expected, prev, n = start_seq, start_prev, 0
    for link in links:
        n += 1
        if link.seq != expected:
            return Break(expected, f"link {expected} is missing (found {link.seq} next)"), n, prev
        if link.prev_hash != prev:
            return Break(link.seq, "prev_hash is not the previous link's hash"), n, prev
        if link.entry_text is not None and sha256_hex(link.entry_text) != link.entry_hash:
            return Break(link.seq, f"entry differs from its hash ({link.source} {link.source_id})"), n, prev
        recomputed = link_hash(prev, link.seq, link.source, link.op, link.source_id, link.entry_hash, link.at)
        if recomputed != link.hash:
            return Break(link.seq, "hash does not recompute"), n, prev
        prev, expected = link.hash, expected + 1
    return None, n, prev


def digest_message(tenant_id: str, seq: int, head_hash: str, signed_at: datetime) -> bytes:
    """What the hourly digest signs (Vault Transit): ``omniops-audit-digest/1|tenant|seq|hash|at``."""
    return f"omniops-audit-digest/1|{tenant_id}|{seq}|{head_hash}|{at_text(signed_at)}".encode()
