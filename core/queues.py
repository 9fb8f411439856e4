"""Task queue names, by resource (DESIGN.md "Task queues by resource")."""

OPERATIONS = "operations"
"""Browser sessions: low concurrency, one browser per worker process."""
AGENT = "agent"
"""DB, Vault and AI work."""
INBOX = "inbox"
"""Mail understanding (issue 13): parse, classify, route captured messages and hand their
attachments on, in a process of its own so it takes no CPU or GIL from the mailbox capture."""
MESSAGING = "messaging"
DOCUMENTS = "documents"


def session_queue(worker_id: str) -> str:
    """The worker-specific queue a browser worker serves its sessions' step activities on."""
    return f"{OPERATIONS}-session-{worker_id}"
