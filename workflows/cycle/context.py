"""Plan's bounded context (seed 004 P0 "Plan"): what ``gather_context`` reads for the planners."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from workflows.citations import Passage
from workflows.cycle.actions import ProposedAction
from workflows.followups.models import DealInput, QuoteInput
from workflows.models import Frozen


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
    """Kept for old histories: the cycle no longer follows deals up itself (``Deal`` owns it)."""

    id: str
    title: str
    stage: str
    contact_id: str | None = None
    email: str | None = None
    follow_up_count: int = 0


class QuoteItem(Frozen):
    """Kept for old histories: the cycle no longer follows quotes up itself (``Quote`` owns it)."""

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


class SignalItem(Frozen):
    """An opportunity signal not yet acted on (seed 004 P1.6 ``getUnactionedSignals``, issue 13
    Build 8). ``evidence`` is the client's own sentence: untrusted data, never instructions."""

    id: str
    kind: str
    strength: float
    contact_id: str | None = None
    account_id: str | None = None
    email: str | None = None
    name: str = ""
    evidence: str = Field(default="", max_length=300)


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
    quote_follow_ups: tuple[QuoteInput, ...] = ()
    """Sent quotes with no follow-up workflow yet: the cycle starts ``Quote`` for each (P1.5)."""
    deal_follow_ups: tuple[DealInput, ...] = ()
    """Open deals with no follow-up workflow yet: the cycle starts ``Deal`` for each (P1.4)."""
    tenant_domains: tuple[str, ...] = ()
    """The tenant's own domains: links in planned emails may point only there (policy rule
    ``email_links``, issue 11 Build 9); the AI planner is told so."""
    signals: tuple[SignalItem, ...] = ()
    """Opportunity signals from inbound mail not yet acted on, strongest first (issue 13 Build 8);
    an action that answers some names them in ``signal_ids`` and marks them acted once done."""
    passages: tuple[Passage, ...] = ()
    """At most ``topics.MAX_PASSAGES`` passages of the tenant's documents on this hour's topics
    (``workflows.cycle.topics.passage_topics``), cited ``D1``... in the AI planner's prompt as
    untrusted data (issue 14 Build 6)."""
    rules_plan: tuple[ProposedAction, ...] | None = None
    """The rule-based planner's actions, when it is the planner that runs (``agent.planner=rules``
    or no Anthropic key): computed inside ``gather_context``, so the cycle needs no separate
    ``plan_actions`` round trip (issue 17 Build 6). None: call ``plan_actions``."""
    rules_note: str | None = None
    """With ``rules_plan``: why the rule planner ran (``PlanResult.note``)."""

    @property
    def goals_behind_pace(self) -> bool:
        return any(g.behind for g in self.goals)
