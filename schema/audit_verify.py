"""The audit trail's verifier (issue 16 Build 1): recompute a tenant's chain, reconcile it with
the audit tables and check its signed digests; report the first broken link.

``python -m schema.audit_verify --tenant X`` prints the report as JSON and exits 1 when anything
does not hold (``--platform`` checks the platform chain of ``operator_audit``). The API serves the
same report at ``GET /api/audit/verify``.

A report holds: links checked, the head, ``first_break`` (seq and reason: a missing, inserted,
reordered or edited link), ``unchained`` (audit rows edited, deleted or inserted behind the
trigger, at most 50), and ``digest_failures`` (a signature Vault does not recognise, or a chain
whose hash at a signed seq is not the signed one: a rewritten chain).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from sqlalchemy.orm import Session

from core.audit_chain import PLATFORM_CHAIN, Break, digest_message, first_break
from schema.repositories import audit_chain as repo

MAX_LISTED = 50


class Verifier(Protocol):
    def verify(self, message: bytes, signature: str) -> bool: ...


@dataclass
class VerifyReport:
    tenant_id: str
    links: int = 0
    head_seq: int | None = None
    head_hash: str | None = None
    first_break: Break | None = None
    unchained: list[dict[str, Any]] = field(default_factory=list)
    digests: int = 0
    digest_failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.first_break is None and not self.unchained and not self.digest_failures

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok}


def verify(s: Session, tenant_id: str, signatures: Verifier | None) -> VerifyReport:
    """The report for ``tenant_id`` (``PLATFORM_CHAIN``: the platform chain), read in ``s`` (a session that
    sees the tenant's rows). ``signatures`` checks digest signatures (None: skip that check)."""
    report = VerifyReport(tenant_id=tenant_id)
    brk, report.links, _ = first_break(repo.links(s, tenant_id))
    report.first_break = brk
    if (h := repo.head(s, tenant_id)) is not None:
        report.head_seq, report.head_hash = h
    for table, rid, seq, why in repo.unchained(s, tenant_id)[:MAX_LISTED]:
        report.unchained.append({"table": table, "id": rid, "last_link": seq, "reason": why})
    for d in repo.digests(s, tenant_id):
        report.digests += 1
        message = digest_message(tenant_id, d.seq, d.head_hash, d.signed_at)
        if signatures is not None and not signatures.verify(message, d.signature):
            report.digest_failures.append(f"digest at {d.seq}: the signature does not verify")
        elif repo.hash_at(s, tenant_id, d.seq) != d.head_hash:
            report.digest_failures.append(f"digest at {d.seq}: the chain there is not what was signed")
    return report


def main(argv: list[str] | None = None) -> int:
    from core.settings import get_settings
    from core.transit import Transit
    from schema.db import get_engine, platform_transaction, tenant_transaction

    p = argparse.ArgumentParser(prog="python -m schema.audit_verify", description=__doc__.splitlines()[0])
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--tenant", help="the tenant whose chain to verify")
    who.add_argument("--platform", action="store_true", help="the platform chain (operator actions)")
    p.add_argument("--no-signatures", action="store_true", help="skip Vault signature checks")
    args = p.parse_args(argv)
    engine = get_engine()
    transit = None if args.no_signatures else Transit(get_settings())
    opener = (
        platform_transaction(engine, "audit verify: platform chain")
        if args.platform
        else tenant_transaction(engine, args.tenant)
    )
    with opener as s:
        report = verify(s, PLATFORM_CHAIN if args.platform else args.tenant, transit)
    print(json.dumps(report.as_dict(), indent=2, default=str))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
