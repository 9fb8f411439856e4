"""The API's one errors module: every error a handler or service raises, and their mapping to
RFC 9457 problem details (``application/problem+json``).

- 400 ``ValidationException`` (also 422-style body errors from Litestar's validation)
- 403 ``PermissionDeniedException``
- 404 ``NotFoundException`` (also for another tenant's id: existence is never revealed)
- 413 :class:`PayloadTooLargeException` (a file over its limit)
- 409 :class:`ConflictException` (a state conflict: already started, already ended, inactive)
- 422 :class:`UnprocessableException` (well-formed but refused: a target that is not allowed,
  no credential registered for the site, inputs too large)
- 429 ``TooManyRequestsException`` (a tenant's concurrent-operation cap; with ``Retry-After``)
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from litestar import Request, Response
from litestar.exceptions import (
    ClientException,
    HTTPException,
    NotFoundException,
    PermissionDeniedException,
    TooManyRequestsException,
    ValidationException,
)
from litestar.plugins.problem_details import ProblemDetailsException

__all__ = [
    "ConflictException",
    "NotFoundException",
    "PayloadTooLargeException",
    "PermissionDeniedException",
    "TooManyRequestsException",
    "UnprocessableException",
    "ValidationException",
    "problem_details",
    "unprocessable_body",
]


class ConflictException(ClientException):
    """409: the request conflicts with the resource's current state."""

    status_code = 409


class PayloadTooLargeException(ClientException):
    """413: a file over its configured size limit."""

    status_code = 413


class UnprocessableException(ClientException):
    """422: the request is well-formed but cannot be carried out as asked."""

    status_code = 422


def unprocessable_body(request: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    """A route's exception handler that answers a body that fails validation with 422 (not
    Litestar's 400), the same problem details naming the field (``extra``)."""
    return problem_details(UnprocessableException(detail=exc.detail, extra=exc.extra)).to_response(request)


def problem_details(exc: HTTPException) -> ProblemDetailsException:
    """RFC 9457: ``title`` names the kind of problem, ``detail`` says what happened this time."""
    title = HTTPStatus(exc.status_code).phrase
    return ProblemDetailsException(
        status_code=exc.status_code,
        title=title,
        detail=exc.detail if exc.detail != title else "",
        extra=exc.extra,
        headers=exc.headers,
    )
