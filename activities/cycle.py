"""DB activities of the hourly cycle (seed 004 P0): switches, run record, Plan's context, the
policy guard, the non-email actions, React and Reflect.

Sync activities on the agent queue (thread pool). Each is idempotent: rows are keyed on the run
id and the action's idempotency key, so a retry never acts or counts twice.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session
from sqlmodel import col
from temporalio import activity

from activities.operations import permanent_db_errors
from core.logging import get_logger
from core.settings import Settings
from schema import metrics
from schema.agent import (
    AgentRun,
    AgentRunAction,
    AgentTask,
    DeferredAction,
    EmailSuppression,
    EngagementClock,
    HourlyReflection,
    OrderException,
    OrderProcessing,
    OutboxEmail,
    PolicyViolation,
    RateLimitWindow,
    ResearchJob,
    SystemConfig,
)
from schema.business import (
    Campaign,
    CampaignContactStatus,
    Client,
    ComplianceCheck,
    Contact,
    Deal,
    Goal,
    InboundMessage,
    Order,
    Product,
    Quote,
)
from schema.tables import Tenant, stable_id
from workflows.cycle import engagement, policy
from workflows.cycle.alerts import evaluate_alerts
from workflows.cycle.hours import hour_start, next_hour
from workflows.cycle.models import (
    ActionKind,
    ActionOutcome,
    BroadcastBatch,
    BroadcastItem,
    BroadcastRecordInput,
    BroadcastSend,
    ClientRequest,
    ComplianceItem,
    CycleContext,
    DealItem,
    EmailOutcomeInput,
    GoalPace,
    GuardInput,
    GuardResult,
    PerformInput,
    PolicyFacts,
    ProposedAction,
    QuoteItem,
    ReactInput,
    ReactSummary,
    ReflectInput,
    RunStart,
    StartRunInput,
    Switches,
    TenantPage,
    TouchCandidate,
)
from workflows.cycle.orders import CatalogEntry, ClientCredit, OrderFacts, review_order

log = get_logger("activities.cycle")
COMPLIANCE_WINDOW = timedelta(days=14)
"""A compliance check is due from 14 days before its date (seed 004 P1.7 notification window)."""
QUOTE_FOLLOW_UP_EVERY = timedelta(days=3)
"""Seed 004 P1.5: follow-ups 3 days apart, at most 4."""
QUOTE_MAX_FOLLOW_UPS = 4
DEAL_STALLED_AFTER = timedelta(days=14)
"""A deal with no activity for 14 days is stalled (issue 5 adds per-stage thresholds)."""
OPEN_DEAL_STAGES_EXCLUDED = ("won", "lost", "closed")


def _ins(model: Any) -> Any:
    return insert(model.__table__)


class CycleActivities:
    def __init__(self, settings: Settings, engine: Engine) -> None:
        self._s = settings
        self._engine = engine

    # --- switches and caps -------------------------------------------------------------------

    def _switches(self, s: Session, tenant_id: str) -> Switches:
        agent = self._s.agent
        tenant = s.get(Tenant, tenant_id)
        tenant_on = bool(tenant and tenant.agent_enabled)
        if agent.kill_switch:
            return Switches(
                global_enabled=False,
                tenant_enabled=tenant_on,
                reason=f"kill switch (environment): {agent.kill_switch_reason or 'no reason given'}",
            )
        cfg = s.get(SystemConfig, "agent")
        if cfg is not None and cfg.value.get("global_enabled") is False:
            why = cfg.value.get("reason") or "no reason given"
            return Switches(global_enabled=False, tenant_enabled=tenant_on, reason=f"kill switch: {why}")
        if not tenant_on:
            return Switches(
                global_enabled=True, tenant_enabled=False, reason="agent disabled for this tenant"
            )
        return Switches(global_enabled=True, tenant_enabled=True)

    def _caps(self, s: Session, tenant_id: str) -> dict[str, int]:
        tenant = s.get(Tenant, tenant_id)
        o = (tenant.agent_settings if tenant else None) or {}
        a = self._s.agent
        return {
            "email": int(o.get("max_emails_per_hour", a.max_emails_per_hour)),
            "research": int(o.get("max_research_per_hour", a.max_research_per_hour)),
            "sandbox": int(o.get("max_sandbox_jobs_per_hour", a.max_sandbox_jobs_per_hour)),
        }

    # --- run record --------------------------------------------------------------------------

    @activity.defn(name="start_run")
    def start_run(self, inp: StartRunInput) -> RunStart:
        """Insert the ``agent_autonomous_runs`` row (idempotent on the run id) and read the kill
        switches: the global one (environment, then ``system_config`` key ``agent``) and the
        tenant's ``agent_enabled`` (seed 004 P0.6). Returns the cycle number and the switches."""
        with permanent_db_errors(), Session(self._engine) as s:
            existing = s.get(AgentRun, inp.run_id)
            if existing is not None:
                return RunStart(cycle_number=existing.cycle_number, switches=self._switches(s, inp.tenant_id))
            n = metrics.count_rows(s, AgentRun, inp.tenant_id)
            s.execute(
                _ins(AgentRun)
                .values(
                    id=inp.run_id,
                    tenant_id=inp.tenant_id,
                    hour=inp.hour,
                    cycle_number=n + 1,
                    trigger=inp.trigger,
                    status="running",
                    phase="plan",
                    started_at=datetime.now(UTC),
                )
                .on_conflict_do_nothing()
            )
            s.commit()
            return RunStart(cycle_number=n + 1, switches=self._switches(s, inp.tenant_id))

    # --- Plan --------------------------------------------------------------------------------

    def _refresh_clocks(self, s: Session, tenant_id: str, now: datetime) -> None:
        """Create missing clocks and recompute status, days overdue and priority (seed 004 P0.4)."""
        contacts = s.execute(select(Contact).where(Contact.tenant_id == tenant_id)).scalars().all()  # type: ignore[call-overload]
        clocks = {
            c.contact_id: c
            for c in s.execute(
                select(EngagementClock).where(EngagementClock.tenant_id == tenant_id)
            ).scalars()  # type: ignore[call-overload]
        }
        deals = Counter(
            s.execute(
                select(Deal.contact_id).where(  # type: ignore[call-overload]
                    Deal.tenant_id == tenant_id, Deal.status == "open", col(Deal.contact_id).is_not(None)
                )
            ).scalars()
        )
        quotes = Counter(
            s.execute(
                select(Quote.contact_id).where(  # type: ignore[call-overload]
                    Quote.tenant_id == tenant_id, col(Quote.status).in_(("sent", "viewed"))
                )
            ).scalars()
        )
        for c in contacts:
            clock = clocks.get(c.id)
            last = clock.last_touch_at if clock else None
            st = engagement.clock_state(last, c.created_at, now)
            score = engagement.priority_score(st.days_overdue, last is None, deals[c.id], quotes[c.id])
            values = {
                "next_touch_due_at": st.next_due_at,
                "compliance_status": st.status,
                "days_overdue": st.days_overdue,
                "priority_score": score if st.status == "overdue" else 0.0,
                "updated_at": now,
            }
            stmt = _ins(EngagementClock).values(
                id=stable_id(tenant_id, c.id),
                tenant_id=tenant_id,
                contact_id=c.id,
                client_id=c.client_id,
                **values,
            )
            s.execute(stmt.on_conflict_do_update(constraint="uq_clock_tenant_contact", set_=values))
        s.commit()

    def _pace(self, s: Session, tenant_id: str, now: datetime) -> tuple[GoalPace, ...]:
        out = []
        for g in s.execute(
            select(Goal).where(Goal.tenant_id == tenant_id, Goal.period_start <= now, Goal.period_end > now)  # type: ignore[call-overload]
        ).scalars():
            span = (g.period_end - g.period_start).total_seconds()
            elapsed = (now - g.period_start).total_seconds()
            in_period = (
                Order.tenant_id == tenant_id,
                Order.created_at >= g.period_start,
                Order.created_at < g.period_end,
                Order.status != "cancelled",
            )
            if g.metric == "revenue":
                actual = s.execute(
                    select(func.coalesce(func.sum(Order.total_amount), 0)).where(*in_period)
                ).one()[0]  # type: ignore[call-overload]
            else:
                actual = s.execute(select(func.count()).select_from(Order).where(*in_period)).one()[0]  # type: ignore[call-overload]
            expected = float(g.target) * (elapsed / span if span > 0 else 1.0)
            out.append(
                GoalPace(metric=g.metric, target=float(g.target), actual=float(actual), expected=expected)
            )  # type: ignore[arg-type]
        return tuple(out)

    def _open_deals(self, s: Session, tenant_id: str) -> tuple[int, float]:
        n, value = s.execute(
            select(func.count(), func.coalesce(func.sum(Deal.value), 0)).where(  # type: ignore[call-overload]
                Deal.tenant_id == tenant_id, Deal.status == "open"
            )
        ).one()
        return int(n), float(value)

    @activity.defn(name="gather_context")
    def gather_context(self, inp: StartRunInput) -> CycleContext:
        """Plan's context for one tenant, each list bounded by ``agent.context_limit``.

        Reads goals (pro-rata pace), new orders, open order exceptions, 21-day engagement clocks
        (refreshed here), stalled deals, quotes due a follow-up, compliance checks in their
        14-day window, unprocessed client messages, due broadcasts, accounts with no contact and
        actions deferred to this hour.
        """
        limit = self._s.agent.context_limit
        now = datetime.now(UTC)
        t = inp.tenant_id
        with Session(self._engine) as s:
            self._refresh_clocks(s, t, now)
            new_orders = s.execute(
                select(Order.id)  # type: ignore[call-overload]
                .where(Order.tenant_id == t, Order.processing_status == "new")
                .order_by(Order.created_at)
                .limit(limit)
            ).scalars()
            exceptions = metrics.count_rows(s, OrderException, t, col(OrderException.resolved_at).is_(None))
            total, overdue = s.execute(
                select(  # type: ignore[call-overload]
                    func.count(), func.count().filter(EngagementClock.compliance_status == "overdue")
                ).where(EngagementClock.tenant_id == t)
            ).one()
            rows = s.execute(
                select(EngagementClock, Contact)  # type: ignore[call-overload]
                .join(Contact, col(Contact.id) == EngagementClock.contact_id)
                .where(EngagementClock.tenant_id == t, EngagementClock.compliance_status == "overdue")
                .order_by(col(EngagementClock.priority_score).desc(), EngagementClock.contact_id)
                .limit(limit)
            ).all()
            touches = tuple(
                TouchCandidate(
                    contact_id=c.id,
                    account_id=c.client_id,
                    email=c.email,
                    name=c.name,
                    days_overdue=k.days_overdue,
                    never_touched=k.last_touch_at is None,
                    score=k.priority_score,
                )
                for k, c in rows
            )
            stalled = s.execute(
                select(Deal, Contact)  # type: ignore[call-overload]
                .outerjoin(Contact, col(Contact.id) == Deal.contact_id)
                .where(
                    Deal.tenant_id == t,
                    Deal.status == "open",
                    Deal.auto_follow_up_enabled,
                    or_(
                        col(Deal.stalled_at).is_not(None),
                        func.coalesce(Deal.last_activity_at, Deal.created_at) < now - DEAL_STALLED_AFTER,
                    ),
                    or_(col(Deal.next_follow_up_at).is_(None), col(Deal.next_follow_up_at) <= now),
                )
                .order_by(Deal.created_at)
                .limit(limit)
            ).all()
            quotes = s.execute(
                select(Quote, Contact)  # type: ignore[call-overload]
                .outerjoin(Contact, col(Contact.id) == Quote.contact_id)
                .where(
                    Quote.tenant_id == t,
                    col(Quote.status).in_(("sent", "viewed")),
                    Quote.follow_up_count < QUOTE_MAX_FOLLOW_UPS,
                    func.coalesce(Quote.next_follow_up_at, Quote.sent_at + QUOTE_FOLLOW_UP_EVERY) <= now,
                )
                .order_by(Quote.sent_at)
                .limit(limit)
            ).all()
            n_deals, value = self._open_deals(s, t)
            compliance = s.execute(
                select(ComplianceCheck)  # type: ignore[call-overload]
                .where(
                    ComplianceCheck.tenant_id == t,
                    col(ComplianceCheck.status).in_(("pending", "overdue")),
                    ComplianceCheck.due_at <= now + COMPLIANCE_WINDOW,
                    # checks with their own workflow remind and escalate themselves (P1.7)
                    col(ComplianceCheck.workflow_id).is_(None),
                )
                .order_by(ComplianceCheck.due_at)
                .limit(limit)
            ).scalars()
            unprocessed = metrics.count_rows(s, InboundMessage, t, col(InboundMessage.processed_at).is_(None))
            requests = s.execute(
                select(InboundMessage)  # type: ignore[call-overload]
                .where(
                    InboundMessage.tenant_id == t,
                    InboundMessage.kind == "reply",
                    InboundMessage.received_at >= now - timedelta(days=2),
                    col(InboundMessage.message_id).not_in(
                        select(AgentTask.target_id).where(AgentTask.tenant_id == t)
                    ),
                )
                .order_by(InboundMessage.received_at)
                .limit(limit)
            ).scalars()
            broadcasts = s.execute(
                select(Campaign.id, Campaign.name, func.count(CampaignContactStatus.id))  # type: ignore[call-overload]
                .join(CampaignContactStatus, col(CampaignContactStatus.campaign_id) == Campaign.id)
                .where(
                    Campaign.tenant_id == t,
                    col(Campaign.status).in_(("scheduled", "in_progress")),
                    Campaign.scheduled_at <= now,
                    CampaignContactStatus.status == "pending",
                )
                .group_by(Campaign.id, Campaign.name)
                .limit(limit)
            ).all()
            bare_accounts = s.execute(
                select(Client.id)  # type: ignore[call-overload]
                .where(
                    Client.tenant_id == t,
                    Client.active,
                    ~select(Contact.id).where(Contact.client_id == Client.id).exists(),
                )
                .limit(limit)
            ).scalars()
            deferred = s.execute(
                select(DeferredAction)  # type: ignore[call-overload]
                .where(
                    DeferredAction.tenant_id == t,
                    DeferredAction.status == "pending",
                    DeferredAction.not_before_hour <= inp.hour,
                )
                .order_by(DeferredAction.created_at)
                .limit(limit)
            ).scalars()
            return CycleContext(
                tenant_id=t,
                hour=inp.hour,
                goals=self._pace(s, t, now),
                new_orders=tuple(new_orders),
                open_order_exceptions=exceptions,
                engagement_total=total,
                engagement_overdue=overdue,
                touch_candidates=touches,
                stalled_deals=tuple(
                    DealItem(
                        id=d.id,
                        title=d.title,
                        stage=d.stage,
                        contact_id=d.contact_id,
                        email=c.email if c else None,
                        follow_up_count=d.follow_up_count,
                    )
                    for d, c in stalled
                ),
                quotes_due=tuple(
                    QuoteItem(
                        id=q.id,
                        contact_id=q.contact_id,
                        email=c.email if c else None,
                        amount=float(q.amount or 0),
                        follow_up_count=q.follow_up_count,
                    )
                    for q, c in quotes
                ),
                open_deals=n_deals,
                pipeline_value=value,
                pipeline_thin=n_deals < self._s.agent.pipeline_thin_below,
                compliance_due=tuple(
                    ComplianceItem(
                        id=c.id,
                        entity_type=c.entity_type,
                        entity_id=c.entity_id,
                        due_at=c.due_at,
                        missing_fields=tuple(c.missing_fields or ()),
                    )
                    for c in compliance
                ),
                client_requests=tuple(
                    ClientRequest(
                        message_id=m.message_id,
                        contact_id=m.contact_id,
                        from_email=m.from_email,
                        subject=m.subject[:300],
                        excerpt=m.body[:2000],
                    )
                    for m in requests
                ),
                inbox_unprocessed=unprocessed,
                broadcasts_due=tuple(BroadcastItem(id=i, name=n, pending=p) for i, n, p in broadcasts),
                accounts_without_contacts=tuple(bare_accounts),
                deferred=tuple(
                    ProposedAction.model_validate({**d.action, "origin": "deferred"}) for d in deferred
                ),
            )

    # --- the policy guard --------------------------------------------------------------------

    def _facts(self, s: Session, inp: GuardInput, now: datetime) -> PolicyFacts:
        """The facts the rules for this action's kind read (only those are queried)."""
        a, t = inp.action, inp.tenant_id
        violations, behind, thin = 0, False, False
        if a.kind == ActionKind.RESEARCH:
            violations = metrics.count_rows(
                s, EngagementClock, t, EngagementClock.compliance_status == "overdue"
            )
            behind = any(g.behind for g in self._pace(s, t, now))
            thin = self._open_deals(s, t)[0] < self._s.agent.pipeline_thin_below
        request_text = None
        if a.source_message_id:
            m = s.execute(
                select(InboundMessage).where(
                    InboundMessage.tenant_id == t, InboundMessage.message_id == a.source_message_id
                )  # type: ignore[call-overload]
            ).scalar()
            from_client = (
                m is not None
                and metrics.count_rows(s, Contact, t, func.lower(Contact.email) == m.from_email.lower()) > 0
            )
            request_text = f"{m.subject}\n{m.body}" if m is not None and from_client else None
        compliance_due = False
        if a.target_type == "compliance_check":
            c = s.get(ComplianceCheck, a.target_id)
            compliance_due = bool(
                c
                and c.tenant_id == t
                and c.status in ("pending", "overdue")
                and c.due_at <= now + COMPLIANCE_WINDOW
            )
        suppression = None
        if a.to_email:
            suppression = s.execute(
                select(EmailSuppression.reason).where(
                    EmailSuppression.tenant_id == t, EmailSuppression.email == a.to_email.strip().lower()
                )  # type: ignore[call-overload]
            ).scalar()
        kind = policy.rate_kind(a.kind)
        used, cap = 0, None
        if kind is not None:
            cap = self._caps(s, t)[kind]
            used = (
                s.execute(
                    select(RateLimitWindow.count).where(
                        RateLimitWindow.tenant_id == t,
                        RateLimitWindow.kind == kind,
                        RateLimitWindow.window == inp.hour,
                    )  # type: ignore[call-overload]
                ).scalar()
                or 0
            )
        return PolicyFacts(
            engagement_violations=violations,
            goals_behind_pace=behind,
            pipeline_thin=thin,
            request_text=request_text,
            compliance_due=compliance_due,
            suppression=suppression,
            rate_used=used,
            rate_cap=cap,
        )

    def _reserve(self, s: Session, tenant_id: str, kind: str, window: str, cap: int) -> bool:
        """Atomically count one use of ``kind`` in the hour if under ``cap`` (seed 004 P0.6)."""
        stmt = _ins(RateLimitWindow).values(
            id=stable_id(tenant_id, kind, window), tenant_id=tenant_id, kind=kind, window=window, count=1
        )
        stmt = stmt.on_conflict_do_update(
            constraint="uq_rate_tenant_kind_window",
            set_={"count": RateLimitWindow.__table__.c.count + 1},  # type: ignore[attr-defined]
            where=RateLimitWindow.__table__.c.count < cap,  # type: ignore[attr-defined]
        ).returning(RateLimitWindow.__table__.c.count)  # type: ignore[attr-defined]
        return cap > 0 and s.execute(stmt).first() is not None  # type: ignore[call-overload]

    def _violation(self, s: Session, inp: GuardInput, rule: str, reason: str, blocked: bool) -> None:
        a = inp.action
        s.execute(
            _ins(PolicyViolation)
            .values(
                id=stable_id(inp.tenant_id, a.key, rule, inp.hour),
                tenant_id=inp.tenant_id,
                run_id=inp.run_id,
                action_key=a.key,
                action_type=a.kind.value,
                action_data=a.model_dump(mode="json", exclude={"body"}),
                rule=rule,
                reason=reason,
                blocked=blocked,
                created_at=datetime.now(UTC),
            )
            .on_conflict_do_update(
                constraint="uq_violation_action_rule",
                set_={"run_id": inp.run_id, "reason": reason, "created_at": datetime.now(UTC)},
            )
        )

    @activity.defn(name="guard_action")
    def guard_action(self, inp: GuardInput) -> GuardResult:
        """Kill switches, then the policy engine, then the rate-limit reservation, for one action.

        Writes the verdict to ``agent_run_actions`` in the same transaction (a retry returns it),
        blocks to ``agent_policy_violations`` (blocked=true) and deferrals there too (blocked=false)
        plus ``agent_deferred_actions`` for the next hour (seed 004 P0.3, P0.6).
        """
        a, now = inp.action, datetime.now(UTC)
        with permanent_db_errors(), Session(self._engine) as s:
            done = s.execute(
                select(AgentRunAction).where(
                    AgentRunAction.run_id == inp.run_id, AgentRunAction.action_key == a.key
                )  # type: ignore[call-overload]
            ).scalar()
            if done is not None:
                return GuardResult(
                    verdict=done.verdict,
                    rule=(done.detail or {}).get("rule"),
                    reason=(done.detail or {}).get("reason", ""),
                )  # type: ignore[arg-type]
            sw = self._switches(s, inp.tenant_id)
            if not sw.enabled:
                result = GuardResult(verdict="halt", rule="kill_switch", reason=sw.reason or "")
            else:
                facts = self._facts(s, inp, now)
                d = policy.evaluate(a, facts)
                result = GuardResult(verdict=d.verdict, rule=d.rule, reason=d.reason)
                kind = policy.rate_kind(a.kind)
                if d.allowed and kind is not None and facts.rate_cap is not None:
                    cap = facts.rate_cap  # read by _facts for this kind
                    if not self._reserve(s, inp.tenant_id, kind, inp.hour, cap):
                        result = GuardResult(
                            verdict="defer",
                            rule="rate_limit",
                            reason=f"{kind} limit {cap}/hour reached; deferred to next hour",
                        )
                if result.verdict in ("block", "defer"):
                    self._violation(
                        s, inp, result.rule or "policy", result.reason, blocked=result.verdict == "block"
                    )
                if result.verdict == "defer":
                    action = a.model_dump(mode="json", exclude={"origin"})
                    stmt = _ins(DeferredAction).values(
                        id=stable_id(inp.tenant_id, a.key),
                        tenant_id=inp.tenant_id,
                        action_key=a.key,
                        action=action,
                        not_before_hour=next_hour(inp.hour),
                        status="pending",
                        deferrals=1,
                        created_at=now,
                    )
                    s.execute(
                        stmt.on_conflict_do_update(
                            constraint="uq_deferred_tenant_action",
                            set_={
                                "not_before_hour": next_hour(inp.hour),
                                "status": "pending",
                                "deferrals": DeferredAction.__table__.c.deferrals + 1,
                            },  # type: ignore[attr-defined]
                        )
                    )
            self._record_action(
                s,
                inp.run_id,
                inp.tenant_id,
                a,
                result.verdict,
                None,
                {"rule": result.rule, "reason": result.reason},
            )
            s.commit()
        if result.verdict != "allow":
            log.info(
                "action not allowed",
                tenant_id=inp.tenant_id,
                kind=a.kind.value,
                verdict=result.verdict,
                rule=result.rule,
            )
        return result

    def _record_action(
        self,
        s: Session,
        run_id: str,
        tenant_id: str,
        a: ProposedAction,
        verdict: str | None,
        outcome: str | None,
        detail: dict[str, Any] | None,
    ) -> None:
        values: dict[str, Any] = {}
        if verdict is not None:
            values["verdict"] = verdict
        if outcome is not None:
            values["outcome"] = outcome
        if detail is not None:
            values["detail"] = detail
        stmt = _ins(AgentRunAction).values(
            id=stable_id(run_id, a.key),
            run_id=run_id,
            tenant_id=tenant_id,
            action_key=a.key,
            kind=a.kind.value,
            target_type=a.target_type,
            target_id=a.target_id,
            origin=a.origin,
            verdict=verdict or "allow",
            outcome=outcome,
            detail=detail,
            created_at=datetime.now(UTC),
        )
        s.execute(stmt.on_conflict_do_update(constraint="uq_run_action", set_=values))

    # --- Act: the non-email actions ----------------------------------------------------------

    @activity.defn(name="perform_action")
    def perform_action(self, inp: PerformInput) -> ActionOutcome:
        """Perform an allowed non-email action: process_order, create_task, research,
        contact_discovery, sandbox_job. Idempotent on the action key."""
        a = inp.action
        with permanent_db_errors(), Session(self._engine) as s:
            if a.kind == ActionKind.PROCESS_ORDER:
                out = self._process_order(s, inp)
            elif a.kind == ActionKind.CREATE_TASK:
                s.execute(
                    _ins(AgentTask)
                    .values(
                        id=stable_id(inp.tenant_id, a.key),
                        tenant_id=inp.tenant_id,
                        action_key=a.key,
                        title=a.title or a.subject or "Task",
                        reason=(a.task_reason or "client_request"),
                        target_type=a.target_type if not a.source_message_id else "message",
                        target_id=a.source_message_id or a.target_id,
                        status="open",
                        created_at=datetime.now(UTC),
                    )
                    .on_conflict_do_nothing()
                )
                out = ActionOutcome(outcome="task_created", detail={"reason": str(a.task_reason)})
            elif a.kind in (ActionKind.RESEARCH, ActionKind.CONTACT_DISCOVERY):
                s.execute(
                    _ins(ResearchJob)
                    .values(
                        id=stable_id(inp.tenant_id, a.key),
                        tenant_id=inp.tenant_id,
                        action_key=a.key,
                        kind=a.kind.value,
                        target_type=a.target_type,
                        target_id=a.target_id,
                        status="queued",
                        created_at=datetime.now(UTC),
                    )
                    .on_conflict_do_nothing()
                )
                out = ActionOutcome(outcome="queued")
            else:
                out = ActionOutcome(
                    outcome="unsupported",
                    detail={"reason": f"no runner for {a.kind.value} yet (seed 004 P2.2)"},
                )
            self._record_action(s, inp.run_id, inp.tenant_id, a, None, out.outcome, {**out.detail})
            self._deferred_done(s, inp.tenant_id, a)
            s.commit()
            return out

    def _process_order(self, s: Session, inp: PerformInput) -> ActionOutcome:
        """Validate one order (seed 004 P0.5): apply safe auto-fixes, record exceptions."""
        t = inp.tenant_id
        order = s.get(Order, inp.action.target_id)
        if order is None or order.tenant_id != t:
            return ActionOutcome(outcome="skipped", detail={"reason": "order not found"})
        product = (
            s.execute(
                select(Product).where(Product.tenant_id == t, Product.code == order.product_code)
            ).scalar()
            if order.product_code
            else None
        )  # type: ignore[call-overload]
        client = s.get(Client, order.client_id) if order.client_id else None
        credit = None
        if client is not None:
            outstanding = s.execute(
                select(func.coalesce(func.sum(Order.total_amount), 0)).where(  # type: ignore[call-overload]
                    Order.tenant_id == t,
                    Order.client_id == client.id,
                    Order.billing_method == "bill",
                    Order.payment_status != "paid",
                    Order.status != "cancelled",
                    Order.id != order.id,
                )
            ).one()[0]
            credit = ClientCredit(
                active=client.active,
                credit_limit=client.credit_limit,
                outstanding_balance=Decimal(outstanding),
            )
        review = review_order(
            OrderFacts(
                id=order.id,
                product_code=order.product_code,
                fee_amount=order.fee_amount,
                tech_fee=order.tech_fee,
                total_amount=order.total_amount,
                billing_method=order.billing_method,  # type: ignore[arg-type]
                property_address=order.property_address,
                borrower_name=order.borrower_name,
                borrower_email=order.borrower_email,
                borrower_phone=order.borrower_phone,
                property_contact_name=order.property_contact_name,
                property_contact_phone=order.property_contact_phone,
            ),
            CatalogEntry(code=product.code, fee=product.fee, tech_fee=product.tech_fee) if product else None,
            credit,
        )
        status = "validated" if review.ok else "exception"
        values: dict[str, Any] = {f.field: f.new for f in review.fixes}
        s.execute(update(Order).where(col(Order.id) == order.id).values(processing_status=status, **values))  # type: ignore[call-overload]
        s.execute(
            _ins(OrderProcessing)
            .values(
                id=stable_id(t, order.id),
                tenant_id=t,
                order_id=order.id,
                status=status,
                auto_fixes=[f.model_dump(mode="json") for f in review.fixes],
                run_id=inp.run_id,
                processed_at=datetime.now(UTC),
            )
            .on_conflict_do_nothing()
        )
        for issue in review.issues:
            s.execute(
                _ins(OrderException)
                .values(
                    id=stable_id(t, order.id, issue.code),
                    tenant_id=t,
                    order_id=order.id,
                    kind=issue.kind,
                    code=issue.code,
                    message=issue.message,
                    created_at=datetime.now(UTC),
                )
                .on_conflict_do_nothing()
            )
        return ActionOutcome(
            outcome=status,
            detail={"issues": [i.code for i in review.issues], "auto_fixes": [f.field for f in review.fixes]},
        )

    def _deferred_done(self, s: Session, tenant_id: str, a: ProposedAction) -> None:
        if a.origin == "deferred":
            s.execute(
                update(DeferredAction)
                .where(col(DeferredAction.tenant_id) == tenant_id, col(DeferredAction.action_key) == a.key)
                .values(status="done")
            )  # type: ignore[call-overload]

    @activity.defn(name="record_email_outcome")
    def record_email_outcome(self, inp: EmailOutcomeInput) -> None:
        """After ``send_email``: a sent email touches the contact's engagement clock; a deal or
        quote follow-up counts (next one in 3 days); the run action gets its outcome."""
        a, now = inp.action, datetime.now(UTC)
        with permanent_db_errors(), Session(self._engine) as s:
            if inp.status == "sent":
                contact_id = a.target_id if a.target_type == "contact" else None
                followed = {"deal": Deal, "quote": Quote}.get(a.target_type)
                row = s.get(followed, a.target_id) if followed else None
                if followed is not None and row is not None and row.tenant_id == inp.tenant_id:
                    contact_id = row.contact_id
                    s.execute(
                        update(followed)
                        .where(col(followed.id) == row.id)
                        .values(
                            follow_up_count=followed.follow_up_count + 1,
                            next_follow_up_at=now + QUOTE_FOLLOW_UP_EVERY,
                        )
                    )  # type: ignore[call-overload]
                if contact_id:
                    self._touch(s, inp.tenant_id, contact_id, now, "email", "agent")
            self._record_action(s, inp.run_id, inp.tenant_id, a, None, inp.status, {"detail": inp.detail})
            self._deferred_done(s, inp.tenant_id, a)
            s.commit()

    def _touch(self, s: Session, tenant_id: str, contact_id: str, at: datetime, kind: str, by: str) -> None:
        """Record a touch: the clock restarts its 21 days (seed 004 P0.4 recordEngagementTouch)."""
        contact = s.get(Contact, contact_id)
        if contact is None or contact.tenant_id != tenant_id:
            return
        st = engagement.touch(None, at)
        values = {
            "last_touch_at": at,
            "last_touch_type": kind,
            "last_touch_by": by,
            "next_touch_due_at": st.next_due_at,
            "compliance_status": st.status,
            "days_overdue": 0,
            "priority_score": 0.0,
            "updated_at": at,
        }
        stmt = _ins(EngagementClock).values(
            id=stable_id(tenant_id, contact_id),
            tenant_id=tenant_id,
            contact_id=contact_id,
            client_id=contact.client_id,
            **values,
        )
        s.execute(stmt.on_conflict_do_update(constraint="uq_clock_tenant_contact", set_=values))

    # --- broadcasts (seed 004 P1.2) ----------------------------------------------------------

    @activity.defn(name="prepare_broadcast")
    def prepare_broadcast(self, inp: PerformInput) -> BroadcastBatch:
        """The next batch of a due campaign: pending contacts, at most ``batch_size`` and only as
        many as the hour's email quota allows (each reserved here). Suppressed contacts are skipped."""
        t, cid = inp.tenant_id, inp.action.target_id
        with permanent_db_errors(), Session(self._engine) as s:
            camp = s.get(Campaign, cid)
            if camp is None or camp.tenant_id != t:
                return BroadcastBatch(campaign_id=cid, subject="", body="")
            s.execute(
                update(Campaign)
                .where(col(Campaign.id) == cid, col(Campaign.status) == "scheduled")
                .values(status="in_progress")
            )  # type: ignore[call-overload]
            rows = s.execute(
                select(CampaignContactStatus, Contact)  # type: ignore[call-overload]
                .join(Contact, col(Contact.id) == CampaignContactStatus.contact_id)
                .where(CampaignContactStatus.campaign_id == cid, CampaignContactStatus.status == "pending")
                .order_by(CampaignContactStatus.contact_id)
                .limit(min(camp.batch_size, self._s.agent.fanout_batch * 10))
            ).all()
            cap = self._caps(s, t)["email"]
            sends, deferred = [], 0
            for st, c in rows:
                key = f"{t}:broadcast:{cid}:{c.id}"
                reason = None if c.email else "no email address"
                if (
                    c.email
                    and s.execute(
                        select(EmailSuppression.reason).where(
                            EmailSuppression.tenant_id == t, EmailSuppression.email == c.email.lower()
                        )
                    ).scalar()
                ):  # type: ignore[call-overload]
                    reason = "suppressed"
                if reason:
                    s.execute(
                        update(CampaignContactStatus)
                        .where(col(CampaignContactStatus.id) == st.id)
                        .values(status="skipped", detail=reason, updated_at=datetime.now(UTC))
                    )  # type: ignore[call-overload]
                    continue
                if not self._reserve(s, t, "email", inp.hour, cap):
                    deferred += 1
                    continue
                sends.append(BroadcastSend(contact_id=c.id, key=key, to_email=c.email))
            s.commit()
            return BroadcastBatch(
                campaign_id=cid, subject=camp.subject, body=camp.body, sends=tuple(sends), deferred=deferred
            )

    @activity.defn(name="record_broadcast")
    def record_broadcast(self, inp: BroadcastRecordInput) -> ActionOutcome:
        """Per-contact delivery status; the campaign completes when nobody is pending."""
        now = datetime.now(UTC)
        with permanent_db_errors(), Session(self._engine) as s:
            for r in inp.results:
                s.execute(
                    update(CampaignContactStatus)
                    .where(
                        col(CampaignContactStatus.campaign_id) == inp.campaign_id,
                        col(CampaignContactStatus.contact_id) == r.contact_id,
                    )
                    .values(status=r.status, outbox_key=r.key, updated_at=now)
                )  # type: ignore[call-overload]
                if r.status == "sent":
                    self._touch(s, inp.tenant_id, r.contact_id, now, "broadcast", "agent")
            pending = s.execute(
                select(func.count()).where(
                    CampaignContactStatus.campaign_id == inp.campaign_id,
                    CampaignContactStatus.status == "pending",
                )
            ).one()[0]  # type: ignore[call-overload]
            if pending == 0:
                s.execute(
                    update(Campaign)
                    .where(col(Campaign.id) == inp.campaign_id)
                    .values(status="completed", completed_at=now)
                )  # type: ignore[call-overload]
            counts = Counter(r.status for r in inp.results)
            out = ActionOutcome(
                outcome="batch_sent", detail={**counts, "deferred": inp.deferred, "pending": pending}
            )
            self._record_action(s, inp.run_id, inp.tenant_id, inp.action, None, out.outcome, dict(out.detail))
            s.commit()
            return out

    # --- React -------------------------------------------------------------------------------

    @activity.defn(name="react")
    def react(self, inp: ReactInput) -> ReactSummary:
        """Ingest outcomes (seed 004 "React"): bounces and opt-outs join the suppression list,
        replies touch the engagement clock, order updates change the order's status; counts the
        run's credit failures and email outcomes."""
        t, now = inp.tenant_id, datetime.now(UTC)
        counts: Counter[str] = Counter()
        with permanent_db_errors(), Session(self._engine) as s:
            msgs = (
                s.execute(
                    select(InboundMessage)
                    .where(InboundMessage.tenant_id == t, col(InboundMessage.processed_at).is_(None))
                    .order_by(InboundMessage.received_at)
                    .limit(500)  # type: ignore[call-overload]
                )
                .scalars()
                .all()
            )
            for m in msgs:
                related = m.related or {}
                if m.kind in ("bounce", "opt_out"):
                    addr = (related.get("recipient") or m.from_email).strip().lower()
                    s.execute(
                        _ins(EmailSuppression)
                        .values(
                            id=stable_id(t, addr),
                            tenant_id=t,
                            email=addr,
                            reason="bounce" if m.kind == "bounce" else "opt_out",
                            source=m.message_id,
                            created_at=now,
                        )
                        .on_conflict_do_nothing()
                    )
                    counts["bounces" if m.kind == "bounce" else "opt_outs"] += 1
                elif m.kind == "reply":
                    contact = s.execute(
                        select(Contact).where(
                            Contact.tenant_id == t, func.lower(Contact.email) == m.from_email.lower()
                        )
                    ).scalar()  # type: ignore[call-overload]
                    if contact is not None:
                        self._touch(s, t, contact.id, m.received_at, "reply", contact.email or "")
                    counts["replies"] += 1
                elif m.kind == "order_update" and related.get("order_id"):
                    s.execute(
                        update(Order)
                        .where(col(Order.id) == related["order_id"], col(Order.tenant_id) == t)
                        .values(status=str(related.get("status", "updated"))[:30])
                    )  # type: ignore[call-overload]
                    counts["order_updates"] += 1
                s.execute(
                    update(InboundMessage).where(col(InboundMessage.id) == m.id).values(processed_at=now)
                )  # type: ignore[call-overload]
            credit = s.execute(
                select(func.count())
                .select_from(OrderException)
                .join(OrderProcessing, col(OrderProcessing.order_id) == OrderException.order_id)  # type: ignore[call-overload]
                .where(
                    OrderException.tenant_id == t,
                    OrderException.kind == "credit",
                    OrderProcessing.run_id == inp.run_id,
                )
            ).one()[0]
            emails = dict(
                s.execute(
                    select(OutboxEmail.status, func.count())
                    .where(OutboxEmail.run_id == inp.run_id)
                    .group_by(OutboxEmail.status)
                ).all()
            )  # type: ignore[call-overload]
            s.commit()
        return ReactSummary(credit_failures=credit, emails=emails, **counts)

    # --- Reflect -----------------------------------------------------------------------------

    @activity.defn(name="reflect")
    def reflect(self, inp: ReflectInput) -> None:
        """Finish the run record and write the hourly reflection (seed 004 "Reflect"): what
        changed, which metrics moved since the previous run, what was blocked, next-hour hints.
        Then evaluate the alerts (seed 004 "Alerts to Configure")."""
        now = datetime.now(UTC)
        with permanent_db_errors(), Session(self._engine) as s:
            m = metrics.tenant_snapshot(s, inp.tenant_id, now)
            prev = (
                s.execute(
                    select(AgentRun.metrics)
                    .where(
                        AgentRun.tenant_id == inp.tenant_id,
                        AgentRun.id != inp.run_id,
                        col(AgentRun.metrics).is_not(None),
                    )
                    .order_by(col(AgentRun.started_at).desc())
                    .limit(1)  # type: ignore[call-overload]
                ).scalar()
                or {}
            )
            moved = {k: {"before": prev[k], "after": v} for k, v in m.items() if k in prev and prev[k] != v}
            actions = (
                s.execute(select(AgentRunAction).where(AgentRunAction.run_id == inp.run_id)).scalars().all()
            )  # type: ignore[call-overload]
            executed = Counter(f"{a.kind}:{a.outcome}" for a in actions if a.verdict == "allow" and a.outcome)
            blocked = [
                {
                    "action": a.kind,
                    "target": f"{a.target_type}:{a.target_id}",
                    "verdict": a.verdict,
                    **(a.detail or {}),
                }
                for a in actions
                if a.verdict in ("block", "defer", "halt")
            ]
            hints = self._hints(inp, m, actions)
            s.execute(
                update(AgentRun)
                .where(col(AgentRun.id) == inp.run_id)
                .values(  # type: ignore[call-overload]
                    status=inp.status,
                    phase="done",
                    planner=inp.planner,
                    actions_planned=inp.planned,
                    actions_executed=inp.executed,
                    actions_blocked=inp.blocked,
                    actions_deferred=inp.deferred,
                    error=inp.error or inp.halted_reason,
                    metrics=m,
                    completed_at=now,
                    duration_ms=int((now - inp.started_at).total_seconds() * 1000),
                )
            )
            if inp.status != "skipped":
                values = {
                    "what_changed": {
                        "actions": dict(executed),
                        "react": inp.react.model_dump() if inp.react else {},
                    },
                    "metrics_moved": moved,
                    "blocked": blocked,
                    "next_hour_hints": hints,
                }
                s.execute(
                    _ins(HourlyReflection)
                    .values(
                        id=stable_id(inp.run_id),
                        run_id=inp.run_id,
                        tenant_id=inp.tenant_id,
                        hour=inp.hour,
                        created_at=now,
                        **values,
                    )
                    .on_conflict_do_update(index_elements=["run_id"], set_=values)
                )
            s.commit()
            metrics.raise_alerts(
                s,
                evaluate_alerts(metrics.alert_inputs(s, inp.tenant_id, now, self._s.agent.violation_spike)),
                hour=hour_start(inp.hour),
            )

    @staticmethod
    def _hints(inp: ReflectInput, m: dict[str, Any], actions: Any) -> list[str]:
        hints = []
        if inp.halted_reason:
            hints.append(f"halted: {inp.halted_reason}; no actions until the switch is back on")
        deferred = sum(1 for a in actions if a.verdict == "defer")
        if deferred:
            hints.append(f"{deferred} action(s) deferred by rate limits run first next hour")
        if m.get("engagement_overdue"):
            hints.append(f"{m['engagement_overdue']} contact(s) still past their 21-day touch")
        if m.get("open_order_exceptions"):
            hints.append(f"{m['open_order_exceptions']} order exception(s) need a person")
        if m.get("compliance_due"):
            hints.append(f"{m['compliance_due']} compliance check(s) in their window")
        return hints

    # --- fan-out -----------------------------------------------------------------------------

    @activity.defn(name="list_enabled_tenants")
    def list_enabled_tenants(self, inp: TenantPage) -> list[str]:
        """Enabled tenant ids starting with ``prefix``, after ``after`` in id order, at most ``limit``."""
        with Session(self._engine) as s:
            return list(
                s.execute(
                    select(Tenant.id)
                    .where(Tenant.agent_enabled, Tenant.id > inp.after, col(Tenant.id).startswith(inp.prefix))
                    .order_by(Tenant.id)
                    .limit(inp.limit)
                ).scalars()  # type: ignore[call-overload]
            )
