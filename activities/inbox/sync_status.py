"""A sync that could not read the mailbox (issue 13 Builds 1 and 10; seed 004 P0.7.1, P0.7.3):
the connection's status is recorded, and the provider alerts raised (deduplicated, resolved by
the next successful sync in ``MailboxSyncActivities._commit``):

- :func:`record`: a refused login or a configuration problem; the ``inbox.auth_failures_alert``-th
  consecutive login refusal raises ``mailbox_auth_failures``;
- :func:`limited`: a quota or rate limit; ``mailbox_provider_limit``, the sync ends ``throttled``
  and the connection's status stays as it was.

Reasons are the server's or our words with secret-sounding words masked; never a secret.
"""

from __future__ import annotations

import re

from sqlalchemy import Engine

from activities.operations import permanent_db_errors
from core.inbox_settings import InboxSettings
from schema.db import tenant_transaction
from schema.repositories import mailbox_alerts, mailboxes
from schema.tables import utcnow
from workflows.inbox.messages import SyncBatchInput, SyncBatchResult

_SECRET_WORDS = re.compile(r"(?i)(password|secret|token)")


def record(
    engine: Engine, cfg: InboxSettings, inp: SyncBatchInput, status: str, reason: str
) -> SyncBatchResult:
    """Record ``status`` (with ``reason``) on the connection; alert as the module says."""
    t, cid = inp.tenant_id, inp.connection_id
    with permanent_db_errors(), tenant_transaction(engine, t) as s:
        failures = mailboxes.set_status(s, t, cid, status, _SECRET_WORDS.sub("***", reason))
        if status in mailboxes.LOGIN_REFUSED and failures >= cfg.auth_failures_alert:
            message = f"{failures} consecutive mailbox syncs refused at login ({status})"
            kind = mailbox_alerts.AUTH_FAILURES
            mailbox_alerts.raise_once(s, t, cid, kind, message, utcnow(), failures=failures, status=status)
        s.commit()
    return SyncBatchResult(status=status)


def limited(engine: Engine, inp: SyncBatchInput, answer: str) -> SyncBatchResult:
    """The provider refused for a quota or rate limit (``answer``: its words): alert, ``throttled``."""
    t, cid = inp.tenant_id, inp.connection_id
    with permanent_db_errors(), tenant_transaction(engine, t) as s:
        message = "the mail provider refused for a quota or rate limit: " + _SECRET_WORDS.sub("***", answer)
        mailbox_alerts.raise_once(s, t, cid, mailbox_alerts.PROVIDER_LIMIT, message, utcnow())
        s.commit()
    return SyncBatchResult(status="throttled")
