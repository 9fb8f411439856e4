"""Quota and rate-limit answers of IMAP providers (issue 13 Build 10) tell apart from others."""

from __future__ import annotations

import pytest

from activities.inbox.imap import provider_limit


@pytest.mark.parametrize(
    "answer",
    [
        "b'[OVERQUOTA] Quota exceeded (Mailbox full)'",
        "NO [THROTTLED] Request is throttled. Suggested Backoff Time: 60000 milliseconds",
        "NO [LIMIT] Too many concurrent connections",
        "Too many simultaneous connections. (Failure)",
        "BYE Maximum number of connections from user+IP exceeded (mail_max_userip_connections=10)",
    ],
)
def test_limit_answers_are_recognised(answer: str) -> None:
    assert provider_limit(Exception(answer)) == " ".join(answer.split())[:200]


@pytest.mark.parametrize("answer", ["[AUTHENTICATIONFAILED] Invalid credentials (Failure)", "socket closed"])
def test_other_answers_are_not(answer: str) -> None:
    assert provider_limit(Exception(answer)) is None
