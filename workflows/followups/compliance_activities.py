"""Typed activity stubs of the compliance workflows: one function per DB step, each a local
activity on the agent worker (:func:`workflows.common.db`) with its named retry policy.

The run's page of checks uses ``retry.DB``; a check lives for weeks, so its steps use
``retry.PATIENT`` (retry until the database is back; a rejected write still fails at once).
Deterministic: workflow code only.
"""

from __future__ import annotations

from temporalio import workflow

from workflows import retry

with workflow.unsafe.imports_passed_through():
    from workflows.common import db
    from workflows.followups.compliance_models import (
        CloseInput,
        CloseResult,
        EscalateInput,
        EscalateResult,
        GenerateChecksInput,
        GenerateChecksResult,
        MarkInput,
        ValidateInput,
        ValidateResult,
    )


async def generate_compliance_checks(inp: GenerateChecksInput) -> GenerateChecksResult:
    """One page of ``compliance_checks`` rows for the schedule (idempotent ids)."""
    return await db("generate_compliance_checks", inp, GenerateChecksResult)


async def validate_compliance_check(inp: ValidateInput) -> ValidateResult:
    """Mark the check notified and list its entity's missing required fields."""
    return await db("validate_compliance_check", inp, ValidateResult, policy=retry.PATIENT)


async def mark_compliance_check(inp: MarkInput) -> None:
    """Set the check's status and/or reminder count."""
    await db("mark_compliance_check", inp, policy=retry.PATIENT)


async def escalate_compliance_check(inp: EscalateInput) -> EscalateResult:
    """Mark it escalated with an ``agent_tasks`` row for the manager."""
    return await db("escalate_compliance_check", inp, EscalateResult, policy=retry.PATIENT)


async def close_compliance_check(inp: CloseInput) -> CloseResult:
    """End the check (completed or waived, by whom, why)."""
    return await db("close_compliance_check", inp, CloseResult, policy=retry.PATIENT)
