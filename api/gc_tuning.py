"""The API process's garbage collector after start-up (issue 17: API reads' p99 tails).

A worker process holds about 400,000 tracked objects once it has started (Litestar's routes,
pydantic schemas, the Temporal SDK, SQLAlchemy's metadata). CPython's full (generation 2)
collection walks all of them: bench/api_probe_app.py measured a single pause of 1.9 s under 50
clients (load 8), during which the event loop answers nothing, so whichever round a full
collection fell in had its p99 multiplied; with the freeze, the longest was 0.23 s.
:func:`freeze_after_startup` moves everything alive after start-up into the permanent
generation (``gc.freeze``), which collections no longer walk: a full collection then walks only
what requests left since. Objects created by requests are collected as before.
"""

from __future__ import annotations

import gc

from core.api_settings import ApiServerSettings


def freeze_after_startup(s: ApiServerSettings) -> None:
    """Collect once, then freeze what survived (``api.gc_freeze``); set the youngest
    generation's threshold to ``api.gc_gen0_threshold`` (10,000; CPython's default: 700)."""
    if not s.gc_freeze:
        return
    gc.collect()
    gc.freeze()
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(s.gc_gen0_threshold, gen1, gen2)
