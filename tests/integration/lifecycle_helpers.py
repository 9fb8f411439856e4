"""A tenant's audit trail and data for the export, erasure and retention tests (issue 16):
two data subjects, each with an operation (a stored screenshot and checkpoint, a step audit row,
a confirmation), a consent, an outgoing and an inbound email (raw blob), written as the
application role writes them."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field

from core.keys import load_keyring_sync
from core.mail_store import MailBlobs
from core.objectstore import ObjectStore
from core.operation_keys import OperationKeyrings
from core.settings import get_settings
from core.vault import VaultStore
from schema.agent import OutboxEmail
from schema.db import get_engine, tenant_transaction
from schema.inbox import InboundMessage
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
    raw_key = MailBlobs(settings, VaultStore(settings)).put_all(tenant, {sha: raw})[sha]
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
