"""Consent and human confirmation for one operation (deterministic code only).

Consent arrives by the ``grant_consent`` signal (or an active persisted consent found at start);
``revoke_consent`` (or the grant's expiry) stops the operation before its next browser action.
A sensitive step waits for a ``confirm_action`` signal (seed 001 "human in the loop").
"""

from __future__ import annotations

import builtins
from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.operation.messages import ConfirmationDecision, ConsentGrant, ConsentRevoke

EXPIRED = "consent expired"


class ConsentGate:
    def __init__(self) -> None:
        self.grant: ConsentGrant | None = None
        self.revoke: ConsentRevoke | None = None
        self.confirmations: dict[int, ConfirmationDecision] = {}
        self.awaiting_confirmation: int | None = None
        """The sensitive step waiting for its ``confirm_action`` signal, if any."""

    # --- signals: the first grant, the first revoke and the first decision per step count ---
    def on_grant(self, grant: ConsentGrant) -> None:
        if self.grant is None and self.revoke is None:
            self.grant = grant

    def on_revoke(self, revoke: ConsentRevoke) -> None:
        if self.revoke is None:
            self.revoke = revoke

    def on_confirm(self, decision: ConfirmationDecision) -> None:
        self.confirmations.setdefault(decision.step_number, decision)

    def stop_reason(self) -> str | None:
        """``revoked``, ``expired`` (recorded as a revoke) or None while consent holds."""
        if self.revoke is not None:
            return "revoked"
        if self.grant and self.grant.expires_at and workflow.now() >= self.grant.expires_at:
            self.revoke = ConsentRevoke(reason=EXPIRED)
            return "expired"
        return None

    async def wait_for_grant(self, timeout_s: int) -> bool:
        """Wait up to ``timeout_s`` seconds for a grant or a revoke; False when neither came."""
        try:
            await workflow.wait_condition(
                lambda: self.grant is not None or self.revoke is not None,
                timeout=timedelta(seconds=timeout_s),
            )
        except builtins.TimeoutError:
            return False
        return True

    async def wait_for_confirmation(self, step_number: int, timeout_s: int) -> ConfirmationDecision | None:
        """Wait up to ``timeout_s`` seconds for the step's decision (None when a revoke came first).
        Raises ``TimeoutError`` when nobody answered."""
        self.awaiting_confirmation = step_number
        try:
            await workflow.wait_condition(
                lambda: step_number in self.confirmations or self.revoke is not None,
                timeout=timedelta(seconds=timeout_s),
            )
        finally:
            self.awaiting_confirmation = None
        return self.confirmations.get(step_number)

    def stop_text(self) -> str:
        """Why the operation stops, e.g. ``consent revoked by alice: changed mind``."""
        r = self.revoke or ConsentRevoke()
        return (
            f"consent {'expired' if r.reason == EXPIRED else 'revoked'}"
            + (f" by {r.revoked_by}" if r.revoked_by else "")
            + (f": {r.reason}" if r.reason else "")
        )
