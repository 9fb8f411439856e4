"""Compliance schedule and check routes (seed 004 P1.7). Being written."""

from __future__ import annotations

from litestar import Controller


class ComplianceController(Controller):
    path = "/api/compliance"
    tags = ["compliance"]
