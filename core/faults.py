"""Failpoints: named places where a test can make a worker process die on purpose.

``OMNIOPS_FAILPOINTS=email.after_smtp_accept`` makes :func:`failpoint` end the process at once
(``os._exit``), as a power cut would: no cleanup, no reply to Temporal. Unset in production.
"""

from __future__ import annotations

import os

from core.logging import get_logger

log = get_logger("core.faults")


def failpoint(name: str) -> None:
    """End the process if ``name`` is listed in ``OMNIOPS_FAILPOINTS`` (comma-separated)."""
    armed = {n.strip() for n in os.environ.get("OMNIOPS_FAILPOINTS", "").split(",") if n.strip()}
    if name in armed:
        log.warning("failpoint reached: exiting the process", failpoint=name)
        os._exit(70)
