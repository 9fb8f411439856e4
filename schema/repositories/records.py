"""Business records through one generic repository (issue 12, Build 1): list with filters, sort
and cursor, get, create, update and archive, for any table described by a :class:`RecordSpec`.

Always tenant-scoped (the session is the tenant's, RLS enforces it too, and every query also
filters on ``tenant_id``). Archived rows (``archived_at`` set) are hidden from lists unless asked
for; they are never deleted. References (``client_id``, ``contact_id``) must be the tenant's own
rows: otherwise :class:`RecordRejected` names the field (before the composite foreign key could
turn it into a database error).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import SQLModel, col

from schema.repositories.paging import Page, keyset_page
from schema.repositories.record_upserts import RecordRejected
from schema.repositories.tenants import ensure_tenant

FilterOp = Literal["eq", "contains", "gte", "lte"]


@dataclass(frozen=True)
class RecordSpec:
    """One record type: its table, the query filters it accepts (``{param: (column, op)}``), the
    NOT NULL columns it may be sorted on (first = default, newest first), its references
    (``{field: table}``) and the columns a response never shows."""

    name: str
    plural: str
    table: type[SQLModel]
    filters: dict[str, tuple[str, FilterOp]] = field(default_factory=dict)
    sorts: tuple[str, ...] = ("created_at",)
    refs: dict[str, type[SQLModel]] = field(default_factory=dict)
    hidden: frozenset[str] = frozenset()


class NotFound(LookupError):
    """No such record of this tenant (another tenant's id is not found either)."""


def _c(spec: RecordSpec, name: str) -> Any:
    return col(getattr(spec.table, name))


def check_refs(s: Session, tenant_id: str, spec: RecordSpec, values: dict[str, Any]) -> None:
    """Every reference in ``values`` is a row of this tenant, else :class:`RecordRejected`."""
    for fname, table in spec.refs.items():
        ref = values.get(fname)
        if ref is None:
            continue
        found = s.execute(
            select(col(table.id)).where(col(table.tenant_id) == tenant_id, col(table.id) == ref)  # type: ignore[attr-defined]
        ).scalar()
        if found is None:
            raise RecordRejected(fname, f"no {table.__tablename__} row {ref!r}")  # type: ignore[attr-defined]


def list_records(
    s: Session,
    spec: RecordSpec,
    tenant_id: str,
    filters: dict[str, str],
    *,
    sort: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
    archived: bool = False,
) -> Page[Any]:
    """A page of the tenant's records. ``filters``: query params named in ``spec.filters`` (values
    as text; pydantic-free coercion by the column). ``sort``: a column of ``spec.sorts``, ``-`` for
    descending (default: the first sort, descending). Raises ValueError naming a bad param."""
    q = select(spec.table).where(_c(spec, "tenant_id") == tenant_id)
    if not archived:
        q = q.where(_c(spec, "archived_at").is_(None))
    for param, raw in filters.items():
        if param not in spec.filters:
            raise ValueError(f"{param}: not a filter of {spec.plural} ({', '.join(spec.filters) or 'none'})")
        column, op = spec.filters[param]
        c = _c(spec, column)
        value: Any = raw
        if c.type.python_type is bool:
            if raw not in ("true", "false"):
                raise ValueError(f"{param}: true or false")
            value = raw == "true"
        elif c.type.python_type is datetime:
            try:
                value = datetime.fromisoformat(raw)
            except ValueError:
                raise ValueError(f"{param}: an ISO 8601 date-time") from None
        if op == "contains":
            escaped = raw.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            q = q.where(c.ilike(f"%{escaped}%"))
        elif op == "gte":
            q = q.where(c >= value)
        elif op == "lte":
            q = q.where(c <= value)
        else:
            q = q.where(c == value)
    key = sort or f"-{spec.sorts[0]}"
    name = key.lstrip("-")
    if name not in spec.sorts:
        raise ValueError(f"sort: one of {', '.join(spec.sorts)} (prefix - for descending)")
    return keyset_page(
        s,
        q,
        _c(spec, name),
        _c(spec, "id"),
        sort=key,
        descending=key.startswith("-"),
        cursor=cursor,
        limit=limit,
    )


def get_record(s: Session, spec: RecordSpec, tenant_id: str, record_id: str) -> Any:
    row = s.get(spec.table, record_id)
    if row is None or getattr(row, "tenant_id", None) != tenant_id:
        raise NotFound(f"no {spec.name} {record_id!r}")
    return row


def create_record(s: Session, spec: RecordSpec, tenant_id: str, values: dict[str, Any]) -> Any:
    """A new record; the tenant row is created on its first write (``ensure_tenant``)."""
    ensure_tenant(s, tenant_id)
    check_refs(s, tenant_id, spec, values)
    row = spec.table(tenant_id=tenant_id, **values)
    s.add(row)
    s.flush()
    s.refresh(row)  # the stored values (numeric scale, server defaults)
    return row


def update_record(
    s: Session, spec: RecordSpec, tenant_id: str, record_id: str, values: dict[str, Any]
) -> Any:
    """Apply ``values`` (only the fields sent); an archived record cannot be changed (ValueError)."""
    row = get_record(s, spec, tenant_id, record_id)
    if row.archived_at is not None:
        raise ValueError(f"{spec.name} {record_id!r} is archived")
    check_refs(s, tenant_id, spec, values)
    for k, v in values.items():
        setattr(row, k, v)
    row.updated_at = datetime.now(UTC)
    s.flush()
    s.refresh(row)
    return row


def archive_record(s: Session, spec: RecordSpec, tenant_id: str, record_id: str) -> Any:
    """Set ``archived_at``; ValueError if it already is."""
    row = get_record(s, spec, tenant_id, record_id)
    if row.archived_at is not None:
        raise ValueError(f"{spec.name} {record_id!r} is already archived")
    row.archived_at = row.updated_at = datetime.now(UTC)
    s.flush()
    return row
