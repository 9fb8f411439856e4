"""Consent and human confirmation for one operation (deterministic code only).

Consent arrives by the ``grant_consent`` signal (or an active persisted consent found at start);
``revoke_consent`` (or the grant's expiry) stops the operation before its next browser action.
A sensitive step, or an AI form submit on a page the definition does not name, waits for a
``confirm_action`` signal (seed 001 "human in the loop").

Signals are hints; records are the truth (issue 10, patch :data:`SIGNALS_VERIFIED`): a grant or
a decision signal is only buffered here; the waiting code hands each one to a verifier (an
activity that looks for the record the API persisted) and uses what the record says. A signal
with no record changes nothing: the wait goes on and its original timeout still runs. A revoke
is honoured as sent: stopping is fail-safe. Before the patch (old histories) signals were
trusted as sent.
"""

from __future__ import annotations

import builtins
from collections.abc import Awaitable, Callable
from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.operation.messages import ConfirmationDecision, ConsentGrant, ConsentRevoke

EXPIRED = "consent expired"
SIGNALS_VERIFIED = "operation-signals-verified"
"""Patch id: ``grant_consent``/``confirm_action`` count only once an activity finds their record.
Before it, both signals were obeyed as sent (old histories)."""

VerifyGrant = Callable[[ConsentGrant], Awaitable[ConsentGrant | None]]
"""A grant signal -> the grant built from its persisted consent, or None (no such record)."""
VerifyDecision = Callable[[ConfirmationDecision, int], Awaitable[ConfirmationDecision | None]]
"""A decision signal and the step waited on -> the persisted decision, or None (no record)."""


class ConsentGate:
    def __init__(self) -> None:
        self.grant: ConsentGrant | None = None
        self.revoke: ConsentRevoke | None = None
        self.confirmations: dict[int, ConfirmationDecision] = {}
        self.awaiting_confirmation: int | None = None
        """The step waiting for its ``confirm_action`` signal, if any."""
        self.grant_hints: list[ConsentGrant] = []
        self.decision_hints: list[ConfirmationDecision] = []
        """Signals not yet checked against their records (only under SIGNALS_VERIFIED)."""

    # --- signals: the first grant, the first revoke and the first decision per step count ---
    def on_grant(self, grant: ConsentGrant) -> None:
        if self.grant is not None or self.revoke is not None:
            return
        if workflow.patched(SIGNALS_VERIFIED):
            self.grant_hints.append(grant)
        else:
            self.grant = grant

    def on_revoke(self, revoke: ConsentRevoke) -> None:
        if self.revoke is None:
            self.revoke = revoke

    def on_confirm(self, decision: ConfirmationDecision) -> None:
        if workflow.patched(SIGNALS_VERIFIED):
            self.decision_hints.append(decision)
        else:
            self.confirmations.setdefault(decision.step_number, decision)

    def stop_reason(self) -> str | None:
        """``revoked``, ``expired`` (recorded as a revoke) or None while consent holds."""
        if self.revoke is not None:
            return "revoked"
        if self.grant and self.grant.expires_at and workflow.now() >= self.grant.expires_at:
            self.revoke = ConsentRevoke(reason=EXPIRED)
            return "expired"
        return None

    async def wait_for_grant(self, timeout_s: int, verify: VerifyGrant) -> bool:
        """Wait up to ``timeout_s`` seconds for a verified grant or a revoke; False when neither
        came. Each grant signal is checked by ``verify`` meanwhile; the deadline does not move."""
        if not workflow.patched(SIGNALS_VERIFIED):
            return await self._wait_unverified(lambda: self.grant is not None, timeout_s)
        deadline = workflow.now() + timedelta(seconds=timeout_s)
        while self.grant is None and self.revoke is None:
            try:
                await workflow.wait_condition(
                    lambda: self.grant is not None or self.revoke is not None or bool(self.grant_hints),
                    timeout=deadline - workflow.now(),
                )
            except builtins.TimeoutError:
                return False
            if self.grant is not None or self.revoke is not None or not self.grant_hints:
                continue
            found = await verify(self.grant_hints.pop(0))
            if found is not None and self.grant is None and self.revoke is None:
                self.grant = found
            if self.grant is None and self.revoke is None and workflow.now() >= deadline:
                return False
        return True

    async def wait_for_confirmation(
        self, step_number: int, timeout_s: int, verify: VerifyDecision
    ) -> ConfirmationDecision | None:
        """Wait up to ``timeout_s`` seconds for the step's verified decision (None when a revoke
        came first). Raises ``TimeoutError`` when nobody answered with a record in time. A signal
        for another step stays buffered until that step waits."""
        if not workflow.patched(SIGNALS_VERIFIED):
            self.awaiting_confirmation = step_number
            try:
                await self._wait_unverified(lambda: step_number in self.confirmations, timeout_s, raises=True)
            finally:
                self.awaiting_confirmation = None
            return self.confirmations.get(step_number)
        deadline = workflow.now() + timedelta(seconds=timeout_s)

        def hint() -> ConfirmationDecision | None:
            return next((h for h in self.decision_hints if h.step_number == step_number), None)

        self.awaiting_confirmation = step_number
        try:
            while step_number not in self.confirmations and self.revoke is None:
                remaining = deadline - workflow.now()
                if remaining <= timedelta(0):
                    raise builtins.TimeoutError()
                await workflow.wait_condition(
                    lambda: (
                        step_number in self.confirmations or self.revoke is not None or hint() is not None
                    ),
                    timeout=remaining,
                )
                h = hint()
                if h is None or step_number in self.confirmations or self.revoke is not None:
                    continue
                self.decision_hints.remove(h)
                found = await verify(h, step_number)
                if found is not None:
                    self.confirmations.setdefault(step_number, found)
        finally:
            self.awaiting_confirmation = None
        return self.confirmations.get(step_number)

    async def _wait_unverified(self, done: Callable[[], bool], timeout_s: int, raises: bool = False) -> bool:
        """The wait of old histories (signals trusted as sent), command for command."""
        try:
            await workflow.wait_condition(
                lambda: done() or self.revoke is not None, timeout=timedelta(seconds=timeout_s)
            )
        except builtins.TimeoutError:
            if raises:
                raise
            return False
        return True

    def stop_text(self) -> str:
        """Why the operation stops, e.g. ``consent revoked by alice: changed mind``."""
        r = self.revoke or ConsentRevoke()
        return (
            f"consent {'expired' if r.reason == EXPIRED else 'revoked'}"
            + (f" by {r.revoked_by}" if r.revoked_by else "")
            + (f": {r.reason}" if r.reason else "")
        )
