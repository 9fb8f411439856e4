"""Mail attachments to the documents library (issue 13 item 9), agent worker.

``hand_off_mail_attachments(AttachmentsInput) -> AttachmentsResult``: for each message of the
mailbox still marked ``attachments_pending`` (set when the sync batch committed it), read the
raw message from the object store, parse it again and add each attachment through the library's
one write path (``schema.repositories.documents.add_document``, as ``activities/documents.py``'s
``ingest_document`` does, but without the file bytes travelling through workflow history):
``source_type`` ``email_attachment``, ``source_ref`` ``{inbound message id}:{index}`` (idempotent
on (tenant, source_type, source_ref)), then start its extraction (``doc-{tenant}-{id}``, a second
start is a no-op) and clear the flag. A crash anywhere redoes only idempotent steps; the flag is
in the database, so a batch whose result Temporal never heard still gets its attachments handed.
A type the library does not take (images, calendar files) is skipped and counted.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import Engine
from temporalio import activity
from temporalio.client import Client

from activities.inbox.mime import MalformedMail, parse
from activities.operations import permanent_db_errors
from core import doc_types
from core.document_store import DocumentBlobs
from core.mail_store import MailBlobs, ObjectNotFound
from core.settings import Settings
from core.vault import VaultStore
from schema.db import tenant_transaction
from schema.repositories import documents as docs_repo
from schema.repositories import inbound
from workflows.documents import DocumentRef, start_extraction
from workflows.inbox.messages import AttachmentsInput, AttachmentsResult


class MailAttachmentActivities:
    def __init__(self, settings: Settings, engine: Engine, vault: VaultStore, client: Client) -> None:
        self._settings, self._engine, self._client = settings, engine, client
        self._mail, self._docs = MailBlobs(settings, vault), DocumentBlobs(settings, vault)

    def _pending(self, inp: AttachmentsInput) -> list[tuple[str, str | None]]:
        with tenant_transaction(self._engine, inp.tenant_id) as s:
            rows = inbound.pending_attachments(s, inp.tenant_id, inp.connection_id, inp.limit)
            return [(r.id, r.raw_blob_key) for r in rows]

    def _add(self, tenant_id: str, message_pk: str, blob_key: str | None) -> tuple[list[str], int]:
        """Add the message's attachments; (document ids, skipped count). Does not clear the flag."""
        try:
            mail = parse(self._mail.get(tenant_id, blob_key or ""))
        except (MalformedMail, ObjectNotFound, ValueError):
            return [], 0
        cap = self._settings.inbox.max_attachments
        ids: list[str] = []
        skipped = max(0, len(mail.attachments) - cap)
        for i, a in enumerate(mail.attachments[:cap]):
            try:
                with permanent_db_errors(), tenant_transaction(self._engine, tenant_id) as s:
                    doc, _ = docs_repo.add_document(
                        s, self._docs, tenant_id, a.data, self._settings.documents.allowed_types,
                        filename=a.filename, title=a.filename, category="email_attachment",
                        source_type="email_attachment", source_ref=f"{message_pk}:{i}",
                    )  # fmt: skip
                    s.commit()
                    ids.append(doc.id)
            except doc_types.UnsupportedType:
                skipped += 1
        return ids, skipped

    def _done(self, tenant_id: str, message_pk: str) -> None:
        with permanent_db_errors(), tenant_transaction(self._engine, tenant_id) as s:
            inbound.attachments_done(s, tenant_id, message_pk)
            s.commit()

    @activity.defn(name="hand_off_mail_attachments")
    async def hand_off_mail_attachments(self, inp: AttachmentsInput) -> AttachmentsResult:
        pending = await asyncio.to_thread(self._pending, inp)
        documents = skipped = 0
        for message_pk, blob_key in pending:
            ids, n_skipped = await asyncio.to_thread(self._add, inp.tenant_id, message_pk, blob_key)
            for doc_id in ids:
                await start_extraction(self._client, DocumentRef(inp.tenant_id, doc_id))
            await asyncio.to_thread(self._done, inp.tenant_id, message_pk)
            documents, skipped = documents + len(ids), skipped + n_skipped
            activity.heartbeat(message_pk)
        return AttachmentsResult(messages=len(pending), documents=documents, skipped=skipped)

    def all(self) -> list[object]:
        return [self.hand_off_mail_attachments]
