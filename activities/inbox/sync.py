"""The mailbox sync activities (issue 13 Build 2; seed 004 P0.2, P0.6, P0.7.1), agent worker.

``sync_mailbox_batch(SyncBatchInput) -> SyncBatchResult``, exactly once per message:

1. Load the connection; re-vet its host (``core.targets.mailbox_url``, the tenant's allowlist);
   read its secret from Vault (and, for XOAUTH2, an access token from its token endpoint).
   A refused host or a missing secret is ``not_configured``; a refused login ``auth_failed``
   (``token_expired``/``revoked`` from the token endpoint). The status is recorded and returned.
2. Select the folder read-only. A UIDVALIDITY other than the checkpoint's restarts from UID 0:
   every message is fetched again and deduped by Message-ID (``rescanned``).
3. Work through the UIDs after the checkpoint in batches of ``batch_size``, at most
   ``max_batches`` of them in this one IMAP session (a session's first FETCH makes the server
   open its index: about 1 s on a 10,000-message Maildir, so sessions are not per batch). A
   reader thread (``activities.inbox.prefetch``) fetches ahead while this thread seals and
   commits, so the IMAP wait overlaps the storage: per batch ONE FETCH of every message's
   ``RFC822.SIZE`` and first ``fetch_bytes / batch`` bytes (whole for all but the longest), the
   longer ones fetched again whole (their ``Message-ID`` lines cut from the header block,
   ``imap.message_id_lines``; at most ``inbox.fetch_bytes`` a FETCH, a bounded queue: memory
   stays a few FETCHes whatever the batch size). Oversized messages are ``failed`` rows with a
   reason (their header fetched again, their first bytes dropped); the rest ``received`` rows.
   This is the CAPTURE stage only: no MIME parse; ``route_messages`` parses, understands and
   routes the ``received`` rows later (malformed ones become ``failed`` there). Heartbeats go
   on a timer (at most every ``HEARTBEAT_EVERY_S``), also while waiting for the reader.
4. Seal each raw message of a FETCH into ONE pack of the object store (``core.mail_store``: one
   file per FETCH; a retry rewrites the same pack), then in ONE transaction per batch insert the
   rows (an existing (tenant, Message-ID) is skipped) and advance the checkpoint to the batch's
   last UID; after the commit the skipped rows' pack members are zeroed (no row reads them, so
   an erasure could not find them). A crash before the commit leaves the checkpoint where it was
   (the retry fetches the same UIDs, nothing lost); after it, the rows (skipped, not duplicated).
"""

from __future__ import annotations

from typing import Any

from imapclient.exceptions import IMAPClientError
from sqlalchemy import Engine
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.credential_reads import CredentialReader
from activities.inbox import oauth, sync_status
from activities.inbox.capture_state import HEARTBEAT_EVERY_S, SyncStatus, Tally, TimedBeat
from activities.inbox.imap import MailboxAuthError, MailboxLimitError, MailboxSession, provider_limit
from activities.inbox.prefetch import Chunk, Prefetch
from activities.inbox.rows import captured_row, oversized_row, sha256
from activities.operations import permanent_db_errors
from core.failures import Failure
from core.faults import failpoint
from core.mail_store import MailBlobs, Packer
from core.objectstore import delete_objects
from core.settings import Settings
from core.targets import TargetRefused, mailbox_url
from core.vault import VaultStore, mailbox_secret_path
from schema.db import tenant_transaction
from schema.inbox import MailboxConnection
from schema.repositories import inbound, mailbox_alerts, mailboxes, site_allowlist
from schema.tables import utcnow
from workflows.inbox.messages import SyncBatchInput, SyncBatchResult


class MailboxSyncActivities:
    def __init__(self, settings: Settings, engine: Engine, vault: VaultStore) -> None:
        self._settings, self._engine, self._vault = settings, engine, vault
        self._blobs = MailBlobs(settings, vault)

    def _connection(self, inp: SyncBatchInput) -> MailboxConnection:
        with tenant_transaction(self._engine, inp.tenant_id) as s:
            conn = mailboxes.get_connection(s, inp.tenant_id, inp.connection_id)
            if conn is None:
                raise ApplicationError(
                    "mailbox connection deleted", type=Failure.MAILBOX_GONE, non_retryable=True
                )
            try:
                site_allowlist.vet_target(
                    s,
                    inp.tenant_id,
                    mailbox_url(conn.host, conn.port, conn.tls),
                    self._settings.service_ports,
                )
                if conn.token_url:
                    site_allowlist.vet_target(s, inp.tenant_id, conn.token_url, self._settings.service_ports)
            except TargetRefused:
                raise SyncStatus("not_configured", "the mail server is not an allowed target") from None
            s.expunge(conn)
            return conn

    def _login(self, m: MailboxSession, conn: MailboxConnection) -> None:
        path = mailbox_secret_path(conn.tenant_id, conn.id)
        secret = CredentialReader(self._vault, self._engine).read(conn.tenant_id, path, "mailbox_sync")
        if not secret:
            raise SyncStatus("not_configured", "no secret stored for this mailbox")
        if conn.auth_kind == "password":
            m.login(conn.username, str(secret["password"]))
            return
        try:
            token = oauth.access_token(
                str(conn.token_url), str(secret["client_id"]), str(secret["client_secret"]),
                str(secret["refresh_token"]), self._settings.inbox.timeout_s,
            )  # fmt: skip
        except oauth.TokenEndpointUnavailable as e:
            raise ApplicationError(str(e), type="TokenEndpointUnavailable") from None
        m.oauth2_login(conn.username, token)

    @staticmethod
    def _select(m: MailboxSession, folder: str) -> int:
        try:
            return m.select(folder)[0]
        except IMAPClientError as e:
            if (limit := provider_limit(e)) is not None:
                raise MailboxLimitError(limit) from None
            raise SyncStatus("not_configured", "the mailbox folder cannot be selected") from None

    def _record(self, inp: SyncBatchInput, status: str, reason: str) -> SyncBatchResult:
        return sync_status.record(self._engine, self._settings.inbox, inp, status, reason)

    def _limited(self, inp: SyncBatchInput, answer: str) -> SyncBatchResult:
        return sync_status.limited(self._engine, inp, answer)

    @activity.defn(name="sync_mailbox_batch")
    def sync_mailbox_batch(self, inp: SyncBatchInput) -> SyncBatchResult:
        cfg = self._settings.inbox
        try:
            conn = self._connection(inp)
            with MailboxSession(conn.host, conn.port, conn.tls, cfg.timeout_s) as m:
                self._login(m, conn)
                uidvalidity = self._select(m, conn.folder)
                rescan = conn.uidvalidity is not None and conn.uidvalidity != uidvalidity
                after = 0 if rescan else conn.last_uid
                found = m.uids_after(after)
                pending = found[: inp.batch_size * inp.max_batches]
                beat = TimedBeat(HEARTBEAT_EVERY_S)
                beat(after, force=True)
                out = Tally(last_uid=after, rescanned=rescan)
                rows: list[dict[str, Any]] = []
                pack = self._blobs.packer(inp.tenant_id)  # one keyring read for the session
                with Prefetch(m, pending, inp.batch_size, cfg.max_message_bytes, cfg.fetch_bytes) as p:
                    for chunk in p.chunks(beat, HEARTBEAT_EVERY_S):
                        rows += self._store(inp, uidvalidity, chunk, pack)
                        if chunk.ends_batch:
                            rows.sort(key=lambda r: int(r["uid"]))
                            self._commit(inp, uidvalidity, rows, out, first=out.last_uid == after)
                            rows = []
                            beat(out.last_uid)
        except (SyncStatus, MailboxAuthError) as e:
            return self._record(inp, e.status, str(e))
        except MailboxLimitError as e:
            return self._limited(inp, str(e))
        except IMAPClientError as e:  # a quota or rate limit mid-session (else retried)
            if (limit := provider_limit(e)) is None:
                raise
            return self._limited(inp, limit)
        if not pending:  # nothing new: still record that the mailbox answered
            self._commit(inp, uidvalidity, [], out, first=True)
        return SyncBatchResult(status="connected", more=len(found) > len(pending), **out.__dict__)

    def _commit(
        self, inp: SyncBatchInput, uidvalidity: int, rows: list[dict[str, Any]], out: Tally, first: bool
    ) -> None:
        """One batch: its rows and the checkpoint in one transaction (the module docstring, 4);
        the ``first`` of the session also resolves the mailbox's open alerts (it answered)."""
        last = int(rows[-1]["uid"]) if rows else out.last_uid
        failpoint("mailsync.before_commit")
        with permanent_db_errors(), tenant_transaction(self._engine, inp.tenant_id) as s:
            new = set(inbound.insert_captured(s, inp.tenant_id, inp.connection_id, rows))
            dropped = [str(r["raw_blob_key"]) for r in rows if r["id"] not in new and r["raw_blob_key"]]
            dropped = sorted(set(dropped) - inbound.referenced_keys(s, inp.tenant_id, dropped))
            mailboxes.advance(s, inp.tenant_id, inp.connection_id, uidvalidity, last)
            if first:
                mailbox_alerts.resolve(s, inp.tenant_id, inp.connection_id, utcnow())
            s.commit()
        failpoint("mailsync.after_commit")
        delete_objects(self._settings.object_dir, dropped)  # duplicates no row reads (docstring, 4)
        inserted = [r for r in rows if r["id"] in new]
        out.fetched += len(rows)
        out.inserted += len(inserted)
        out.failed += sum(1 for r in inserted if r["status"] == "failed")
        out.last_uid = last

    def _store(
        self, inp: SyncBatchInput, uidvalidity: int, chunk: Chunk, put_pack: Packer
    ) -> list[dict[str, Any]]:
        """Seal the chunk's fetched messages into one pack (``put_pack``: the session's keyring,
        one file) and make their rows; the rows of the chunk's oversized messages (no body:
        nothing sealed)."""
        t, c, limit = inp.tenant_id, inp.connection_id, self._settings.inbox.max_message_bytes
        big = chunk.oversized.items()
        rows = [oversized_row(t, c, uid, size, limit, head, mid) for uid, (size, head, mid) in big]
        got = [(uid, sha256(raw), raw, mid) for uid, (raw, mid) in chunk.bodies.items()]
        pack = [(f"{c}:{uidvalidity}:{uid}:{h}", raw) for uid, h, raw, _ in got]
        keys = put_pack(pack) if got else []
        for (uid, h, raw, mid), key in zip(got, keys, strict=True):
            rows.append(captured_row(t, c, uid, raw, h, key, mid))
        return rows

    def all(self) -> list[object]:
        return [self.sync_mailbox_batch]
