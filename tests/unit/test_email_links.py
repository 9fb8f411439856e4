"""Links in planned emails may only point at the tenant's own domains (issue 11, Build 9):
workflows/cycle/links.py finds and parses them, the policy rule ``email_links`` blocks."""

from __future__ import annotations

import pytest

from workflows.cycle.actions import ActionKind, PolicyFacts, ProposedAction
from workflows.cycle.links import foreign_links
from workflows.cycle.planner import plan
from workflows.cycle.policy import email_links_rule, evaluate

OWN = ("tenant.test", "bücher.test")
FACTS = PolicyFacts(tenant_domains=OWN)


def email(body: str, subject: str = "Hello", kind: ActionKind = ActionKind.SEND_EMAIL) -> ProposedAction:
    return ProposedAction(
        key="t:2026-01-01T10:k",
        kind=kind,
        target_type="contact",
        target_id="c1",
        to_email="ann@client.test",
        subject=subject,
        body=body,
    )


@pytest.mark.parametrize(
    "text",
    [
        "Your report: https://tenant.test/reports/1",
        "See https://portal.tenant.test/x?y=1#z",  # a subdomain
        "https://TENANT.TEST/Path",
        "Plain link tenant.test/docs and www.tenant.test.",
        "Ports do not matter: https://tenant.test:8443/a",
        "IDN: https://bücher.test/a and https://xn--bcher-kva.test/b and shop.bücher.test",
        "Write to sales@tenant.test.",
        "Version 1.2, e.g. soon, i.e. next week, 3 p.m.",
        "No links at all.\n\nBest regards",
        "",
    ],
)
def test_links_to_the_tenants_domains_pass(text: str) -> None:
    assert foreign_links(text, OWN) == []
    assert email_links_rule(email(text), FACTS) is None


@pytest.mark.parametrize(
    ("text", "host"),
    [
        ("https://evil.com/login", "evil.com"),
        ("https://tenant.test@evil.com/", "evil.com"),  # userinfo: the host is evil.com
        ("https://tenant.test:pw@evil.com/", "evil.com"),
        ("http://evil.com\\@tenant.test/", "evil.com"),  # a backslash is a slash (WHATWG)
        ("https://evil.com#@tenant.test", "evil.com"),
        ("https://evil.com?@tenant.test", "evil.com"),
        ("https://tenant.test.evil.com/", "tenant.test.evil.com"),  # a suffix is not a subdomain
        ("https://eviltenant.test/", "eviltenant.test"),
        ("https://tеnant.test/", "xn--tnant-zwe.test"),  # Cyrillic "е": another domain
        ("https://xn--tnant-zwe.test/", "xn--tnant-zwe.test"),
        ("https://evil。com/", "evil.com"),  # ideographic full stop reads as a dot
        ("https://evil.com:443/", "evil.com"),
        ("https://evil.com:8443/", "evil.com"),
        ("Visit www.evil.com today", "www.evil.com"),  # scheme-less, auto-linked by clients
        ("evil.com/login", "evil.com"),
        ("evil.co:8080/x", "evil.co"),
        ("//evil.com/x", "evil.com"),  # protocol-relative
        ("<a href='https://evil.com'>tenant.test</a>", "evil.com"),
        ('<a href="//evil.com">x</a>', "evil.com"),
        ("http://127.0.0.1/admin", "127.0.0.1"),
        ("http://0x7f.1/", "127.0.0.1"),
        ("10.0.0.1/x", "10.0.0.1"),
        ("mail sales@evil.com", "evil.com"),
        ("javascript:alert(document.cookie)", "javascript:"),
        ("data:text/html;base64,PHNjcmlwdD4=", "data:"),
        ("vbscript:msgbox", "vbscript:"),
        ("ftp://tenant.test/file", "ftp:"),  # only http(s), even to the tenant's host
        ("file:///etc/passwd", "file:"),
        ("mailto:boss@tenant.test", "mailto:"),
    ],
)
def test_links_elsewhere_are_blocked(text: str, host: str) -> None:
    assert foreign_links(text, OWN), text
    d = email_links_rule(email(f"Hi Ann,\n\n{text}\n\nBest"), FACTS)
    assert d is not None and d.verdict == "block" and d.rule == "email_links"
    assert d.reason.endswith(f"outside the tenant's domains: {host}"), d.reason


def test_a_link_in_the_subject_counts_and_the_reason_counts_links() -> None:
    d = email_links_rule(email("see https://a.evil.com and b.evil.com", subject="x.evil.com"), FACTS)
    assert d is not None and d.reason == "3 links outside the tenant's domains: x.evil.com"


def test_a_tenant_without_domains_may_send_no_links() -> None:
    assert email_links_rule(email("https://tenant.test/"), PolicyFacts()) is not None
    assert email_links_rule(email("Thanks, talk soon."), PolicyFacts()) is None


def test_only_email_kinds_are_judged_and_follow_ups_are() -> None:
    task = ProposedAction(
        key="k", kind=ActionKind.CREATE_TASK, target_type="contact", target_id="c1", title="https://evil.com"
    )
    assert email_links_rule(task, FACTS) is None
    assert email_links_rule(email("https://evil.com", kind=ActionKind.FOLLOW_UP), FACTS) is not None


def test_evaluate_blocks_before_the_rate_limit() -> None:
    d = evaluate(email("https://evil.com"), PolicyFacts(tenant_domains=OWN, rate_used=5, rate_cap=5))
    assert (d.verdict, d.rule) == ("block", "email_links")


def test_the_rule_planners_own_emails_have_no_links() -> None:
    from workflows.cycle.context import CycleContext, TouchCandidate

    ctx = CycleContext(
        tenant_id="t",
        hour="2026-01-01T10",
        touch_candidates=(
            TouchCandidate(contact_id="c1", name="Ann", email="ann@client.test", days_overdue=5),
        ),
    )
    emails = [a for a in plan(ctx, max_touches=5) if a.kind is ActionKind.SEND_EMAIL]
    assert emails and all(email_links_rule(a, PolicyFacts()) is None for a in emails)
