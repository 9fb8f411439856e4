"""Serve the API: ``python -m api [--host H] [--port P] [--workers N]`` (issue 17).

The one way the API is started (the local stack, the benches, the Dockerfile, the Helm chart):
uvicorn with ``Settings.api`` (core/api_settings.py, ``OMNIOPS_API__*``: worker processes,
address, keep-alive), uvloop and httptools, ``--no-proxy-headers`` (the app reads
``X-Forwarded-For`` itself, from ``limits.trusted_proxies`` only, api/abuse.py). With more
than one worker the processes share one socket, and Prometheus counts in a per-start
multiprocess directory (``PROMETHEUS_MULTIPROC_DIR``), so ``GET /metrics`` of any worker sums
all of them.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile

import uvicorn

from core.settings import get_settings

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def _metrics_dir(workers: int) -> str | None:
    """A fresh, empty multiprocess metrics directory for this start (None for one worker or
    when the environment already names one: then the deployment owns and empties it)."""
    if workers < 2 or os.environ.get(MULTIPROC_ENV):
        return None
    path = tempfile.mkdtemp(prefix="omniops-api-metrics-")
    os.environ[MULTIPROC_ENV] = path  # read by prometheus_client when each worker imports it
    return path


def main(argv: list[str] | None = None) -> None:
    s = get_settings().api
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--host", default=s.host)
    ap.add_argument("--port", type=int, default=s.port)
    ap.add_argument("--workers", type=int, default=s.workers)
    ap.add_argument("--log-level", default="warning")
    ap.add_argument("--app", default="api.app:create_app", help="an app factory (bench: the hello baseline)")
    a = ap.parse_args(argv)
    owned = _metrics_dir(a.workers)
    try:
        uvicorn.run(
            a.app,
            factory=True,
            host=a.host,
            port=a.port,
            workers=a.workers,
            loop="uvloop",
            http="httptools",
            proxy_headers=False,
            timeout_keep_alive=s.keep_alive_s,
            backlog=s.backlog,
            log_level=a.log_level,
            access_log=False,
        )
    finally:
        if owned:
            shutil.rmtree(owned, ignore_errors=True)


if __name__ == "__main__":
    main()
