"""What a tenant or one data subject holds (issue 16 Builds 2-3): the rows an export archives
and an erasure removes, session-style (a tenant transaction: RLS limits every read).

A data subject is a contact email (core/retention.py ``normal_email``): the operations and
consents its user id is, the outgoing mail to it, the inbound mail from it, the audit rows of
those operations and consents, the chain links of those audit rows, and the business rows that
name it (:func:`business_rows`: exported; an erasure anonymizes them, subject_business.py).
Without a subject: every row of those kinds, plus operator actions, policy blocks and credential
metadata.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, or_, text
from sqlalchemy.orm import Session
from sqlmodel import SQLModel, col, select

from schema.agent import OutboxEmail, PolicyViolation
from schema.business import Contact, Order
from schema.credential_access import CredentialAccess
from schema.enrichment import ContactFieldSource
from schema.followups import FeedbackRequest
from schema.inbox import InboundMessage
from schema.repositories.audit_chain import links
from schema.signals import OpportunitySignal
from schema.tables import (
    AutonomousConsent,
    AutonomousCredential,
    AutonomousOperation,
    AutonomousOperationAudit,
    OperationConfirmation,
    OperatorAuditEntry,
)


@dataclass
class Holdings:
    """Rows by table (``to_jsonb``-like dicts), and the ids the chain knows them by."""

    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    chained_ids: dict[str, list[str]] = field(default_factory=dict)
    """Chained table -> row ids (``audit_chain.source_id``)."""
    operation_ids: list[str] = field(default_factory=list)
    screenshot_keys: list[str] = field(default_factory=list)
    raw_mail_keys: list[str] = field(default_factory=list)

    def add(self, table: str, items: Sequence[SQLModel], chained: bool = False) -> None:
        self.rows[table] = [r.model_dump(mode="json") for r in items]
        if chained:
            self.chained_ids[table] = [str(r["id"]) for r in self.rows[table]]


def _by(model: Any, column: Any, subject: str | None) -> Any:
    stmt = select(model)
    return stmt if subject is None else stmt.where(func.lower(column) == subject)


def holdings(s: Session, tenant_id: str, subject: str | None) -> Holdings:
    """``tenant_id``'s rows of every exported kind, or only ``subject``'s (a normalized email)."""
    h = Holdings()
    ops = list(s.scalars(_by(AutonomousOperation, AutonomousOperation.user_id, subject)))
    h.add("autonomous_operations", ops)
    h.operation_ids = [str(o.id) for o in ops]
    steps = list(
        s.scalars(
            select(AutonomousOperationAudit)
            .where(col(AutonomousOperationAudit.operation_id).in_([o.id for o in ops]))
            .order_by(col(AutonomousOperationAudit.timestamp))
        )
    )
    h.add("autonomous_operations_audit", steps, chained=True)
    h.screenshot_keys = [r.screenshot_key for r in steps if r.screenshot_key]
    confirmations = s.scalars(
        select(OperationConfirmation).where(col(OperationConfirmation.operation_id).in_([o.id for o in ops]))
    )
    h.add("operation_confirmations", list(confirmations), chained=True)
    h.add(
        "autonomous_consent",
        list(s.scalars(_by(AutonomousConsent, AutonomousConsent.user_id, subject))),
        True,
    )
    h.add("email_outbox", list(s.scalars(_by(OutboxEmail, OutboxEmail.to_email, subject))))
    inbound = list(s.scalars(_by(InboundMessage, InboundMessage.from_email, subject)))
    h.add("inbound_messages", inbound)
    h.raw_mail_keys = sorted({m.raw_blob_key for m in inbound if m.raw_blob_key})
    if subject is not None:  # the business rows naming the subject (subject_business.py anonymizes them)
        business_rows(s, h, subject, [str(m.id) for m in inbound])
    if subject is None:
        h.add("agent_policy_violations", list(s.scalars(select(PolicyViolation))), chained=True)
        h.add("autonomous_credentials", list(s.scalars(select(AutonomousCredential))), chained=True)
        actions = s.scalars(select(OperatorAuditEntry).where(OperatorAuditEntry.tenant_id == tenant_id))
        h.add("operator_audit", list(actions), chained=True)
        h.add("credential_access_log", list(s.scalars(select(CredentialAccess))), chained=True)
    return h


def business_rows(s: Session, h: Holdings, subject: str, inbound_ids: list[str]) -> None:
    """Add the subject's contacts, their enrichment sources and opportunity signals (and those read
    from its mail), its feedback requests and the orders it is the borrower of (right of access)."""
    contacts = list(s.scalars(_by(Contact, Contact.email, subject)))
    h.add("contacts", contacts)
    ids = [c.id for c in contacts]
    for name, model in (
        ("contact_field_sources", ContactFieldSource),
        ("opportunity_signals", OpportunitySignal),
    ):
        mine = or_(col(model.contact_id).in_(ids), col(model.inbound_message_id).in_(inbound_ids))
        h.add(name, list(s.scalars(select(model).where(mine))))
    h.add("feedback_requests", list(s.scalars(_by(FeedbackRequest, FeedbackRequest.contact_email, subject))))
    h.add("orders", list(s.scalars(_by(Order, Order.borrower_email, subject))))


def chain_rows(s: Session, tenant_id: str, h: Holdings, whole: bool) -> list[dict[str, Any]]:
    """The chain links covering ``h`` (every link of the tenant when ``whole``), ``seq`` order,
    as ``{seq, source, source_id, op, entry (text or None), entry_hash, prev_hash, hash, at}``."""
    wanted = {(t, i) for t, ids in h.chained_ids.items() for i in ids}
    out = []
    for link in links(s, tenant_id):
        if whole or (link.source, link.source_id) in wanted:
            out.append(
                {
                    "seq": link.seq,
                    "source": link.source,
                    "source_id": link.source_id,
                    "op": link.op,
                    "entry": link.entry_text,
                    "entry_hash": link.entry_hash,
                    "prev_hash": link.prev_hash,
                    "hash": link.hash,
                    "at": link.at.isoformat(),
                }
            )
    return out


DELETED = {"autonomous_operations": "id::text", "email_outbox": "id", "inbound_messages": "id"}
"""Non-audit tables an erasure deletes rows of, and their id column as text (audit rows go
through ``audit_lifecycle.tombstone``)."""


def delete_holdings(s: Session, tenant_id: str, h: Holdings, subject: str | None) -> int:
    """Delete ``h``'s non-audit rows and the export requests of ``subject`` (None: every export
    of the tenant); the rows deleted. Tombstone the audit rows first (operations cascade)."""
    n = 0
    for table, idcol in DELETED.items():
        ids = [str(r["id"]) for r in h.rows.get(table, [])]
        if ids:  # table and column are the constants above
            s.execute(text(f"DELETE FROM {table} WHERE {idcol} = ANY(:ids)"), {"ids": ids})  # noqa: S608
            n += len(ids)
    s.execute(
        text(
            "DELETE FROM audit_exports WHERE tenant_id = :t "
            "AND (CAST(:e AS text) IS NULL OR lower(subject_email) = :e)"
        ),
        {"t": tenant_id, "e": subject},
    )
    return n
