"""The API's metrics and traces (issue 17 Builds 3, 4): Litestar's Prometheus plugin (request
counts, durations and in-flight requests by route template, ``GET /metrics``) and its OpenTelemetry
plugin (one server span per request, the parent of the Temporal client's ``StartWorkflow`` and
``SignalWorkflow`` spans, so a request and the workflow it starts share one trace).
"""

from __future__ import annotations

import os
import random
from typing import Any

from litestar import Response, get
from litestar.plugins.opentelemetry import OpenTelemetryConfig
from litestar.plugins.opentelemetry.middleware import OpenTelemetryInstrumentationMiddleware
from litestar.plugins.prometheus import PrometheusConfig
from litestar.types import Receive, Scope, Send
from opentelemetry import trace
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, multiprocess

from api.metrics_middleware import RouteMetrics
from core.observability_settings import ObservabilitySettings
from core.telemetry import draw_root, kept

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


class SampledServerSpans(OpenTelemetryInstrumentationMiddleware):
    """Litestar's OpenTelemetry middleware, entered only for a request whose trace is recorded.

    A request with a ``traceparent`` header goes through it as before (the caller's sampling
    decision holds). For any other, the new trace's decision is drawn first
    (:func:`core.telemetry.draw_root`, ``observability.trace_sample_ratio``): kept, the
    middleware builds the server span and the root sampler records it (:func:`~core.telemetry.kept`);
    dropped, the handler runs under an unsampled, non-recording span of fresh ids, so every span
    beneath it (the Temporal client's, the workflow's) is dropped too, as the SDK does for a
    dropped root. That skips the span's attributes, URL parsing and hooks the middleware computes
    on every request, recorded or not (issue 17, bench/api_profile.py)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        keep = draw_root()
        if keep is None or any(name == b"traceparent" for name, _ in scope.get("headers", ())):
            await super().__call__(scope, receive, send)
        elif keep:
            with kept():
                await super().__call__(scope, receive, send)
        else:
            ids = SpanContext(random.getrandbits(128) or 1, random.getrandbits(64) or 1, False, TraceFlags(0))
            with trace.use_span(NonRecordingSpan(ids), end_on_exit=False):
                await self.app(scope, receive, send)


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
    tracing = OpenTelemetryConfig(
        exclude=UNTRACED, exclude_spans=["receive", "send"], middleware_class=SampledServerSpans
    )
    # Litestar wraps the whole app in the OpenTelemetry middleware found in the app's middleware
    # list (its plugin's own would ignore middleware_class, and the plugin drops a listed one)
    spans = tracing.middleware
    if not o.api_metrics:
        return [], [spans], []
    return [], [spans, prometheus_config().middleware], [metrics]
