"""The policy engine: hard guardrails every proposed action passes before it is performed
(seed 004 P0.3, guardrails 1 and 2).

Pure: no I/O, clock or environment. The ``guard_action`` activity reads :class:`PolicyFacts` fresh
and calls :func:`evaluate`; each rule is a small function that returns a decision or ``None``.
Blocking rules come before the rate limit, so a blocked action never waits for or uses quota.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from workflows.cycle.actions import (
    EMAIL_KINDS,
    ActionKind,
    PolicyDecision,
    PolicyFacts,
    ProposedAction,
    RateKind,
    TaskReason,
)
from workflows.cycle.links import WEB, foreign_links, host_of
from workflows.cycle.send_window import send_window_rule

_I = re.IGNORECASE

SENSITIVE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "destructive operation",
        re.compile(
            r"\b(?:delete|drop|truncate|wipe)\b(?:\W+\w+){0,3}?\W+(?:all|tables?|databases?|accounts?|records?)\b",
            _I,
        ),
    ),
    (
        "money movement",
        re.compile(
            r"\b(?:wire\s+transfer|wire\s+(?:the\s+)?funds|bank\s+account|routing\s+number|gift\s+cards?)\b",
            _I,
        ),
    ),
    ("credentials", re.compile(r"\b(?:passwords?|passcodes?|one[-\s]time\s+(?:pass)?code|2fa\s+code)\b", _I)),
    ("identity", re.compile(r"\b(?:social\s+security|ssn)\b", _I)),
    ("payment card", re.compile(r"\b(?:credit\s+card\s+number|card\s+number|cvv)\b", _I)),
)
"""(group name, pattern) pairs for text no automated action may carry (seed 004 P0.3). Matching is
case-insensitive; decisions name the group, never the matched text."""


def sensitive_group(text: str | None) -> str | None:
    """The name of the first :data:`SENSITIVE_PATTERNS` group ``text`` matches, else ``None``
    (``None`` or empty text never matches). Used by the rule and by planners to keep their own
    wording safe (seed 004 P0.3)."""
    if not text:
        return None
    for name, pattern in SENSITIVE_PATTERNS:
        if pattern.search(text):
            return name
    return None


# --- Explicit client requests (guardrail 1) --------------------------------------------------

_APOS = r"['\u2019]"
_REQUEST_FORM = (
    r"\b(?:can\s+you|could\s+you|would\s+you|please|kindly|can\s+we|could\s+we"
    rf"|i{_APOS}d\s+like(?:\s+you)?\s+to|i\s+would\s+like(?:\s+you)?\s+to|let{_APOS}s)"
)
# Up to three filler words ("please", "give me a", "set up a"), none a negation or a new subject,
# so "please do not call" and "please note we will review" are not requests.
_FILLER = r"(?:\W+(?!(?:not|don|never|no|i|we|they|he|she|will|would|should|might|may)\b)\w+){0,3}?"
_ACTION = (
    r"\W+(?:call|ring|phone|meet|schedule|send|review|visit|email|follow[\s-]+up|set\s+up|arrange|book)\b"
)
_EXPLICIT_REQUEST = (
    re.compile(_REQUEST_FORM + _FILLER + _ACTION, _I),
    # Imperatives at the start of a sentence or clause: "Call me tomorrow", "Thanks, email me".
    re.compile(r"(?:^|[.!?,;:\n]\s*)(?:please\s+)?(?:call|ring|phone|email|text)\s+(?:me|us)\b", _I),
)


def is_explicit_request(text: str | None) -> bool:
    """Whether a client's message explicitly asks us to do something human: call, meet, schedule,
    send, review, visit, email or follow up (seed 004 guardrail 1, P0.3).

    A heuristic of two regexes, not a language model: a request form ("can you", "could you",
    "would you", "please", "kindly", "can we", "could we", "I'd like (you) to", "let's") followed
    within three words by an action verb, or an imperative "call me" / "email me" opening a
    sentence or clause.
    Negations ("please do not call") and new subjects ("please note we will review") break the
    span. ``None`` or empty text is never a request. Examples: "Can you call me Thursday?" -> True;
    "We should call them" -> False; "Thanks for the update" -> False.
    """
    if not text or not text.strip():
        return False
    return any(p.search(text) for p in _EXPLICIT_REQUEST)


def rate_kind(kind: ActionKind) -> RateKind | None:
    """The rate-limit bucket an action kind draws from: "email" (send_email, follow_up), "research"
    (research, contact_discovery), "sandbox" (sandbox_job), else ``None`` (broadcast batches
    reserve email quota per message elsewhere) (seed 004 P0.3 rate limits)."""
    if kind in EMAIL_KINDS:
        return "email"
    if kind in (ActionKind.RESEARCH, ActionKind.CONTACT_DISCOVERY):
        return "research"
    if kind is ActionKind.SANDBOX_JOB:
        return "sandbox"
    return None


# --- Rules: (action, facts) -> decision, or None when the rule has nothing to say ----------


def _block(rule: str, reason: str) -> PolicyDecision:
    return PolicyDecision(verdict="block", rule=rule, reason=reason)


def sensitive_pattern_rule(action: ProposedAction, facts: PolicyFacts) -> PolicyDecision | None:
    """Block (rule "sensitive_pattern") any action whose subject, body, title or reason matches a
    :data:`SENSITIVE_PATTERNS` group; the reason names the group, never the text (seed 004 P0.3)."""
    for text in (action.subject, action.body, action.title, action.reason):
        group = sensitive_group(text)
        if group is not None:
            return _block("sensitive_pattern", f"matches sensitive pattern: {group}")
    return None


def human_task_rule(action: ProposedAction, facts: PolicyFacts) -> PolicyDecision | None:
    """create_task only: allow on an explicit client request (``facts.request_text``), a compliance
    deadline (``facts.compliance_due``) or a safety escalation (``action.safety``); otherwise block
    (rule "human_task") saying which condition failed (seed 004 guardrail 1, P0.3)."""
    if action.kind is not ActionKind.CREATE_TASK:
        return None
    match action.task_reason:
        case TaskReason.CLIENT_REQUEST:
            if not facts.request_text:
                return _block("human_task", "client_request cited but no client message was found")
            if not is_explicit_request(facts.request_text):
                return _block("human_task", "client_request cited but the message is not an explicit request")
        case TaskReason.COMPLIANCE_DUE:
            if not facts.compliance_due:
                return _block("human_task", "compliance_due cited but no compliance deadline is due")
        case TaskReason.SAFETY_ESCALATION:
            if not action.safety:
                return _block("human_task", "safety_escalation cited but the action is not marked safety")
        case _:
            return _block("human_task", "no client request, compliance deadline or safety escalation")
    return None


def research_rule(action: ProposedAction, facts: PolicyFacts) -> PolicyDecision | None:
    """research only (contact_discovery is always allowed): block (rule "research") while any
    contact's 21-day clock is overdue, or when goals are on pace and the pipeline is healthy
    (seed 004 guardrail 2, P0.3)."""
    if action.kind is not ActionKind.RESEARCH:
        return None
    n = facts.engagement_violations
    if n > 0:
        return _block(
            "research", f"engagement list not exhausted: {n} contact{'s' if n != 1 else ''} overdue"
        )
    if not (facts.goals_behind_pace or facts.pipeline_thin):
        return _block("research", "goals on pace and pipeline healthy")
    return None


def suppression_rule(action: ProposedAction, facts: PolicyFacts) -> PolicyDecision | None:
    """Email kinds only (send_email, follow_up): block (rule "suppression") a suppressed recipient
    (bounce, opt_out, complaint, manual) or a missing recipient (seed 004 P0.3)."""
    if action.kind not in EMAIL_KINDS:
        return None
    if facts.suppression is not None:
        return _block("suppression", f"recipient suppressed: {facts.suppression}")
    if not action.to_email or not action.to_email.strip():
        return _block("suppression", "no recipient")
    return None


def email_links_rule(action: ProposedAction, facts: PolicyFacts) -> PolicyDecision | None:
    """Email kinds only (send_email, follow_up): block (rule "email_links") an email whose subject
    or body links anywhere but the tenant's domains (``facts.tenant_domains``) or their
    subdomains, over http(s); a tenant with no domains may send no links. Links are found and
    parsed as :mod:`workflows.cycle.links` explains; the reason names the first foreign host (or
    scheme) and how many links were foreign, never a whole URL (issue 11, Build 9)."""
    if action.kind not in EMAIL_KINDS:
        return None
    found = [
        *foreign_links(action.subject, facts.tenant_domains),
        *foreign_links(action.body, facts.tenant_domains),
    ]
    if not found:
        return None
    parsed = host_of(found[0])
    where = "an unparsable link" if parsed is None else parsed[1] if parsed[0] in WEB else parsed[0]
    n = len(found)
    return _block("email_links", f"{n} link{'s' if n != 1 else ''} outside the tenant's domains: {where}")


def rate_limit_rule(action: ProposedAction, facts: PolicyFacts) -> PolicyDecision | None:
    """Defer (rule "rate_limit") a rate-limited kind once ``facts.rate_used`` reaches
    ``facts.rate_cap`` for the current hour; no cap means no limit (seed 004 P0.3 rate limits)."""
    bucket = rate_kind(action.kind)
    if bucket is None or facts.rate_cap is None or facts.rate_used < facts.rate_cap:
        return None
    return PolicyDecision(
        verdict="defer",
        rule="rate_limit",
        reason=f"{bucket} limit {facts.rate_cap}/hour reached; deferred to next hour",
    )


def follow_up_owner_rule(action: ProposedAction, facts: PolicyFacts) -> PolicyDecision | None:
    """Blocks any email to a quote or a deal: their follow-up workflows (``quote-{tenant}-{quote}``,
    ``deal-{tenant}-{deal}``, seed 004 P1.4/P1.5) are the only senders, so a client never gets
    two follow-ups for one quote or deal (issue 9, part 7). Other kinds and targets pass."""
    if action.kind in EMAIL_KINDS and action.target_type in ("quote", "deal"):
        return _block(
            "follow_up_owner",
            f"{action.target_type} follow-ups are sent by its follow-up workflow, not the cycle",
        )
    return None


Rule = Callable[[ProposedAction, PolicyFacts], PolicyDecision | None]

RULES: tuple[Rule, ...] = (
    follow_up_owner_rule,
    sensitive_pattern_rule,
    human_task_rule,
    research_rule,
    suppression_rule,
    email_links_rule,
    send_window_rule,
    rate_limit_rule,
)
"""The rules in evaluation order: blocks before the deferring send window and rate limit."""


def evaluate(action: ProposedAction, facts: PolicyFacts) -> PolicyDecision:
    """The first decision of :data:`RULES` in order, else allow (seed 004 P0.3)."""
    for rule in RULES:
        decision = rule(action, facts)
        if decision is not None:
            return decision
    return PolicyDecision(verdict="allow")
