"""An operation run by a multi-step plan (issue 15, Build 6; deterministic code only).

The plan's one consent covers every operation in it: a child operation (``inp.plan`` set) never
looks for or waits for a consent of its own. It still checks the plan's consent *record* (service
``plan``, operation = the plan's name) with ``verify_consent`` before its first browser action:
the input is the parent's word, the record is the truth.
"""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.operation import trust_activities as trust
    from workflows.operation.messages import ConsentGrant, OperationInput
    from workflows.operation.trust_messages import VerifyConsentInput
    from workflows.plan.definition import PLAN_CONSENT_SERVICE

PLAN_CONSENT = "operation-plan-consent-scope"
"""Patch id: an operation started by a plan (``inp.plan``) takes the plan's consent, checked
against its record, instead of looking for or waiting for its own."""
NOT_ACTIVE = "the plan's consent is not active"


async def plan_grant(inp: OperationInput) -> ConsentGrant | None:
    """The grant of the plan's active consent record, or None (revoked, expired or unknown)."""
    assert inp.plan is not None
    found = await trust.verify_consent(
        VerifyConsentInput(
            tenant_id=inp.tenant_id,
            service=PLAN_CONSENT_SERVICE,
            operation=inp.plan.plan,
            consent_id=inp.plan.consent_id,
        )
    )
    if not found.found or found.consent_id is None:
        return None
    return ConsentGrant(consent_id=found.consent_id, granted_by=found.granted_by, expires_at=found.expires_at)
