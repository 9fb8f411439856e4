"""The inbox worker (``python -m workers.run inbox``, issue 13): the understanding stage of
``MailboxSync`` on its own task queue (``queues.INBOX``), so parsing, classifying and routing
captured mail runs in a process apart from the capture (agent queue) and takes none of its CPU or
GIL. Activities only (the workflow stays on the agent queue): ``route_messages`` and
``hand_off_mail_attachments``, on a pool of ``inbox.understand_threads`` threads.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from temporalio.client import Client
from temporalio.worker import Worker

from activities.inbox.attachments import MailAttachmentActivities
from activities.inbox.route import RouteActivities
from core import queues
from core.interceptors import activity_interceptors
from core.settings import Settings
from core.vault import VaultStore
from schema.db import engine_for


def inbox_workers(client: Client, settings: Settings) -> list[Worker]:
    """One worker on ``queues.INBOX``; understanding pages are claimed in the database (``FOR
    UPDATE SKIP LOCKED``), so any number of these processes share the work."""
    n = settings.inbox.understand_threads
    engine, vault = engine_for(settings.database.url), VaultStore(settings)
    return [
        Worker(
            client,
            task_queue=queues.INBOX,
            activities=[
                RouteActivities(settings, engine, vault, client).route_messages,
                *MailAttachmentActivities(settings, engine, vault, client).all(),
            ],
            activity_executor=ThreadPoolExecutor(max_workers=n),
            max_concurrent_activities=n,
            interceptors=activity_interceptors(settings.resilience),
        )
    ]
