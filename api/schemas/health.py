"""``GET /api/health``: each dependency's state (issue 17, Build 7)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from core.health_probes import State


class DependencyHealth(BaseModel):
    """``status`` is ``ok`` when every configured dependency answered, else ``degraded``;
    ``dependencies`` maps postgres, vault, temporal, smtp, imap and llm to ok, down or
    not_configured. No address is ever named."""

    status: Literal["ok", "degraded"]
    dependencies: dict[str, State]
