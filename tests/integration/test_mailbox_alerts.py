"""Mailbox provider alerts (issue 13 Build 10, seed 004 P0.7.3) on the real stack: Dovecot,
Postgres, Temporal and the agent worker. Three consecutive syncs refused at login raise one
``mailbox_auth_failures`` alert (a fourth adds none); the next successful sync resolves it and
resets the count. A provider's quota or rate-limit answer raises one ``mailbox_provider_limit``
alert however often it comes, and a successful sync resolves it too."""

from __future__ import annotations

import secrets
from typing import Any

import pytest

from activities.inbox import sync_status
from activities.inbox.imap import provider_limit
from devstack.stack import Stack
from schema.db import get_engine
from schema.platform import AgentAlert
from tests.integration.cycle_helpers import rows
from tests.integration.mail_helpers import connect_mailbox, connection, mailbox, sync, tenant_id
from workflows.inbox.messages import SyncBatchInput

pytestmark = pytest.mark.stack


def alerts(t: str, kind: str) -> list[AgentAlert]:
    return rows(AgentAlert, scope=t, kind=kind)


async def test_repeated_login_refusals_alert_once_and_a_good_sync_resolves(
    inbox_api: Any, agent_stack: Stack
) -> None:
    t = tenant_id()
    user, password = mailbox(agent_stack, t)
    conn = await connect_mailbox(inbox_api, agent_stack, t, user, password)
    agent_stack.add_mailbox(user, secrets.token_urlsafe(18))  # the provider revokes the password
    for _ in range(2):
        assert (await sync(t, conn["id"])).status == "auth_failed"
    assert alerts(t, "mailbox_auth_failures") == []
    for _ in range(2):
        assert (await sync(t, conn["id"])).status == "auth_failed"
    [alert] = alerts(t, "mailbox_auth_failures")
    assert (alert.severity, alert.resolved_at, alert.data["connection_id"]) == ("critical", None, conn["id"])
    assert alert.data["failures"] == 3 and password not in alert.message
    assert connection(t, conn["id"]).auth_failures == 4

    agent_stack.add_mailbox(user, password)
    assert (await sync(t, conn["id"])).status == "connected"
    [alert] = alerts(t, "mailbox_auth_failures")
    assert alert.resolved_at is not None and alert.resolved_by == "mailbox_sync"
    assert connection(t, conn["id"]).auth_failures == 0


async def test_a_provider_limit_alerts_once_and_a_good_sync_resolves(
    inbox_api: Any, agent_stack: Stack
) -> None:
    t = tenant_id()
    user, password = mailbox(agent_stack, t)
    conn = await connect_mailbox(inbox_api, agent_stack, t, user, password)
    inp = SyncBatchInput(tenant_id=t, connection_id=conn["id"], batch_size=10)
    answers = [
        "NO [THROTTLED] Account exceeded command or bandwidth limits",
        "BYE Maximum number of connections from user+IP exceeded (mail_max_userip_connections=10)",
    ]
    for answer in answers:
        limit = provider_limit(Exception(answer))
        assert limit is not None
        assert sync_status.limited(get_engine(), inp, limit).status == "throttled"
    [alert] = alerts(t, "mailbox_provider_limit")
    assert alert.severity == "warning" and "THROTTLED" in alert.message
    assert connection(t, conn["id"]).status == "not_configured"  # the status is left alone
    assert (await sync(t, conn["id"])).status == "connected"
    assert alerts(t, "mailbox_provider_limit")[0].resolved_at is not None
