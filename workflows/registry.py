"""Every workflow class the agent worker registers (and the replay tests replay)."""

from workflows.alert_sweep import AlertSweepWorkflow
from workflows.audit_digest import AuditDigestWorkflow
from workflows.audit_lifecycle import AuditErasureWorkflow, AuditExportWorkflow, AuditRetentionWorkflow
from workflows.cycle.triggers import CycleFanoutWorkflow, ScheduledCycleWorkflow
from workflows.cycle.workflow import TenantCycleWorkflow
from workflows.documents import DocumentExtractionWorkflow
from workflows.followups import compliance
from workflows.followups.deal import DealWorkflow
from workflows.followups.feedback import FeedbackWorkflow
from workflows.followups.quote import QuoteWorkflow
from workflows.imports.workflow import ImportWorkflow
from workflows.inbox.workflow import MailboxSyncWorkflow
from workflows.integrations.health import HealthCheckWorkflow
from workflows.integrations.rotation import CredentialRotationWorkflow
from workflows.notify.workflow import NotifyWorkflow
from workflows.operation.workflow import AutonomousOperationWorkflow
from workflows.plan.workflow import PlanWorkflow

WORKFLOWS = [
    AutonomousOperationWorkflow,
    PlanWorkflow,
    TenantCycleWorkflow,
    ScheduledCycleWorkflow,
    CycleFanoutWorkflow,
    FeedbackWorkflow,
    QuoteWorkflow,
    DealWorkflow,
    *compliance.WORKFLOWS,
    ImportWorkflow,
    AuditDigestWorkflow,
    AlertSweepWorkflow,
    AuditExportWorkflow,
    AuditErasureWorkflow,
    AuditRetentionWorkflow,
    MailboxSyncWorkflow,
    NotifyWorkflow,
    HealthCheckWorkflow,
    CredentialRotationWorkflow,
    DocumentExtractionWorkflow,  # runs on the documents queue; listed here for the replay tests
]

DOCUMENT_WORKFLOWS = [DocumentExtractionWorkflow]
"""The documents worker's workflows (issue 14), on the ``documents`` queue."""
