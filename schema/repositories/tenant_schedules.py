"""The rows a tenant's Temporal Schedules are keyed on (compliance schedules, mailbox
connections, integrations), so a tenant erasure can delete every schedule by its exact id
(issue 16 Build 3: nothing of the tenant runs after its keys are gone).

Session-style: functions take a SQLAlchemy ``Session`` and never commit.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session
from sqlmodel import col, select

from schema.followups import ComplianceSchedule
from schema.inbox import MailboxConnection
from schema.integrations import IntegrationStatus


@dataclass(frozen=True)
class ScheduledRows:
    """Row ids (each one Temporal Schedule, see workflows/ids.py): compliance schedules,
    mailbox connections, integrations (a health and a rotation schedule each)."""

    compliance: list[str]
    mailboxes: list[str]
    integrations: list[str]


def scheduled_rows(s: Session, tenant_id: str) -> ScheduledRows:
    """The tenant's rows that own a Temporal Schedule (all of them, any state)."""

    def ids(model: type[ComplianceSchedule] | type[MailboxConnection] | type[IntegrationStatus]) -> list[str]:
        return [str(i) for i in s.scalars(select(model.id).where(col(model.tenant_id) == tenant_id))]

    return ScheduledRows(ids(ComplianceSchedule), ids(MailboxConnection), ids(IntegrationStatus))
