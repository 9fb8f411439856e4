"""The controller factory of the business-data API (issue 12, Build 1): one Litestar controller
per :class:`api.records.specs.RecordApi`, with typed request and response models in OpenAPI.

Routes (``{p}`` = ``/api/{plural}``): ``GET {p}`` (filters as query parameters, ``sort``,
``cursor``, ``limit`` 1..500, ``archived``), ``POST {p}`` (201), ``GET {p}/{id}``,
``PATCH {p}/{id}``, ``POST {p}/{id}/archive``. Who may call them: :mod:`api.authz.rows_records`.

No ``from __future__ import annotations`` here: the handlers' annotations are the spec's own model
classes, evaluated when each controller is made.
"""

from typing import Annotated, Any

from litestar import Controller, Request, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from pydantic import create_model

from api.auth import Principal
from api.records.specs import RECORDS, RecordApi
from api.services.records import RecordService

Req = Request[Principal, Any, Any]
PAGING = frozenset({"sort", "cursor", "limit", "archived"})


def record_controller(api: RecordApi) -> type[Controller]:
    """A controller for ``api``: five routes, operation ids from ``api.title``."""
    name, plural, view, create, update = api.title, f"{api.title}s", api.view, api.create, api.update
    what = api.spec.name
    docs = {
        "list": f"The tenant's {api.spec.plural}, newest first. "
        f"Filters: {', '.join(api.spec.filters) or 'none'}; "
        f"sort: {', '.join(api.spec.sorts)} (prefix - for descending).",
        "create": f"Create a {what}. 400 names a field that fails its rules; 422 a reference that is "
        "not the tenant's; 409 a natural key already taken.",
        "get": f"One {what} of the tenant; 404 for a missing id or another tenant's.",
        "update": f"Change the fields sent; the whole {what} is validated again. 409 if archived.",
        "archive": f"Archive the {what}: hidden from lists and from the agent, never deleted. "
        "409 if it already is.",
    }
    page = create_model(f"{name}Page", items=(list[view], ...), next_cursor=(str | None, None))  # type: ignore[valid-type]

    @get("/", operation_id=f"list{plural}", summary=f"List {api.spec.plural}", description=docs["list"])
    async def list_(
        self: Any,
        request: Req,
        records: NamedDependency[RecordService],
        sort: FromQuery[str | None] = None,
        cursor: FromQuery[str | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 50,
        archived: FromQuery[bool] = False,
    ) -> page:  # type: ignore[valid-type]
        filters = {k: v for k, v in request.query_params.items() if k not in PAGING}
        return page(**await records.list(request.user, api, filters, sort, cursor, limit, archived))

    @post("/", operation_id=f"create{name}", summary=f"Create a {what}", description=docs["create"])
    async def create_(
        self: Any, request: Req, data: JSONBody[create], records: NamedDependency[RecordService]
    ) -> view:  # type: ignore[valid-type]
        return await records.create(request.user, api, data)

    @get("/{record_id:str}", operation_id=f"get{name}", summary=f"One {what}", description=docs["get"])
    async def get_(
        self: Any, request: Req, record_id: FromPath[str], records: NamedDependency[RecordService]
    ) -> view:  # type: ignore[valid-type]
        return await records.get(request.user, api, record_id)

    @patch(
        "/{record_id:str}",
        operation_id=f"update{name}",
        summary=f"Change a {what}",
        description=docs["update"],
    )
    async def update_(
        self: Any,
        request: Req,
        record_id: FromPath[str],
        data: JSONBody[update],
        records: NamedDependency[RecordService],  # type: ignore[valid-type]
    ) -> view:  # type: ignore[valid-type]
        return await records.update(request.user, api, record_id, data)

    @post(
        "/{record_id:str}/archive",
        operation_id=f"archive{name}",
        status_code=200,
        summary=f"Archive a {api.spec.name}",
    )
    async def archive_(
        self: Any, request: Req, record_id: FromPath[str], records: NamedDependency[RecordService]
    ) -> view:  # type: ignore[valid-type]
        return await records.archive(request.user, api, record_id)

    return type(
        f"{name}Controller",
        (Controller,),
        {
            "path": api.path,
            "tags": ["records"],
            "list_": list_,
            "create_": create_,
            "get_": get_,
            "update_": update_,
            "archive_": archive_,
        },
    )


RECORD_CONTROLLERS = [record_controller(api) for api in RECORDS]
"""One controller per record type (``api/app.py`` routes them)."""
