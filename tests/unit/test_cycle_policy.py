"""The policy engine's hard guardrails (seed 004 P0.3): each rule alone, then evaluate's order."""

from __future__ import annotations

import pytest

from workflows.cycle.actions import ActionKind, PolicyFacts, ProposedAction, TaskReason
from workflows.cycle.policy import (
    RULES,
    evaluate,
    follow_up_owner_rule,
    human_task_rule,
    is_explicit_request,
    rate_kind,
    rate_limit_rule,
    research_rule,
    sensitive_pattern_rule,
    suppression_rule,
)


def action(kind: ActionKind = ActionKind.SEND_EMAIL, **kw: object) -> ProposedAction:
    base: dict[str, object] = {
        "key": "t:2025-01-01T10:k",
        "kind": kind,
        "target_type": "contact",
        "target_id": "c1",
    }
    if kind in (ActionKind.SEND_EMAIL, ActionKind.FOLLOW_UP):
        base |= {"to_email": "ann@example.com", "subject": "Checking in", "body": "Hi Ann, how are things?"}
    return ProposedAction(**(base | kw))


def task(reason: TaskReason | None, **kw: object) -> ProposedAction:
    return action(ActionKind.CREATE_TASK, title="Call the client", task_reason=reason, **kw)


# --- is_explicit_request -----------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Can you call me Thursday?",
        "Could you please send the revised quote?",
        "Please call me back",
        "I'd like to schedule a meeting",
        "I\u2019d like you to review the appraisal",
        "Call me tomorrow",
        "Thanks for this. Call me tomorrow.",
        "Can we set up a call next week?",
        "Would you be able to visit the property?",
        "Let's schedule a walkthrough",
    ],
)
def test_explicit_requests_are_recognised(text: str) -> None:
    assert is_explicit_request(text)


@pytest.mark.parametrize(
    "text",
    [
        "We should call them",
        "Thanks for the update",
        "Let me know if you need anything",
        "They might call you",
        "Please do not call me",
        "Please note we will review it internally",
        "The portal lets you schedule inspections",
        "Let us review it and get back to you",
        "",
        "   ",
        None,
    ],
)
def test_non_requests_are_not(text: str | None) -> None:
    assert not is_explicit_request(text)


# --- rate_kind -----------------------------------------------------------------------------


def test_rate_kind_buckets() -> None:
    assert rate_kind(ActionKind.SEND_EMAIL) == "email"
    assert rate_kind(ActionKind.FOLLOW_UP) == "email"
    assert rate_kind(ActionKind.RESEARCH) == "research"
    assert rate_kind(ActionKind.CONTACT_DISCOVERY) == "research"
    assert rate_kind(ActionKind.SANDBOX_JOB) == "sandbox"
    assert rate_kind(ActionKind.SEND_BROADCAST_BATCH) is None
    assert rate_kind(ActionKind.CREATE_TASK) is None
    assert rate_kind(ActionKind.PROCESS_ORDER) is None


# --- sensitive_pattern_rule ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "text", "group"),
    [
        ("body", "Please wire transfer the deposit today", "money movement"),
        ("subject", "Update your bank account details", "money movement"),
        ("body", "Buy three gift cards", "money movement"),
        ("body", "Reply with your password", "credentials"),
        ("body", "Send the one-time code you received", "credentials"),
        ("title", "Collect the borrower SSN", "identity"),
        ("body", "We need your social security number", "identity"),
        ("body", "Confirm the CVV on the back", "payment card"),
        ("reason", "delete all records of the client", "destructive operation"),
        ("body", "We will DROP the database tonight", "destructive operation"),
    ],
)
def test_sensitive_pattern_blocks_and_names_the_group(field: str, text: str, group: str) -> None:
    d = sensitive_pattern_rule(action(**{field: text}), PolicyFacts())
    assert d is not None and d.verdict == "block" and d.rule == "sensitive_pattern"
    assert d.reason == f"matches sensitive pattern: {group}"


def test_sensitive_reason_never_echoes_the_text() -> None:
    d = sensitive_pattern_rule(action(body="My SSN is 123-45-6789, wire funds to me"), PolicyFacts())
    assert d is not None
    assert "123-45-6789" not in d.reason and "SSN" not in d.reason and "wire funds" not in d.reason


def test_ordinary_text_is_not_sensitive() -> None:
    text = "Thanks for the order. Your account manager will drop by on Tuesday to review the records."
    assert sensitive_pattern_rule(action(body=text), PolicyFacts()) is None


# --- human_task_rule ---------------------------------------------------------------------------


def test_client_request_task_allowed_on_explicit_request() -> None:
    facts = PolicyFacts(request_text="Can you call me Thursday?")
    assert human_task_rule(task(TaskReason.CLIENT_REQUEST), facts) is None


def test_client_request_task_blocked_when_not_explicit() -> None:
    d = human_task_rule(task(TaskReason.CLIENT_REQUEST), PolicyFacts(request_text="We should call them"))
    assert d is not None and d.verdict == "block" and d.rule == "human_task"
    assert "not an explicit request" in d.reason


def test_client_request_task_blocked_without_message() -> None:
    d = human_task_rule(task(TaskReason.CLIENT_REQUEST), PolicyFacts(request_text=None))
    assert d is not None and d.verdict == "block" and d.rule == "human_task"


def test_compliance_task_needs_a_due_deadline() -> None:
    assert human_task_rule(task(TaskReason.COMPLIANCE_DUE), PolicyFacts(compliance_due=True)) is None
    d = human_task_rule(task(TaskReason.COMPLIANCE_DUE), PolicyFacts(compliance_due=False))
    assert d is not None and d.verdict == "block" and "compliance" in d.reason


def test_safety_task_needs_the_safety_mark() -> None:
    assert human_task_rule(task(TaskReason.SAFETY_ESCALATION, safety=True), PolicyFacts()) is None
    d = human_task_rule(task(TaskReason.SAFETY_ESCALATION), PolicyFacts())
    assert d is not None and d.verdict == "block" and "safety" in d.reason


def test_task_without_reason_is_blocked() -> None:
    d = human_task_rule(task(None), PolicyFacts(request_text="Can you call me?", compliance_due=True))
    assert d is not None and d.rule == "human_task"
    assert d.reason == "no client request, compliance deadline or safety escalation"


def test_human_task_rule_ignores_other_kinds() -> None:
    assert human_task_rule(action(), PolicyFacts()) is None


# --- research_rule -------------------------------------------------------------------------------


def test_research_blocked_while_contacts_overdue() -> None:
    a = action(ActionKind.RESEARCH, target_type="tenant", target_id="t")
    d = research_rule(a, PolicyFacts(engagement_violations=4, goals_behind_pace=True, pipeline_thin=True))
    assert d is not None and d.verdict == "block" and d.rule == "research"
    assert d.reason == "engagement list not exhausted: 4 contacts overdue"


def test_research_blocked_when_on_pace_and_pipeline_healthy() -> None:
    a = action(ActionKind.RESEARCH, target_type="tenant", target_id="t")
    d = research_rule(a, PolicyFacts())
    assert d is not None and d.verdict == "block" and d.reason == "goals on pace and pipeline healthy"


def test_research_allowed_when_exhausted_and_behind() -> None:
    a = action(ActionKind.RESEARCH, target_type="tenant", target_id="t")
    assert research_rule(a, PolicyFacts(goals_behind_pace=True)) is None
    assert research_rule(a, PolicyFacts(pipeline_thin=True)) is None


def test_contact_discovery_allowed_with_violations() -> None:
    a = action(ActionKind.CONTACT_DISCOVERY, target_type="account", target_id="a1")
    assert research_rule(a, PolicyFacts(engagement_violations=12)) is None
    assert evaluate(a, PolicyFacts(engagement_violations=12)).verdict == "allow"


# --- suppression_rule ------------------------------------------------------------------------------


def test_suppressed_recipient_is_blocked() -> None:
    d = suppression_rule(action(), PolicyFacts(suppression="bounce"))
    assert d is not None and d.verdict == "block" and d.rule == "suppression"
    assert d.reason == "recipient suppressed: bounce"


def test_email_without_recipient_is_blocked() -> None:
    d = suppression_rule(action(ActionKind.FOLLOW_UP, to_email="  "), PolicyFacts())
    assert d is not None and d.reason == "no recipient"


def test_suppression_rule_ignores_non_email_kinds() -> None:
    a = action(ActionKind.SEND_BROADCAST_BATCH, target_type="campaign", target_id="b1")
    assert suppression_rule(a, PolicyFacts(suppression="bounce")) is None


# --- rate_limit_rule ---------------------------------------------------------------------------------


def test_rate_limit_defers_at_cap() -> None:
    d = rate_limit_rule(action(), PolicyFacts(rate_used=5, rate_cap=5))
    assert d is not None and d.verdict == "defer" and d.rule == "rate_limit"
    assert d.reason == "email limit 5/hour reached; deferred to next hour"


def test_rate_limit_allows_below_cap_or_without_cap() -> None:
    assert rate_limit_rule(action(), PolicyFacts(rate_used=4, rate_cap=5)) is None
    assert rate_limit_rule(action(), PolicyFacts(rate_used=400, rate_cap=None)) is None


def test_rate_limit_ignores_unlimited_kinds() -> None:
    a = action(ActionKind.PROCESS_ORDER, target_type="order", target_id="o1")
    assert rate_limit_rule(a, PolicyFacts(rate_used=9, rate_cap=1)) is None


# --- follow_up_owner (issue 9, part 7) -----------------------------------------------------------


@pytest.mark.parametrize("kind", [ActionKind.FOLLOW_UP, ActionKind.SEND_EMAIL])
@pytest.mark.parametrize("target", ["quote", "deal"])
def test_an_email_to_a_quote_or_deal_is_blocked_its_workflow_owns_it(kind: ActionKind, target: str) -> None:
    d = evaluate(action(kind, target_type=target, target_id="x1"), PolicyFacts(rate_used=0, rate_cap=5))
    assert d.verdict == "block" and d.rule == "follow_up_owner" and target in d.reason


def test_other_emails_and_non_email_kinds_pass_the_owner_rule() -> None:
    assert follow_up_owner_rule(action(), PolicyFacts()) is None  # an email to a contact
    task_on_deal = action(ActionKind.CREATE_TASK, target_type="deal", target_id="d1", title="Call")
    assert follow_up_owner_rule(task_on_deal, PolicyFacts()) is None


# --- evaluate ----------------------------------------------------------------------------------------


def test_rules_are_ordered_blocks_before_defer() -> None:
    assert [r.__name__ for r in RULES] == [
        "follow_up_owner_rule",
        "sensitive_pattern_rule",
        "human_task_rule",
        "research_rule",
        "suppression_rule",
        "email_links_rule",
        "send_window_rule",
        "rate_limit_rule",
    ]


def test_sensitive_and_rate_limited_is_blocked_not_deferred() -> None:
    d = evaluate(action(body="Send your password"), PolicyFacts(rate_used=5, rate_cap=5))
    assert d.verdict == "block" and d.rule == "sensitive_pattern"


def test_suppressed_and_rate_limited_is_blocked_not_deferred() -> None:
    d = evaluate(action(), PolicyFacts(suppression="opt_out", rate_used=5, rate_cap=5))
    assert d.verdict == "block" and d.rule == "suppression"


def test_evaluate_allows_a_clean_action() -> None:
    d = evaluate(action(), PolicyFacts(rate_used=1, rate_cap=5))
    assert d.verdict == "allow" and d.allowed and d.rule is None
