"""The API process's garbage collector after start-up (issue 17: API reads' p99 tails).

A worker process holds about a million long-lived objects once it has started (Litestar's
routes, pydantic schemas, the Temporal SDK, SQLAlchemy's metadata). CPython's full (generation 2)
collection walks all of them: bench/api_probe_app.py measured single pauses of 0.3-1.9 s under
50 clients, during which the event loop answers nothing, so whichever round a full collection
fell in had its p99 multiplied. :func:`freeze_after_startup` moves everything alive after
start-up into the permanent generation (``gc.freeze``), which collections no longer walk: a full
collection then walks only what requests allocated since. Objects created by requests are
collected as before.
"""

from __future__ import annotations

import gc

from core.api_settings import ApiServerSettings


def freeze_after_startup(s: ApiServerSettings) -> None:
    """Collect once, then freeze what survived (``api.gc_freeze``); set the youngest
    generation's threshold to ``api.gc_gen0_threshold`` allocations (CPython's default: 700)."""
    if not s.gc_freeze:
        return
    gc.collect()
    gc.freeze()
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(s.gc_gen0_threshold, gen1, gen2)
