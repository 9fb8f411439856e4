"""One-click unsubscribe (RFC 8058; issue 13 item 6): ``POST /u/{token}`` (no bearer token: the
unguessable token in the email is the credential) and ``GET /u/{token}``, a page whose form POSTs.
The rules: :mod:`api.services.unsubscribe`."""

from __future__ import annotations

from litestar import MediaType, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from api.services.unsubscribe import HEADERS, UnsubscribeService

PATH = "/u/{token:str}"


@get(
    PATH,
    operation_id="unsubscribePage",
    tags=["unsubscribe"],
    exclude_from_auth=True,
    media_type=MediaType.HTML,
)
async def unsubscribe_page(
    token: FromPath[str], unsubscribe: NamedDependency[UnsubscribeService]
) -> Response[str]:
    """A confirmation page (HTML) with a form that POSTs ``List-Unsubscribe=One-Click``. Never
    unsubscribes (link scanners follow GETs). 404 for an unknown or malformed token."""
    return Response(await unsubscribe.page(token), media_type=MediaType.HTML, headers=HEADERS)


@post(
    PATH,
    operation_id="unsubscribeOneClick",
    tags=["unsubscribe"],
    status_code=200,
    exclude_from_auth=True,
    media_type=MediaType.TEXT,
    request_max_body_size=4096,
)
async def unsubscribe_one_click(
    token: FromPath[str], unsubscribe: NamedDependency[UnsubscribeService]
) -> Response[str]:
    """Suppress the token's address at once (reason ``opt_out``, source ``one-click``); idempotent.
    Body: ``List-Unsubscribe=One-Click`` (RFC 8058), though any body is accepted. 200 with a short
    text; 404 for an unknown or malformed token."""
    return Response(await unsubscribe.unsubscribe(token), media_type=MediaType.TEXT, headers=HEADERS)
