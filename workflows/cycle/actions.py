"""The cycle's action schema and the policy engine's messages (seed 004 "Act", P0.3, P0.6).

A planner (rules or AI) proposes :class:`ProposedAction` items; every one passes the policy engine
(:mod:`workflows.cycle.policy`) with the :class:`PolicyFacts` read at guard time. Nothing here
holds a secret.
"""

from __future__ import annotations

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
    """A utility script run (seed 004 P2.2); rate-limited, queued as an ``agent_research_jobs`` row."""


EMAIL_KINDS = frozenset({ActionKind.SEND_EMAIL, ActionKind.FOLLOW_UP})
AGENT_KINDS = frozenset(ActionKind) - EMAIL_KINDS - {ActionKind.SEND_BROADCAST_BATCH}
"""Kinds the agent worker performs in a DB step (a runner, activities/cycle/runners.py); the
workflow itself performs the others (emails and broadcast batches through the outbox)."""

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
    signal_ids: tuple[str, ...] = ()
    """The opportunity signals (``CycleContext.signals``) this action answers: marked acted once
    it is performed (an email: once sent); issue 13 Build 8."""


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
    tenant_domains: tuple[str, ...] = ()
    """The tenant's own domains (``tenants.agent_settings["domains"]``): the only hosts, with their
    subdomains, that links in its emails may point at (issue 11, Build 9)."""
    send_window: tuple[int, int] | None = None
    """A broadcast batch's campaign send window, (start, end) UTC hours (seed 004 P1.2); None: any hour."""
    hour: str | None = None
    """The cycle's hour key (``yyyymmddhh``) the action runs in."""


Verdict = Literal["allow", "block", "defer"]


class PolicyDecision(Frozen):
    verdict: Verdict
    rule: str | None = None
    """The rule that blocked or deferred: human_task, research, suppression, sensitive_pattern, rate_limit,
    send_window."""
    reason: str = ""

    @property
    def allowed(self) -> bool:
        return self.verdict == "allow"
