"""Data classes, retention periods and data subjects (issue 16 Builds 3-4): pure rules.

Retention (seed 000 §2: 90 days by default; each tenant may set its own per class):

- ``audit_rows``: the chained audit tables (operation steps, confirmations, operator actions,
  revoked or expired consents, policy blocks) older than the period are tombstoned
  (``omniops_audit_tombstone``, migration 0017): rows deleted, chain entries emptied, links kept;
- ``screenshots`` and ``checkpoints``: an operation's blobs (``{tenant}/{operation}/...``) once
  the operation was created longer ago than the period; the blob files are deleted;
- ``outbox_bodies``: the bodies of outgoing emails (the row stays, ``body`` emptied);
- ``raw_inbound_mail``: the raw RFC 5322 blob of an inbound message (the blob is deleted and the
  row's ``raw_blob_key`` emptied; the parsed row stays);
- ``run_records``: hourly cycle runs (``agent_autonomous_runs`` and their actions).

Temporal's own history retention is namespace-wide (``audit.temporal_retention_days``).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

DATA_CLASSES = (
    "audit_rows",
    "screenshots",
    "checkpoints",
    "outbox_bodies",
    "raw_inbound_mail",
    "run_records",
)
MIN_DAYS, MAX_DAYS = 1, 3650


def periods(default_days: int, overrides: dict[str, int]) -> dict[str, int]:
    """Every class's period in days: the tenant's own where set, else ``default_days``."""
    return {c: int(overrides.get(c, default_days)) for c in DATA_CLASSES}


def cutoffs(now: datetime, days: dict[str, int]) -> dict[str, datetime]:
    """``now`` minus each class's period: data created before its cutoff has expired."""
    return {c: now - timedelta(days=d) for c, d in days.items()}


def normal_email(email: str) -> str:
    """A data subject's key: the address trimmed and lower-cased (contacts store it that way)."""
    return email.strip().lower()


def subject_hash(email: str) -> str:
    """sha256 hex of :func:`normal_email`: what an erasure keeps of the subject."""
    return hashlib.sha256(normal_email(email).encode()).hexdigest()


def is_checkpoint(object_key: str) -> bool:
    """Whether an operation's blob is its session checkpoint (else a screenshot)."""
    return object_key.endswith("/checkpoint.json")
