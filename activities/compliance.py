"""Compliance activities (seed 004 P1.7). Being written."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from core.settings import Settings


def compliance_activities(settings: Settings, engine: Engine) -> list[Any]:
    return []
