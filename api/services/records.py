"""The business-data service (issue 12, Build 1): the generic record operations for the caller's
tenant, on a worker thread in a tenant-scoped transaction (``schema.db.tenant_transaction``).

Errors (RFC 9457, :mod:`api.errors`): 400 a bad filter, sort or cursor, or a body that fails the
record's rules (the detail names the field); 404 no such record of this tenant; 409 an archived
record, or a natural key another record already has (the field named); 422 a reference to a
record the tenant does not have (the field named).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.auth import Principal
from api.errors import ConflictException, NotFoundException, UnprocessableException, ValidationException
from api.records.specs import RecordApi
from schema.db import tenant_transaction
from schema.records import RecordIn
from schema.repositories import records as repo
from schema.repositories.paging import BadCursor
from schema.repositories.record_upserts import RecordRejected

T = TypeVar("T")
FIELD_IN_MESSAGE = re.compile(r"^(?:Value error, )?([a-z_]+): ")
"""A record-level rule names its field first (``amount: ...``, schema/record_models.py)."""
UNIQUE_FIELDS = {
    "uq_contact_tenant_email": "email",
    "uq_product_tenant_code": "code",
    "uq_client_tenant_external": "external_id",
    "uq_order_tenant_external": "external_id",
}
"""Unique constraints by name, and the field a 409 names."""


def row_values(m: BaseModel) -> dict[str, Any]:
    """A validated record as column values (nested models as JSON for JSONB columns)."""
    out: dict[str, Any] = {}
    for k in type(m).model_fields:
        v = getattr(m, k)
        if isinstance(v, BaseModel):
            v = v.model_dump(mode="json")
        elif isinstance(v, list) and v and isinstance(v[0], BaseModel):
            v = [x.model_dump(mode="json") for x in v]
        out[k] = v
    return out


def validation_error(e: ValidationError) -> ValidationException:
    """A 400 naming each failing field (``extra``: ``[{"key": field, "message": ...}]``)."""
    errors = [
        {"key": ".".join(str(p) for p in err["loc"]) or "body", "message": err["msg"]} for err in e.errors()
    ]
    return ValidationException(f"{errors[0]['key']}: {errors[0]['message']}", extra=errors)


class RecordService:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    async def _db(self, tenant_id: str, work: Callable[[Session], T]) -> T:
        def run() -> T:
            try:
                with tenant_transaction(self.engine, tenant_id) as s:
                    return work(s)
            except repo.NotFound as e:
                raise NotFoundException(str(e)) from None
            except RecordRejected as e:
                raise UnprocessableException(str(e), extra=[{"key": e.field, "message": e.message}]) from None
            except BadCursor as e:
                raise ValidationException(str(e)) from None
            except IntegrityError as e:
                name = getattr(getattr(e.orig, "diag", None), "constraint_name", None) or ""
                fld = UNIQUE_FIELDS.get(name)
                if fld is None:
                    raise
                raise ConflictException(f"{fld}: another record already has this value") from None

        return await asyncio.to_thread(run)

    def _view(self, api: RecordApi, row: Any) -> BaseModel:
        return api.view.model_validate(row.model_dump())

    async def list(
        self,
        p: Principal,
        api: RecordApi,
        filters: dict[str, str],
        sort: str | None,
        cursor: str | None,
        limit: int,
        archived: bool,
    ) -> dict[str, Any]:
        def work(s: Session) -> dict[str, Any]:
            try:
                page = repo.list_records(
                    s,
                    api.spec,
                    p.tenant_id,
                    filters,
                    sort=sort,
                    cursor=cursor,
                    limit=limit,
                    archived=archived,
                )
            except ValueError as e:
                if isinstance(e, BadCursor | RecordRejected):
                    raise
                raise ValidationException(str(e)) from None
            return {"items": [self._view(api, r) for r in page.items], "next_cursor": page.next_cursor}

        return await self._db(p.tenant_id, work)

    async def get(self, p: Principal, api: RecordApi, record_id: str) -> BaseModel:
        return await self._db(
            p.tenant_id, lambda s: self._view(api, repo.get_record(s, api.spec, p.tenant_id, record_id))
        )

    async def create(self, p: Principal, api: RecordApi, body: RecordIn) -> BaseModel:
        values = row_values(body)
        return await self._db(
            p.tenant_id, lambda s: self._view(api, repo.create_record(s, api.spec, p.tenant_id, values))
        )

    async def update(self, p: Principal, api: RecordApi, record_id: str, patch: RecordIn) -> BaseModel:
        """Merge the fields sent into the record and validate the whole with the create model (so
        rules across fields hold: a quote's total, a campaign's window, a goal's period)."""
        sent = patch.model_dump(exclude_unset=True)
        for f in sorted(api.frozen & sent.keys()):
            raise ValidationException(f"{f}: not changed by an update (see the {api.spec.name}'s routes)")

        def work(s: Session) -> BaseModel:
            row = repo.get_record(s, api.spec, p.tenant_id, record_id)
            current = {k: getattr(row, k) for k in api.create.model_fields if hasattr(row, k)}
            if "line_items" in sent and "amount" not in sent:
                current.pop("amount", None)  # recomputed from the new line items
            try:
                merged = api.create.model_validate({**current, **sent})
            except ValidationError as e:
                raise validation_error(e) from None
            values = {k: v for k, v in row_values(merged).items() if k in sent or k == "amount"}
            try:
                updated = repo.update_record(s, api.spec, p.tenant_id, record_id, values)
            except ValueError as e:
                if isinstance(e, RecordRejected):
                    raise
                raise ConflictException(str(e)) from None
            return self._view(api, updated)

        return await self._db(p.tenant_id, work)

    async def archive(self, p: Principal, api: RecordApi, record_id: str) -> BaseModel:
        def work(s: Session) -> BaseModel:
            try:
                return self._view(api, repo.archive_record(s, api.spec, p.tenant_id, record_id))
            except ValueError as e:
                raise ConflictException(str(e)) from None

        return await self._db(p.tenant_id, work)
