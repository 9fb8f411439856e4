"""Typed messages of the tenant hourly cycle (seed 004 P0, P0.6, P0.7, P1.2).

Plan gathers a bounded :class:`CycleContext`; a planner (rules or AI) turns it into
:class:`ProposedAction` items; every action passes the policy engine (:mod:`workflows.cycle.policy`)
in the ``guard_action`` activity before it is performed. Nothing here holds a secret.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import Field

from workflows.models import Frozen


class ActionKind(StrEnum):
    """The fixed action schema both planners use (seed 004 "Act", P1 engines)."""

    SEND_EMAIL = "send_email"
    """An engagement touch or a reply to a contact."""
    FOLLOW_UP = "follow_up"
    """A deal or quote follow-up email (seed 004 P1.4/P1.5)."""
    CREATE_TASK = "create_task"
    """A human task: only on explicit client request, compliance due or safety (guardrail 1)."""
    RESEARCH = "research"
    """Pipeline research: only after engagement compliance is met (guardrail 2)."""
    CONTACT_DISCOVERY = "contact_discovery"
    """Finding contacts for an account: always allowed by the research rule."""
    PROCESS_ORDER = "process_order"
    """Pricing, credit and requirements validation of a new order (seed 004 P0.5)."""
    SEND_BROADCAST_BATCH = "send_broadcast_batch"
    """One rate-limited batch of a due campaign (seed 004 P1.2)."""
    SANDBOX_JOB = "sandbox_job"
    """A utility script run (seed 004 P2.2); rate-limited, no runner is built yet."""


EMAIL_KINDS = frozenset({ActionKind.SEND_EMAIL, ActionKind.FOLLOW_UP})

RateKind = Literal["email", "research", "sandbox"]


class TaskReason(StrEnum):
    """Why a human task may exist (seed 004 guardrail 1, P0.3)."""

    CLIENT_REQUEST = "client_request"
    COMPLIANCE_DUE = "compliance_due"
    SAFETY_ESCALATION = "safety_escalation"


TargetType = Literal["contact", "account", "order", "deal", "quote", "campaign", "compliance_check", "tenant"]


class ProposedAction(Frozen):
    """One action a planner proposes. ``key`` is its idempotency key: the outbox, the deferral
    table and the run record are unique on it, so a retry or a re-proposal never acts twice."""

    key: str = Field(min_length=1, max_length=300)
    kind: ActionKind
    target_type: TargetType
    target_id: str = Field(min_length=1, max_length=200)
    to_email: str | None = Field(default=None, max_length=320)
    subject: str | None = Field(default=None, max_length=300)
    body: str | None = Field(default=None, max_length=10_000)
    title: str | None = Field(default=None, max_length=300)
    """The human task's title (create_task)."""
    reason: str = Field(default="", max_length=1000)
    """Why the planner proposes it (shown in the run record)."""
    priority: int = Field(default=50, ge=0, le=100)
    task_reason: TaskReason | None = None
    source_message_id: str | None = Field(default=None, max_length=300)
    """The inbound message a client_request task answers; its text is what the policy reads."""
    safety: bool = False
    """The planner marks a safety escalation (guardrail 1 exception)."""
    origin: Literal["rules", "ai", "deferred"] = "rules"


# --- Plan: the bounded context the planners read ------------------------------------------


class GoalPace(Frozen):
    """A goal's progress in its period: ``expected`` is the pro-rata target by now."""

    metric: Literal["orders", "revenue"]
    target: float
    actual: float
    expected: float

    @property
    def behind(self) -> bool:
        return self.actual < self.expected


class TouchCandidate(Frozen):
    """A contact whose 21-day engagement clock is overdue (seed 004 P0.4)."""

    contact_id: str
    account_id: str | None = None
    email: str | None = None
    name: str = ""
    days_overdue: int = 0
    never_touched: bool = False
    score: float = 0.0


class DealItem(Frozen):
    id: str
    title: str
    stage: str
    contact_id: str | None = None
    email: str | None = None
    follow_up_count: int = 0


class QuoteItem(Frozen):
    id: str
    contact_id: str | None = None
    email: str | None = None
    amount: float = 0.0
    follow_up_count: int = 0


class ComplianceItem(Frozen):
    id: str
    entity_type: str
    entity_id: str
    due_at: datetime
    missing_fields: tuple[str, ...] = ()


class ClientRequest(Frozen):
    """An inbound client message that may ask for a human action (``create_task``)."""

    message_id: str
    contact_id: str | None = None
    from_email: str
    subject: str = ""
    excerpt: str = Field(default="", max_length=2000)


class BroadcastItem(Frozen):
    id: str
    name: str
    pending: int


class CycleContext(Frozen):
    """Everything Plan gathered, bounded (at most ``limit`` items per list; see gather_context)."""

    tenant_id: str
    hour: str
    goals: tuple[GoalPace, ...] = ()
    new_orders: tuple[str, ...] = ()
    open_order_exceptions: int = 0
    engagement_total: int = 0
    engagement_overdue: int = 0
    touch_candidates: tuple[TouchCandidate, ...] = ()
    stalled_deals: tuple[DealItem, ...] = ()
    quotes_due: tuple[QuoteItem, ...] = ()
    open_deals: int = 0
    pipeline_value: float = 0.0
    pipeline_thin: bool = False
    compliance_due: tuple[ComplianceItem, ...] = ()
    client_requests: tuple[ClientRequest, ...] = ()
    inbox_unprocessed: int = 0
    broadcasts_due: tuple[BroadcastItem, ...] = ()
    accounts_without_contacts: tuple[str, ...] = ()
    deferred: tuple[ProposedAction, ...] = ()

    @property
    def goals_behind_pace(self) -> bool:
        return any(g.behind for g in self.goals)


# --- Policy ---------------------------------------------------------------------------------


class PolicyFacts(Frozen):
    """What the policy engine needs to know about one action, read fresh at guard time."""

    engagement_violations: int = 0
    goals_behind_pace: bool = False
    pipeline_thin: bool = False
    request_text: str | None = None
    """Text of the client's inbound message the action cites (None if none or not from the client)."""
    compliance_due: bool = False
    suppression: str | None = None
    """The recipient's suppression reason (bounce, opt_out, complaint, manual), if any."""
    rate_used: int = 0
    rate_cap: int | None = None


Verdict = Literal["allow", "block", "defer"]


class PolicyDecision(Frozen):
    verdict: Verdict
    rule: str | None = None
    """The rule that blocked or deferred: human_task, research, suppression, sensitive_pattern, rate_limit."""
    reason: str = ""

    @property
    def allowed(self) -> bool:
        return self.verdict == "allow"


# --- activity and workflow messages ---------------------------------------------------------

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


class GuardInput(Frozen):
    run_id: str
    tenant_id: str
    hour: str
    action: ProposedAction


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


class EmailOutcomeInput(Frozen):
    run_id: str
    tenant_id: str
    action: ProposedAction
    status: str
    detail: str | None = None


class BroadcastSend(Frozen):
    contact_id: str
    key: str
    to_email: str


class BroadcastBatch(Frozen):
    campaign_id: str
    subject: str
    body: str
    sends: tuple[BroadcastSend, ...] = ()
    deferred: int = 0
    """Contacts left pending because the hour's email quota ran out."""


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
