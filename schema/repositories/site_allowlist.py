"""The operator's site allowlist (``site_allowlist``, issue 10): origins one tenant may target
although they are http, local or a stack service port. Origins are WHATWG-serialized
(core/targets.py ``Origin``). Session-style: the caller owns the transaction.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session
from sqlmodel import col, select

from core.targets import Pin, Resolver, parse_origin, resolve, vet
from schema.repositories.tenants import ensure_tenant
from schema.tables import SiteAllowlist


def _entry(s: Session, tenant_id: str, origin: str) -> SiteAllowlist | None:
    return s.scalars(
        select(SiteAllowlist).where(SiteAllowlist.tenant_id == tenant_id, SiteAllowlist.origin == origin)
    ).first()


def vet_target(
    s: Session, tenant_id: str, url: str, service_ports: Iterable[int], resolver: Resolver = resolve
) -> Pin:
    """``url`` vetted as an operation target of ``tenant_id`` (core/targets.py ``vet``, with the
    operator's allowlist for this tenant): the pin of its origin. Resolves DNS (``resolver``).
    Raises ``TargetRefused``. The one rule the API (registration, initiate) and the workflow's
    ``prepare_session`` apply."""
    allowlisted = is_allowlisted(s, tenant_id, str(parse_origin(url)))
    return vet(url, allowlisted=allowlisted, service_ports=service_ports, resolver=resolver)


def is_allowlisted(s: Session, tenant_id: str, origin: str) -> bool:
    """Whether an operator allowlisted ``origin`` for ``tenant_id``."""
    return _entry(s, tenant_id, origin) is not None


def allow(s: Session, tenant_id: str, origin: str, added_by: str, reason: str | None) -> SiteAllowlist:
    """Add (or return the existing) entry of (tenant, origin)."""
    ensure_tenant(s, tenant_id)
    row = _entry(s, tenant_id, origin)
    if row is None:
        row = SiteAllowlist(tenant_id=tenant_id, origin=origin, added_by=added_by, reason=reason)
        s.add(row)
        s.flush()
    return row


def list_allowed(s: Session, tenant_id: str) -> list[SiteAllowlist]:
    """The tenant's allowlisted origins, oldest first."""
    return list(
        s.scalars(
            select(SiteAllowlist)
            .where(SiteAllowlist.tenant_id == tenant_id)
            .order_by(col(SiteAllowlist.created_at))
        )
    )


def disallow(s: Session, tenant_id: str, origin: str) -> bool:
    """Remove the entry; False when there was none."""
    row = _entry(s, tenant_id, origin)
    if row is None:
        return False
    s.delete(row)
    return True
