"""Request and response bodies of the operator's site allowlist routes (issue 10)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import ada_url
from pydantic import AfterValidator, BaseModel, Field

from api.schemas.common import Body
from core.targets import TargetRefused, parse_origin

TENANT = r"^[a-z0-9][a-z0-9-]{0,62}$"


def bare_origin(text: str) -> str:
    """``text`` as a WHATWG-serialized origin (``scheme://host[:port]``, default port omitted).
    ValueError unless it is an http(s) URL with no user info, path, query or fragment (a lone
    ``/`` path is accepted)."""
    try:
        u = ada_url.URL(text.strip())
    except ValueError:
        raise ValueError("not a URL") from None
    if u.pathname not in ("", "/") or u.search or u.hash:
        raise ValueError("give a bare origin: scheme://host[:port], with no path, query or fragment")
    try:
        return str(parse_origin(text))
    except TargetRefused as e:
        raise ValueError(f"not an http(s) origin: {e.detail}") from None


OriginText = Annotated[str, Field(min_length=1, max_length=300), AfterValidator(bare_origin)]


class SiteAllowRequest(Body):
    tenant_id: str = Field(pattern=TENANT)
    origin: OriginText
    """``scheme://host[:port]``; stored as the browser serializes it."""
    reason: str | None = Field(default=None, max_length=500)


class AllowedSiteView(BaseModel):
    tenant_id: str
    origin: str
    added_by: str
    reason: str | None
    created_at: datetime
