"""Messages of the cycle's workflows and activities (seed 004 P0, P0.6, P1.2)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from workflows.cycle.actions import ProposedAction
from workflows.models import Frozen

CycleStatus = Literal["running", "completed", "failed", "halted", "skipped"]


class CycleInput(Frozen):
    """Start of one cycle. Its workflow id is ``cycle-{tenant}-{hour}`` (the tenant lock)."""

    tenant_id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")
    hour: str = Field(pattern=r"^\d{10}$")
    """UTC hour ``yyyymmddhh``."""
    trigger: Literal["schedule", "manual", "fanout"] = "schedule"
    action_timeout_s: int = Field(default=60, ge=1, le=3600)
    """start-to-close of each action's activity; a crashed worker's email is retried after it."""
    messaging_queue: str = "messaging"
    """Where ``send_email`` runs (the messaging workers); tests point it at their own worker."""


class CycleResult(Frozen):
    run_id: str
    status: CycleStatus
    planner: str | None = None
    planned: int = 0
    executed: int = 0
    blocked: int = 0
    deferred: int = 0
    reason: str | None = None
    follow_ups_started: int = 0
    """Quote and deal follow-up workflows this cycle started (issue 9, part 7)."""


class CycleState(Frozen):
    """The ``status`` query: phase, counts and the current action."""

    run_id: str
    phase: str
    status: CycleStatus
    planned: int = 0
    executed: int = 0
    blocked: int = 0
    deferred: int = 0
    current_action: str | None = None


class Switches(Frozen):
    global_enabled: bool
    tenant_enabled: bool
    reason: str | None = None

    @property
    def enabled(self) -> bool:
        return self.global_enabled and self.tenant_enabled


class RunStart(Frozen):
    """``start_run``'s answer: the tenant's cycle number and the switches as they were at start."""

    cycle_number: int
    switches: Switches
    skipped_reason: str | None = None
    """Set when another run of this tenant holds the one-running-cycle lock (named in the text):
    the cycle then ends ``skipped`` without acting. None in histories from before the lock."""


class TenantRef(Frozen):
    tenant_id: str


class StartRunInput(Frozen):
    run_id: str
    tenant_id: str
    hour: str
    trigger: str


class PlanResult(Frozen):
    planner: Literal["rules", "ai"]
    actions: tuple[ProposedAction, ...]
    note: str | None = None
    """Why the rule planner ran instead of the AI (no key, AI failure), if so."""


class EmailOutcomeInput(Frozen):
    run_id: str
    tenant_id: str
    action: ProposedAction
    status: str
    detail: str | None = None


class GuardInput(Frozen):
    run_id: str
    tenant_id: str
    hour: str
    action: ProposedAction
    pending_email: EmailOutcomeInput | None = None
    """The previous action's email outcome, recorded first in the same transaction (patch
    ``cycle-email-outcome-carried``: no ``record_email_outcome`` step of its own)."""


class GuardResult(Frozen):
    verdict: Literal["allow", "block", "defer", "halt"]
    rule: str | None = None
    reason: str = ""


class ActionOutcome(Frozen):
    outcome: str
    """sent, dry_run, blocked, failed, unknown (emails); validated, exception (orders);
    task_created, queued, unsupported, batch_sent."""
    detail: dict[str, str | int | float | bool | None | list[str]] = Field(default_factory=dict)


class PerformInput(Frozen):
    run_id: str
    tenant_id: str
    hour: str
    action: ProposedAction


class BroadcastSend(Frozen):
    contact_id: str
    key: str
    to_email: str
    subject: str | None = None
    body: str | None = None
    """This contact's rendered subject and body (:mod:`workflows.campaign_templates`); None (a
    batch prepared before templates): the batch's own."""


class BroadcastBatch(Frozen):
    campaign_id: str
    subject: str
    body: str
    sends: tuple[BroadcastSend, ...] = ()
    deferred: int = 0
    """Contacts left pending because the hour's email quota ran out."""

    def message_for(self, send: BroadcastSend) -> tuple[str, str]:
        """(subject, body) for one send: its own rendering, else the batch's text."""
        return (
            self.subject if send.subject is None else send.subject,
            self.body if send.body is None else send.body,
        )


class BroadcastResult(Frozen):
    contact_id: str
    key: str
    status: str


class BroadcastRecordInput(Frozen):
    run_id: str
    tenant_id: str
    action: ProposedAction
    campaign_id: str
    results: tuple[BroadcastResult, ...]
    deferred: int = 0


class ReactInput(Frozen):
    run_id: str
    tenant_id: str


class ReactSummary(Frozen):
    replies: int = 0
    bounces: int = 0
    opt_outs: int = 0
    order_updates: int = 0
    credit_failures: int = 0
    emails: dict[str, int] = Field(default_factory=dict)


class ReflectInput(Frozen):
    run_id: str
    tenant_id: str
    hour: str
    status: CycleStatus
    planner: str | None
    planned: int
    executed: int
    blocked: int
    deferred: int
    react: ReactSummary | None = None
    error: str | None = None
    halted_reason: str | None = None
    started_at: datetime
    pending_email: EmailOutcomeInput | None = None
    """The last action's email outcome, recorded first (as :attr:`GuardInput.pending_email`)."""


class FanoutInput(Frozen):
    hour: str = Field(pattern=r"^\d{10}$")
    prefix: str = ""
    """Only tenants whose id starts with this (all enabled tenants by default)."""
    after: str = ""
    """Tenant-id cursor: continue after this id (set by continue-as-new)."""
    batch: int = Field(default=50, ge=1, le=500)
    continue_after: int = Field(default=500, ge=1)
    started: int = 0
    already_running: int = 0
    failed: int = 0


class FanoutResult(Frozen):
    started: int
    already_running: int
    failed: int


class TenantPage(Frozen):
    after: str
    limit: int
    prefix: str = ""
