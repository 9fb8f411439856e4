"""Signals are hints; records are the truth (issue 10), deterministic code only.

:class:`SignalChecks` turns a ``grant_consent`` or ``confirm_action`` signal into what its
persisted record says (``verify_consent``/``verify_confirmation`` activities), or None. A signal
with no record is audited as ignored and changes nothing. Ignored-signal audit rows use mode
``signal``, the step waited on (0 while awaiting consent) and attempts from
:data:`IGNORED_ATTEMPT_BASE` up, so they never collide with a real step's (operation, step,
attempt) row.
"""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.operation import trust_activities as trust
    from workflows.operation.messages import ConfirmationDecision, ConsentGrant, OperationInput
    from workflows.operation.trail import AuditTrail
    from workflows.operation.trust_messages import VerifyConfirmationInput, VerifyConsentInput

IGNORED_ATTEMPT_BASE = 10_000
"""Attempt numbers of ignored-signal audit rows (real attempts stay far below: AI budget)."""


class SignalChecks:
    def __init__(self, inp: OperationInput, trail: AuditTrail) -> None:
        self._inp = inp
        self._trail = trail
        self.ignored = 0
        """Signals ignored so far (no matching record)."""

    async def consent(self, hint: ConsentGrant) -> ConsentGrant | None:
        """The grant as the persisted consent ``hint.consent_id`` says (who, expiry), or None."""
        inp = self._inp
        found = await trust.verify_consent(
            VerifyConsentInput(
                tenant_id=inp.tenant_id,
                service=inp.service,
                operation=inp.operation,
                consent_id=hint.consent_id,
            )
        )
        if not found.found or found.consent_id is None:
            self._ignore(0, "grant_consent", f"no active consent {hint.consent_id[:64]!r} for this operation")
            return None
        return ConsentGrant(
            consent_id=found.consent_id, granted_by=found.granted_by, expires_at=found.expires_at
        )

    async def decision(self, hint: ConfirmationDecision, step_number: int) -> ConfirmationDecision | None:
        """The decision on ``step_number`` as the persisted confirmation says, or None."""
        inp = self._inp
        found = None
        if hint.confirmation_id:
            found = await trust.verify_confirmation(
                VerifyConfirmationInput(
                    tenant_id=inp.tenant_id,
                    operation_id=inp.operation_id,
                    step_number=step_number,
                    confirmation_id=hint.confirmation_id,
                )
            )
        if found is None or not found.found:
            ref = repr(hint.confirmation_id[:64]) if hint.confirmation_id else "no confirmation id"
            self._ignore(
                step_number, "confirm_action", f"no recorded confirmation ({ref}) of step {step_number}"
            )
            return None
        return ConfirmationDecision(
            step_number=step_number,
            approved=found.approved,
            by=found.by,
            reason=found.reason,
            confirmation_id=hint.confirmation_id,
        )

    def _ignore(self, step_number: int, signal: str, why: str) -> None:
        self.ignored += 1
        self._trail.write(
            step_number,
            IGNORED_ATTEMPT_BASE + self.ignored,
            None,
            False,
            None,
            f"{signal} signal ignored: {why}",
            None,
            action=f"signal {signal} ignored",
            intent="Ignore a signal that has no persisted record",
            mode="signal",
            reason="signals are hints; records are the truth",
        )
