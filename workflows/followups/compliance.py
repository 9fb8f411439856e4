"""Compliance schedules and checks (seed 004 P1.7). Being written."""

from __future__ import annotations

WORKFLOWS: list[type] = []
