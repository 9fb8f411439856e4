"""A data subject's personal data in the tenant's business rows (issue 16 Build 3, right to
erasure): what :mod:`schema.repositories.subject_data` does not delete because the rows are the
tenant's business records (a contact an account, deal or order still points at, an order, a
feedback request), anonymized in place instead.

For one subject (a normalized email, ``core.retention.normal_email``), in the erasure's tenant
transaction (RLS limits every statement to the tenant):

- ``contacts`` with that email: name emptied, email, title, phone, company, LinkedIn URL and
  address set to NULL, archived (the row and its links to accounts stay);
- ``contact_field_sources`` of those contacts, or read from the subject's inbound mail: deleted
  (each holds a value from the subject's signature);
- ``opportunity_signals`` of those contacts, or found in the subject's inbound mail: deleted (the
  evidence is a sentence the subject wrote);
- ``feedback_requests`` to that email: recipient and free-text response set to NULL (status,
  sentiment and dates stay: the tenant's satisfaction figures);
- ``orders`` whose borrower is that email: borrower name, email and phone set to NULL.

Kept on purpose: the suppression list entry (``email_suppressions``) of the address, so an
erased subject who opted out is never mailed again (GDPR Art. 17(3)(b)/21: honouring the
objection needs the address). The certificate counts every row touched per table.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import text
from sqlalchemy.orm import Session

_CONTACTS = text(
    "UPDATE contacts SET name = '', email = NULL, title = NULL, phone = NULL, company = NULL, "
    "linkedin_url = NULL, address = NULL, archived_at = coalesce(archived_at, now()), "
    "updated_at = now() WHERE lower(email) = :e RETURNING id"
)
_FIELD_SOURCES = text(
    "DELETE FROM contact_field_sources "
    "WHERE contact_id = ANY(:contacts) OR inbound_message_id = ANY(:inbound)"
)
_SIGNALS = text(
    "DELETE FROM opportunity_signals WHERE contact_id = ANY(:contacts) OR inbound_message_id = ANY(:inbound)"
)
_FEEDBACK = text(
    "UPDATE feedback_requests SET contact_email = NULL, response = NULL WHERE lower(contact_email) = :e"
)
_ORDERS = text(
    "UPDATE orders SET borrower_name = NULL, borrower_email = NULL, borrower_phone = NULL "
    "WHERE lower(borrower_email) = :e"
)


def anonymize_subject(s: Session, subject: str, inbound_ids: Sequence[str]) -> dict[str, int]:
    """Anonymize ``subject``'s business rows (module docstring); ``inbound_ids``: the ids of the
    subject's ``inbound_messages`` rows (read before they are deleted). Returns rows touched per
    table, tables with none left out. Idempotent: a retry finds nothing left to touch."""
    contacts = [str(i) for i in s.execute(_CONTACTS, {"e": subject}).scalars()]
    keys = {"contacts": contacts, "inbound": list(inbound_ids)}
    touched = {
        "contacts": len(contacts),
        "contact_field_sources": _count(s.execute(_FIELD_SOURCES, keys)),
        "opportunity_signals": _count(s.execute(_SIGNALS, keys)),
        "feedback_requests": _count(s.execute(_FEEDBACK, {"e": subject})),
        "orders": _count(s.execute(_ORDERS, {"e": subject})),
    }
    return {table: n for table, n in touched.items() if n}


def _count(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)
