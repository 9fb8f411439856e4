"""A tenant's audit trail and data for the export, erasure and retention tests (issue 16):
two data subjects, each with an operation (a stored screenshot and checkpoint, a step audit row,
a confirmation), a consent, an outgoing and an inbound email (raw blob), written as the
application role writes them; and (``write_business``) a subject's personal data in business rows."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlmodel import select

from core.keys import load_keyring_sync
from core.mail_store import MailBlobs
from core.objectstore import ObjectStore
from core.operation_keys import OperationKeyrings
from core.settings import get_settings
from core.vault import VaultStore
from schema.agent import EmailSuppression, OutboxEmail
from schema.business import Contact, Order
from schema.db import get_engine, tenant_transaction
from schema.enrichment import ContactFieldSource
from schema.followups import FeedbackRequest
from schema.inbox import InboundMessage
from schema.signals import OpportunitySignal
from schema.tables import (
    AutonomousConsent,
    AutonomousOperation,
    AutonomousOperationAudit,
    OperationConfirmation,
)
from tests.integration.cycle_helpers import enable

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x01" * 64


def shots() -> ObjectStore:
    """The object store as the browser and agent workers build it (per-operation keyrings)."""
    s = get_settings()
    return ObjectStore(s.object_dir, load_keyring_sync(s), OperationKeyrings(VaultStore(s), ttl_s=0))


@dataclass
class Subject:
    email: str
    op_id: str
    screenshot: str
    checkpoint: str
    raw_key: str


@dataclass
class Trail:
    tenant: str
    subjects: dict[str, Subject] = field(default_factory=dict)


def write_subject(tenant: str, email: str) -> Subject:
    settings, store = get_settings(), shots()
    op = str(uuid.uuid4())
    shot = store.put(f"{tenant}/{op}/step-01-a1-t1.jpg", JPEG + email.encode())
    checkpoint = store.put(f"{tenant}/{op}/checkpoint.json", b'{"url": "https://example.com/wp-admin"}')
    raw = f"From: {email}\r\nSubject: hi\r\nMessage-ID: <{op}@x>\r\n\r\nhello from {email}\r\n".encode()
    sha = hashlib.sha256(raw).hexdigest()
    mail = [(f"{op}:{sha}", raw), (f"{op}:other", b"From: nobody@x\r\n\r\nanother message\r\n")]
    raw_key = MailBlobs(settings, VaultStore(settings)).put_pack(tenant, mail)[0]  # the capture's layout
    with tenant_transaction(get_engine(), tenant) as s:
        s.add(
            AutonomousOperation(
                id=uuid.UUID(op),
                tenant_id=tenant,
                user_id=email,
                service="wordpress",
                operation="app_password",
                status="completed",
                workflow_id=f"op-{tenant}-{op}",
            )
        )
        s.flush()
        for row in (
            AutonomousOperationAudit(
                operation_id=uuid.UUID(op),
                tenant_id=tenant,
                step_number=1,
                intent="login",
                action="click",
                success=True,
                screenshot_key=shot,
            ),
            OperationConfirmation(
                tenant_id=tenant, operation_id=uuid.UUID(op), step_number=1, approved=True, decided_by=email
            ),
            AutonomousConsent(
                tenant_id=tenant, user_id=email, service="wordpress", operation="x", permissions=["a"]
            ),
            OutboxEmail(
                tenant_id=tenant,
                idempotency_key=f"{tenant}-{op}",
                to_email=email,
                subject="Hello",
                body=f"Dear {email}",
                status="sent",
                message_id=f"<{op}@out>",
            ),
            InboundMessage(
                tenant_id=tenant,
                message_id=f"<{op}@x>",
                from_email=email,
                subject="hi",
                body=f"hello from {email}",
                raw_blob_key=raw_key,
                content_hash=sha,
            ),
        ):
            s.add(row)
            s.flush()
        s.commit()
    return Subject(email, op, shot, checkpoint, raw_key)


def write_trail(tenant: str, *emails: str) -> Trail:
    enable(tenant)
    trail = Trail(tenant)
    for e in emails:
        trail.subjects[e] = write_subject(tenant, e)
    return trail


def write_business(tenant: str, email: str) -> None:
    """``email``'s personal data in business rows: a contact (with an enrichment source and an
    opportunity signal from its inbound mail), an order it is the borrower of, a feedback request
    it answered, and a suppression of the address."""
    with tenant_transaction(get_engine(), tenant) as s:
        inbound = s.scalars(select(InboundMessage).where(InboundMessage.from_email == email)).one()
        contact = Contact(tenant_id=tenant, name=f"Name of {email}", email=email, phone="+1 555 0100")
        contact.title, contact.linkedin_url = "CFO", f"https://www.linkedin.com/in/{email.split('@')[0]}"
        order = Order(tenant_id=tenant, borrower_name="B", borrower_email=email, borrower_phone="+1 555 0101")
        s.add_all([contact, order])
        s.flush()
        now = datetime.now(UTC)
        s.add_all(
            [
                ContactFieldSource(
                    tenant_id=tenant,
                    contact_id=contact.id,
                    field="phone",
                    value="+1 555 0100",
                    outcome="set",
                    source="signature",
                    message_id=inbound.message_id,
                    inbound_message_id=inbound.id,
                ),
                OpportunitySignal(
                    tenant_id=tenant,
                    inbound_message_id=inbound.id,
                    contact_id=contact.id,
                    kind="upsell",
                    strength=0.6,
                    evidence=f"{email} wants more seats",
                ),
                FeedbackRequest(
                    tenant_id=tenant,
                    order_id=order.id,
                    contact_email=email,
                    status="responded",
                    delivered_at=now,
                    scheduled_for=now,
                    response=f"great, {email}",
                    sentiment="positive",
                ),
                EmailSuppression(tenant_id=tenant, email=email, reason="opt_out"),
            ]
        )
        s.commit()
