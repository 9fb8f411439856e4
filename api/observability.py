"""The API's metrics and traces (issue 17 Builds 3, 4): Litestar's Prometheus plugin (request
counts, durations and in-flight requests by route template, ``GET /metrics``) and its OpenTelemetry
plugin (one server span per request, the parent of the Temporal client's ``StartWorkflow`` and
``SignalWorkflow`` spans, so a request and the workflow it starts share one trace).
"""

from __future__ import annotations

import os
from typing import Any

from litestar import Response, get
from litestar.plugins.opentelemetry import OpenTelemetryConfig, OpenTelemetryPlugin
from litestar.plugins.prometheus import PrometheusConfig
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, multiprocess

from api.metrics_middleware import RouteMetrics
from core.observability_settings import ObservabilitySettings

METRICS_PATH = "/metrics"
UNTRACED = [METRICS_PATH, "/healthz"]
"""Scrapes and liveness probes make no spans."""


@get(METRICS_PATH, operation_id="metrics", tags=["health"], include_in_schema=False, sync_to_thread=False)
def metrics() -> Response[bytes]:
    """Prometheus text format of this process's registry: ``omniops_api_requests_total``,
    ``omniops_api_request_duration_seconds`` and ``omniops_api_requests_in_progress`` labelled by
    method, route template (``group_path``: never an id) and status code. With several worker
    processes (``python -m api``, ``PROMETHEUS_MULTIPROC_DIR``) the sum over all of them."""
    registry = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


_prometheus: PrometheusConfig | None = None


def prometheus_config() -> PrometheusConfig:
    """One config per process: its collectors register once in the global registry."""
    global _prometheus
    if _prometheus is None:
        _prometheus = PrometheusConfig(
            app_name="omniops-api",
            prefix="omniops_api",
            group_path=True,
            exclude=UNTRACED,
            middleware_class=RouteMetrics,  # the same series, labelled children kept per route
        )
    return _prometheus


def observability(o: ObservabilitySettings) -> tuple[list[Any], list[Any], list[Any]]:
    """(plugins, middleware, route handlers) to add to the app."""
    # no internal span per ASGI receive/send message: one server span per request is the trace's
    # root; those spans cost CPU on every request, sampled or not (bench/api_profile.py)
    tracing = OpenTelemetryConfig(exclude=UNTRACED, exclude_spans=["receive", "send"])
    plugins: list[Any] = [OpenTelemetryPlugin(tracing)]
    if not o.api_metrics:
        return plugins, [], []
    return plugins, [prometheus_config().middleware], [metrics]
