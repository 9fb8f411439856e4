"""Outbound webhook endpoints (``webhook_endpoints``, issue 15 Build 7) and the tenant's
notification settings. Functions take a tenant-scoped ``Session`` and never commit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session
from sqlmodel import col, select

from schema.integrations import IntegrationSettingsRow, WebhookEndpoint
from schema.repositories.tenants import ensure_tenant


def create_endpoint(s: Session, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    ensure_tenant(s, endpoint.tenant_id)
    s.add(endpoint)
    s.flush()
    return endpoint


def list_endpoints(s: Session, tenant_id: str) -> list[WebhookEndpoint]:
    stmt = select(WebhookEndpoint).where(WebhookEndpoint.tenant_id == tenant_id)
    return list(s.scalars(stmt.order_by(col(WebhookEndpoint.created_at))))


def get_endpoint(s: Session, tenant_id: str, endpoint_id: str) -> WebhookEndpoint | None:
    return s.scalars(
        select(WebhookEndpoint).where(
            WebhookEndpoint.tenant_id == tenant_id, WebhookEndpoint.id == endpoint_id
        )
    ).first()


def delete_endpoint(s: Session, tenant_id: str, endpoint_id: str) -> bool:
    row = get_endpoint(s, tenant_id, endpoint_id)
    if row is None:
        return False
    s.delete(row)
    return True


def subscribed(s: Session, tenant_id: str, kind: str, only: str | None = None) -> list[str]:
    """Ids of the tenant's enabled endpoints that take ``kind`` (an empty ``events`` list takes
    every kind); ``only``: just that endpoint, whatever its events (a test-send)."""
    rows = [e for e in list_endpoints(s, tenant_id) if e.enabled]
    if only is not None:
        return [e.id for e in rows if e.id == only]
    return [e.id for e in rows if not e.events or kind in e.events]


def record_attempt(
    s: Session, tenant_id: str, endpoint_id: str, ok: bool, status: int | None, now: datetime, limit: int
) -> bool:
    """Count one delivery attempt: success resets the run of failures, a failure extends it and
    disables the endpoint at ``limit`` in a row. True when this attempt disabled it."""
    row = s.scalars(
        select(WebhookEndpoint)
        .where(WebhookEndpoint.tenant_id == tenant_id, WebhookEndpoint.id == endpoint_id)
        .with_for_update()
    ).first()
    if row is None:
        return False
    disabled = False
    values: dict[str, Any] = {"last_status": status, "last_delivery_at": now}
    if ok:
        values["consecutive_failures"] = 0
    else:
        failures = row.consecutive_failures + 1
        values["consecutive_failures"] = failures
        if failures >= limit and row.enabled:
            values |= {"enabled": False, "disabled_reason": f"{failures} failed deliveries in a row"}
            disabled = True
    s.execute(
        update(WebhookEndpoint)
        .where(col(WebhookEndpoint.tenant_id) == tenant_id, col(WebhookEndpoint.id) == endpoint_id)
        .values(**values)
    )
    return disabled


def get_settings_row(s: Session, tenant_id: str) -> IntegrationSettingsRow | None:
    return s.get(IntegrationSettingsRow, tenant_id)


def put_settings(s: Session, tenant_id: str, rotation_days: int | None, notify_email: str | None) -> None:
    ensure_tenant(s, tenant_id)
    values = {"rotation_days": rotation_days, "notify_email": notify_email}
    stmt = insert(IntegrationSettingsRow).values(tenant_id=tenant_id, **values)
    s.execute(stmt.on_conflict_do_update(index_elements=["tenant_id"], set_=values))
