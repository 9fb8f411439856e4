"""The deterministic rule-based planner (seed 004 P0, P1.2); quote and deal follow-ups belong to
their follow-up workflows (issue 9, part 7), never to the planner."""

from __future__ import annotations

from datetime import UTC, datetime

from workflows.cycle.actions import ActionKind, PolicyFacts, ProposedAction, TaskReason
from workflows.cycle.context import (
    BroadcastItem,
    ClientRequest,
    ComplianceItem,
    CycleContext,
    DealItem,
    GoalPace,
    QuoteItem,
    TouchCandidate,
)
from workflows.cycle.planner import plan
from workflows.cycle.policy import evaluate

T, H = "t1", "2025-03-01T10"
BEHIND = GoalPace(metric="orders", target=100, actual=10, expected=40)


def ctx(**kw: object) -> CycleContext:
    return CycleContext(tenant_id=T, hour=H, **kw)


def touch_candidate(cid: str, days: int, score: float, email: str | None = "x@example.com") -> TouchCandidate:
    return TouchCandidate(contact_id=cid, email=email, name=f"Name {cid}", days_overdue=days, score=score)


def full_ctx() -> CycleContext:
    return ctx(
        new_orders=("o1", "o2"),
        client_requests=(
            ClientRequest(
                message_id="m1",
                contact_id="c9",
                from_email="a@x.com",
                subject="Call",
                excerpt="Can you call me?",
            ),
        ),
        compliance_due=(
            ComplianceItem(
                id="k1", entity_type="order", entity_id="o7", due_at=datetime(2025, 3, 2, tzinfo=UTC)
            ),
        ),
        touch_candidates=(
            touch_candidate("c1", 30, 60),
            touch_candidate("c2", 3, 6),
            touch_candidate("c3", 9, 18),
        ),
        engagement_overdue=3,
        stalled_deals=(DealItem(id="d1", title="Renewal", stage="proposal", email="d@x.com"),),
        quotes_due=(QuoteItem(id="q1", email="q@x.com", amount=1200.0),),
        broadcasts_due=(
            BroadcastItem(id="b1", name="Spring", pending=40),
            BroadcastItem(id="b2", name="Done", pending=0),
        ),
        accounts_without_contacts=("a1",),
        goals=(BEHIND,),
    )


def test_full_plan_kinds_in_priority_order() -> None:
    actions = plan(full_ctx())
    assert [a.kind for a in actions] == [
        ActionKind.PROCESS_ORDER,
        ActionKind.PROCESS_ORDER,
        ActionKind.CREATE_TASK,
        ActionKind.CREATE_TASK,
        ActionKind.SEND_EMAIL,
        ActionKind.SEND_EMAIL,
        ActionKind.SEND_EMAIL,
        ActionKind.SEND_BROADCAST_BATCH,
        ActionKind.CONTACT_DISCOVERY,
    ]
    priorities = [a.priority for a in actions]
    assert priorities == sorted(priorities, reverse=True)
    assert [a.target_id for a in actions if a.kind is ActionKind.SEND_EMAIL] == ["c1", "c3", "c2"]


def test_keys_are_stable_and_scoped() -> None:
    first, second = plan(full_ctx()), plan(full_ctx())
    assert first == second
    keys = {a.key for a in first}
    assert len(keys) == len(first)
    assert {f"{T}:order:o1", f"{T}:client-request:m1", f"{T}:compliance-task:k1"} <= keys
    assert f"{T}:{H}:touch:c1" in keys
    assert not any(":deal-follow-up:" in k or ":quote-follow-up:" in k for k in keys)
    assert {f"{T}:{H}:broadcast:b1", f"{T}:{H}:discovery:a1"} <= keys


def test_next_hour_changes_hourly_keys_only() -> None:
    now = {a.key for a in plan(full_ctx())}
    later = {a.key for a in plan(full_ctx().model_copy(update={"hour": "2025-03-01T11"}))}
    assert now & later == {
        f"{T}:order:o1",
        f"{T}:order:o2",
        f"{T}:client-request:m1",
        f"{T}:compliance-task:k1",
    }


def test_deferred_first_and_not_duplicated() -> None:
    deferred = ProposedAction(
        key=f"{T}:2025-03-01T09:touch:c2",
        kind=ActionKind.SEND_EMAIL,
        target_type="contact",
        target_id="c2",
        to_email="x@example.com",
        subject="Checking in",
        body="Hi",
        priority=61,
    )
    actions = plan(full_ctx().model_copy(update={"deferred": (deferred,)}))
    assert actions[0].key == deferred.key and actions[0].origin == "deferred"
    assert [a.target_id for a in actions if a.kind is ActionKind.SEND_EMAIL] == ["c2", "c1", "c3"]
    assert all(a.origin == "rules" for a in actions[1:])


def test_deferred_touches_count_towards_max_touches() -> None:
    deferred = ProposedAction(
        key=f"{T}:old:touch:c1",
        kind=ActionKind.SEND_EMAIL,
        target_type="contact",
        target_id="c1",
        to_email="x@y.z",
    )
    c = full_ctx().model_copy(update={"deferred": (deferred,)})
    touches = [a for a in plan(c, max_touches=2) if a.kind is ActionKind.SEND_EMAIL]
    assert [a.target_id for a in touches] == ["c1", "c3"]


def test_touches_respect_max_and_need_an_email() -> None:
    c = ctx(
        touch_candidates=(
            touch_candidate("a", 5, 99, email=None),
            touch_candidate("b", 5, 10),
            touch_candidate("c", 5, 5),
        )
    )
    touches = plan(c, max_touches=1)
    assert [a.target_id for a in touches] == ["b"]
    assert touches[0].to_email == "x@example.com" and "Name b" in (touches[0].body or "")
    assert touches[0].priority == 60 + 5 // 3


def test_touch_priority_caps_at_70() -> None:
    (a,) = plan(ctx(touch_candidates=(touch_candidate("a", 400, 1),)))
    assert a.priority == 70


def test_research_only_when_exhausted_and_behind() -> None:
    def research(c: CycleContext) -> list[ProposedAction]:
        return [a for a in plan(c) if a.kind is ActionKind.RESEARCH]

    assert research(ctx(engagement_overdue=2, goals=(BEHIND,), pipeline_thin=True)) == []
    assert research(ctx(engagement_overdue=0)) == []
    (r,) = research(ctx(engagement_overdue=0, goals=(BEHIND,)))
    assert r.key == f"{T}:{H}:research" and r.priority == 20
    assert len(research(ctx(engagement_overdue=0, pipeline_thin=True))) == 1


def test_stalled_deals_and_due_quotes_are_never_planned() -> None:
    """Their follow-up workflows are the only senders (issue 9, part 7): even with recipients,
    a stalled deal or a quote due a follow-up gives no action."""
    deals = tuple(
        DealItem(id=f"d{n}", title="Renewal", stage="proposal", email="d@x.com", follow_up_count=n)
        for n in range(5)
    )
    quotes = tuple(
        QuoteItem(id=f"q{n}", email="q@x.com", amount=100.0, follow_up_count=n) for n in (0, 1, 3, 9)
    )
    assert plan(ctx(stalled_deals=deals, quotes_due=quotes)) == []


def test_no_task_for_a_non_explicit_message() -> None:
    req = ClientRequest(
        message_id="m2", from_email="a@x.com", subject="Thanks", excerpt="We should call them"
    )
    assert plan(ctx(client_requests=(req,))) == []


def test_client_request_task_cites_the_message() -> None:
    req = ClientRequest(
        message_id="m3", from_email="a@x.com", subject="Quote", excerpt="Could you send the quote?"
    )
    (a,) = plan(ctx(client_requests=(req,)))
    assert a.kind is ActionKind.CREATE_TASK and a.task_reason is TaskReason.CLIENT_REQUEST
    assert a.source_message_id == "m3" and a.title == "Quote" and a.target_type == "tenant"


def test_sensitive_subject_is_not_copied_into_a_task_title() -> None:
    req = ClientRequest(
        message_id="m4", from_email="a@x.com", subject="New bank account", excerpt="Please call me"
    )
    (a,) = plan(ctx(client_requests=(req,)))
    assert a.title == "Client request from a@x.com"


def test_rules_plan_passes_the_policy() -> None:
    facts = {
        TaskReason.CLIENT_REQUEST: PolicyFacts(request_text="Can you call me?"),
        TaskReason.COMPLIANCE_DUE: PolicyFacts(compliance_due=True),
    }
    c = full_ctx().model_copy(update={"engagement_overdue": 0})
    for a in plan(c):
        f = facts.get(a.task_reason, PolicyFacts()) if a.task_reason else PolicyFacts(goals_behind_pace=True)
        assert evaluate(a, f).verdict == "allow", a
