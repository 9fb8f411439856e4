"""The base of every workflow message model."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Frozen(BaseModel):
    """Immutable, and unknown fields are an error (a typo in a workflow input fails loudly)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
