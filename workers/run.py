"""Worker entry point: ``python -m workers.run QUEUE [QUEUE ...]`` (agent, operations, messaging,
documents, inbox).

- ``agent``: the workflows plus DB, Vault, definition, cycle and planner activities, and the
  trust activities that vet a session's target and check signals against records (thread pool).
- ``documents``: document extraction (issue 14): the ``DocumentExtraction`` workflow and its
  activities on its own thread pool (``documents.worker_threads``), and ``ingest_document``.
- ``inbox``: mail understanding (issue 13; workers/inbox.py), apart from the capture.
- ``messaging``: the email outbox (``send_email`` over SMTP).
- ``operations``: the browser worker; serves ``open_session`` on the shared queue and the
  session's steps on this process's own queue (browser session affinity). It needs no database
  and no JWT key, and its Vault token (deploy/vault/omniops-browser.hcl) reads only the payload
  keyrings (codec: tenants', platform, legacy; object store: legacy) and wraps; Chromium runs
  pinned, sandboxed and unprivileged (activities/browser/launcher.py).
Startup order: settings -> telemetry -> logging -> client (STYLE.md).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from temporalio.client import Client
from temporalio.worker import Worker

from activities.alert_sweep import AlertSweepActivities
from activities.audit_digest import AuditDigestActivities
from activities.audit_erasure import AuditErasureActivities
from activities.audit_export import AuditExportActivities
from activities.audit_retention import AuditRetentionActivities
from activities.browser import BrowserSessions
from activities.compliance import compliance_activities
from activities.connection import ConnectionActivities
from activities.credential_reads import CredentialReader
from activities.cycle import CycleActivities
from activities.definitions import DefinitionActivities
from activities.documents import DocumentActivities
from activities.email import Mailer
from activities.followups import FollowUpActivities
from activities.imports import ImportActivities
from activities.inbox.attachments import MailAttachmentActivities
from activities.inbox.route import RouteActivities
from activities.inbox.sync import MailboxSyncActivities
from activities.integrations import IntegrationActivities
from activities.llm import LLMActivities
from activities.notify import NotifyActivities
from activities.operations import OperationActivities
from activities.planner import PlannerActivities
from activities.rotation import RotationActivities
from activities.tenant_stop import TenantStopActivities
from activities.trust import TrustActivities
from core import queues
from core.crypto import Keyring
from core.interceptors import activity_interceptors
from core.keys import load_keyring
from core.logging import configure_logging, get_logger
from core.objectstore import ObjectStore
from core.operation_keys import OperationKeyrings
from core.settings import Settings, get_settings
from core.telemetry import configure_telemetry, temporal_runtime
from core.temporal import connect
from core.vault import VaultStore
from schema.db import engine_for
from schema.repositories.definitions import DefinitionRegistry
from workers.inbox import inbox_workers
from workers.platform_schedules import ensure_platform_schedules
from workers.sandbox import workflow_runner
from workers.sizing import messaging_worker_options, workflow_worker_options
from workflows import ids
from workflows.registry import DOCUMENT_WORKFLOWS, WORKFLOWS

log = get_logger("workers.run")


def agent_workers(
    client: Client, settings: Settings, pool: ThreadPoolExecutor, keyring: Keyring
) -> list[Worker]:
    vault = VaultStore(settings)
    ops = OperationActivities(engine_for(settings.database.url), vault, settings.vault.addr)
    trust = TrustActivities(settings, engine_for(settings.database.url), vault)
    registry = DefinitionRegistry(settings.definitions_dir)
    report = registry.reload()  # a bad file is rejected and logged, never stops the worker
    log.info("definitions loaded", services=report.loaded)
    for name, why in report.rejected.items():
        log.warning("definition rejected", file=name, reason=why)
    defs = DefinitionActivities(registry)
    conn = ConnectionActivities(CredentialReader(vault, engine_for(settings.database.url)), registry)
    blobs = OperationKeyrings(vault, settings.crypto.key_cache_s)  # per-operation keys (issue 16)
    llm = LLMActivities(settings.llm, ObjectStore(settings.object_dir, keyring, blobs))
    if settings.llm.api_key is None:
        log.warning("no Anthropic API key: deterministic steps run, self-healing is unavailable")
    cycle = CycleActivities(settings, engine_for(settings.database.url))
    planner = PlannerActivities(settings)
    return [
        Worker(
            client,
            task_queue=queues.AGENT,
            workflows=WORKFLOWS,
            activities=[
                ops.sync_operation,
                ops.write_audit,
                ops.find_active_consent,
                ops.record_credential,
                trust.prepare_session,
                trust.verify_consent,
                trust.verify_confirmation,
                defs.load_definition,
                conn.test_connection,
                llm.decide_action,
                *cycle.all(),
                planner.plan_actions,
                *compliance_activities(settings, engine_for(settings.database.url)),
                *FollowUpActivities(settings, engine_for(settings.database.url)).all(),
                *ImportActivities(engine_for(settings.database.url)).all(),
                AuditDigestActivities(settings, engine_for(settings.database.url)).sign_audit_digests,
                AlertSweepActivities(settings, engine_for(settings.database.url)).evaluate_alerts,
                *audit_lifecycle_activities(client, settings, vault),
                *MailboxSyncActivities(settings, engine_for(settings.database.url), vault).all(),
                *MailAttachmentActivities(settings, engine_for(settings.database.url), vault, client).all(),
                RouteActivities(settings, engine_for(settings.database.url), vault, client).route_messages,
                *integration_activities(client, settings, vault),
            ],
            activity_executor=pool,
            interceptors=activity_interceptors(settings.resilience),
            workflow_runner=workflow_runner(),
            **workflow_worker_options(settings.workers),
        )
    ]


def audit_lifecycle_activities(
    client: Client, settings: Settings, vault: VaultStore
) -> list[Callable[..., object]]:
    """Audit export, erasure (the tenant stopped first) and retention (issue 16 Builds 2-4)."""
    engine = engine_for(settings.database.url)
    retention = AuditRetentionActivities(settings, engine, vault)
    return [
        AuditExportActivities(settings, engine, vault).build_audit_export,
        TenantStopActivities(engine, client).stop_erased_tenant,
        AuditErasureActivities(settings, engine, vault).erase_audit_data,
        retention.retention_tenants,
        retention.enforce_retention,
    ]


def integration_activities(client: Client, settings: Settings, vault: VaultStore) -> list[Any]:
    """Notifications, health checks and rotations (issue 15 Builds 4, 5, 7)."""
    engine = engine_for(settings.database.url)
    notify = NotifyActivities(settings, engine, vault, client)
    health = IntegrationActivities(settings, engine, vault, client)
    rotation = RotationActivities(engine, vault, client)
    return [
        notify.plan_notification,
        notify.deliver_webhook,
        notify.notify,
        health.vet_integration,
        health.integration_consent,
        health.record_check,
        health.register_integration,
        rotation.begin_rotation,
        rotation.audit_rotation_step,
        rotation.switch_credential,
        rotation.settle_pending_revoke,
        rotation.restore_credential,
        rotation.finish_rotation,
    ]


def messaging_workers(client: Client, settings: Settings, queue: str = queues.MESSAGING) -> list[Worker]:
    """``send_email`` on its own pool of ``workers.messaging_threads`` threads (I/O-bound SMTP;
    each thread keeps its SMTP session, activities/smtp_pool.py)."""
    mailer = Mailer(settings, engine_for(settings.database.url), VaultStore(settings))
    return [
        Worker(
            client,
            task_queue=queue,
            activities=[mailer.send_email],
            activity_executor=ThreadPoolExecutor(max_workers=settings.workers.messaging_threads),
            interceptors=activity_interceptors(settings.resilience),
            **messaging_worker_options(settings.workers),
        )
    ]


def documents_workers(client: Client, settings: Settings) -> list[Worker]:
    """Extraction is CPU-bound: its own pool of ``documents.worker_threads`` threads."""
    n = settings.documents.worker_threads
    acts = DocumentActivities(settings, engine_for(settings.database.url), client)
    return [
        Worker(
            client,
            task_queue=queues.DOCUMENTS,
            workflows=DOCUMENT_WORKFLOWS,
            activities=acts.all(),
            activity_executor=ThreadPoolExecutor(max_workers=n),
            max_concurrent_activities=n,
            interceptors=activity_interceptors(settings.resilience),
            workflow_runner=workflow_runner(),
        )
    ]


def operations_workers(client: Client, settings: Settings, sessions: BrowserSessions) -> list[Worker]:
    n = settings.browser.max_sessions_per_worker
    return [
        Worker(
            client,
            task_queue=queues.OPERATIONS,
            activities=[sessions.open_session],
            max_concurrent_activities=n,
            interceptors=activity_interceptors(settings.resilience),
        ),
        Worker(
            client,
            task_queue=sessions.task_queue,
            activities=[sessions.run_step, sessions.observe_page, sessions.close_session],
            max_concurrent_activities=n,
            interceptors=activity_interceptors(settings.resilience),
        ),
    ]


async def main(queue_names: list[str], messaging_queue: str = queues.MESSAGING) -> None:
    settings = get_settings()
    configure_telemetry("omniops-worker", settings.observability)
    configure_logging(settings.log_level, settings.log_json)
    keyring = await load_keyring(settings)  # the object store's (core/keys.py)
    runtime = temporal_runtime(settings.observability)  # Prometheus on observability.metrics_port
    client = await connect(settings, scoping=ids, runtime=runtime)
    pool = ThreadPoolExecutor(max_workers=settings.workers.agent_threads)
    workers: list[Worker] = []
    sessions: BrowserSessions | None = None
    if "agent" in queue_names:
        workers += agent_workers(client, settings, pool, keyring)
        await ensure_platform_schedules(client, settings)
    if "messaging" in queue_names:
        workers += messaging_workers(client, settings, messaging_queue)
    if "documents" in queue_names:
        workers += documents_workers(client, settings)
    if "inbox" in queue_names:
        workers += inbox_workers(client, settings)
    if "operations" in queue_names:
        worker_id = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        holds = settings.auth.local_keys_dir is not None or "OMNIOPS_DATABASE__URL" in os.environ
        if queue_names == ["operations"] and holds:
            log.warning("the browser worker holds JWT signing keys or a database URL it never needs")
        vault = VaultStore(settings)
        store = ObjectStore(
            settings.object_dir, keyring, OperationKeyrings(vault, settings.crypto.key_cache_s)
        )
        sessions = BrowserSessions(settings.browser, vault, store, worker_id, vault_addr=settings.vault.addr)
        await sessions.start()
        workers += operations_workers(client, settings, sessions)
    if not workers:
        raise SystemExit(
            f"no known queue in {queue_names}; use agent, operations, messaging, documents and/or inbox"
        )
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    log.info("workers started", queues=[w.task_queue for w in workers])
    if ready := os.environ.get("OMNIOPS_READY_FILE"):
        await asyncio.to_thread(Path(ready).write_text, str(os.getpid()))  # the launcher waits for this
    tasks = [asyncio.create_task(w.run()) for w in workers]
    await stop.wait()
    await asyncio.gather(*(w.shutdown() for w in workers), return_exceptions=True)
    await asyncio.gather(*tasks, return_exceptions=True)
    if sessions is not None:
        await sessions.shutdown()
    pool.shutdown(wait=False)
    log.info("workers stopped")


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("queues", nargs="+", choices=["agent", "operations", "messaging", "documents", "inbox"])
    p.add_argument("--messaging-queue", default=queues.MESSAGING, help="task queue name for 'messaging'")
    args = p.parse_args()
    asyncio.run(main(args.queues, args.messaging_queue))
