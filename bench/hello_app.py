"""The bare baseline of ``bench.api_reads``: a hello-world Litestar route, served by uvicorn the
same way as the API (``uvicorn bench.hello_app:create_app --factory``). No auth, no database."""

from __future__ import annotations

from litestar import Litestar, get


@get("/hello", operation_id="hello")
async def hello() -> dict[str, str]:
    return {"hello": "world"}


def create_app() -> Litestar:
    return Litestar(route_handlers=[hello], debug=False)
