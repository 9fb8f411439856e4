"""Mailbox ingestion settings (issue 13; env ``OMNIOPS_INBOX__*``)."""

from __future__ import annotations

from pydantic import BaseModel, Field

OAUTH_PROVIDERS = ("gmail", "microsoft365")


class InboxSettings(BaseModel):
    """Mailbox connections and the ``MailboxSync`` workflow (seed 004 P0.2: every 5 minutes)."""

    sync_every_s: int = 300
    """Each connection's schedule interval, seconds (5 minutes, seed 004 P0.2)."""
    sync_jitter_s: int = 60
    """Each run starts up to this many seconds after its interval (spreads 1,000 connections)."""
    batch_size: int = 500
    """Messages fetched, stored and committed per batch (one transaction each; was 100: a bigger
    batch spreads a commit's round trips over more messages, bench/mail_sync.py --sweep)."""
    batches_per_activity: int = 20
    """Batches one activity commits in one IMAP session (login, SELECT and the server's index
    opening are paid once per session, not per batch). 20 (was 10): 10,000 messages a session at
    500; each session costs about 220 ms before its first FETCH (connection row, Vault, login,
    and a read-only SELECT of 151 ms on a 5,000-message Dovecot Maildir) and about 60 ms of
    storing after its last FETCH (session 30's in-process timeline, bench/mail_sync.py). A
    session's activity must still finish within its 600 s start-to-close: a timed-out one keeps
    its committed batches (the checkpoint) and the retry goes on from there."""
    batches_per_run: int = 20
    """Activities before ``MailboxSync`` continues as new (history stays small in big mailboxes)."""
    max_message_bytes: int = 25 * 1024 * 1024
    """A larger message (RFC822.SIZE, bytes) is recorded ``failed`` without its body (25 MiB)."""
    fetch_bytes: int = 32 * 1024 * 1024
    """Bytes of message bodies asked for in one IMAP FETCH at most (memory bound per round trip)."""
    understand_threads: int = Field(default=4, ge=1)
    """Understanding activities at once per inbox worker process (``python -m workers.run inbox``;
    its pool's threads): each holds a pooled DB connection only while it claims a page and while
    it applies the page's effects, not across the LLM calls between."""
    claim_lease_s: float = Field(default=600.0, ge=30.0)
    """How long an understanding page's claim holds, seconds (migration 0027): a crashed
    understander's rows are taken by the next one after this. 600 s: ``route_messages``'s
    start-to-close timeout (``workflows.inbox.activities.BATCH_S``), so a live attempt's claim
    does not run out while it may still be working (even if one does, none is routed twice)."""
    timeout_s: float = 60.0
    """IMAP socket and OAuth token request timeout, seconds."""
    max_attachments: int = 20
    """Attachments of one message handed to the documents library at most."""
    auth_failures_alert: int = 3
    """Consecutive syncs refused at login (auth_failed, token_expired, revoked) that raise the
    ``mailbox_auth_failures`` alert (seed 004 P0.7.3, issue 13 Build 10)."""
    oauth_token_urls: dict[str, str] = Field(
        default_factory=lambda: {
            "gmail": "https://oauth2.googleapis.com/token",
            "microsoft365": "https://login.microsoftonline.com/common/oauth2/v2.0/token",
        }
    )
    """Each XOAUTH2 provider's OAuth 2.0 token endpoint (RFC 6749 section 6 refresh grant), by
    provider name (``OAUTH_PROVIDERS``); a connection made with ``provider`` uses this URL. The
    local stack and the tests point both at the local OAuth peer (devstack/dovecot_oauth2.py)."""
