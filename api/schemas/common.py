"""Shared pieces of the request schemas."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

NAME = r"^[a-z0-9_]{1,100}$"
"""A service, operation or credential type name: lowercase letters, digits and ``_``."""


class Body(BaseModel):
    """A request body: unknown fields are a 400."""

    model_config = ConfigDict(extra="forbid")
