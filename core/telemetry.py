"""OpenTelemetry traces and the Temporal SDK runtime's metrics (issue 17 Builds 3, 4).

Set up before logging (STYLE.md startup order). Traces: with ``observability.otlp_endpoint`` set,
spans are exported over OTLP/HTTP (protobuf) to that collector endpoint; without it the console
exporter stays the default behaviour (``OTEL_TRACES_EXPORTER=console`` prints spans, otherwise
they are dropped). The batch processor honours the standard ``OTEL_BSP_*`` variables.

Metrics: :func:`temporal_runtime` gives a worker process a Temporal runtime whose own Prometheus
exporter serves ``/metrics`` on ``observability.metrics_port``: the SDK's metrics (``temporal_*``)
and the custom series activities record through ``activity.metric_meter()``
(``activities/cycle/series.py``).
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SimpleSpanProcessor
from opentelemetry.sdk.trace.sampling import (
    Decision,
    ParentBased,
    Sampler,
    SamplingResult,
    TraceIdRatioBased,
)
from opentelemetry.trace import Link, SpanKind
from opentelemetry.trace.span import TraceState
from opentelemetry.util.types import Attributes
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig

from core.observability_settings import ObservabilitySettings

_KEPT: ContextVar[bool] = ContextVar("omniops_trace_kept", default=False)
_root: KeptOrRatio | None = None
"""The root sampler of this process's configured provider (:func:`configure_telemetry`); None
until telemetry is configured."""


class KeptOrRatio(Sampler):
    """Root sampler: records a new trace the server already chose to keep (:func:`draw_root`,
    then :func:`kept`), any other new trace at ``rate`` by its trace id (``TraceIdRatioBased``).
    The API draws first so that it can skip building a server span it would drop (issue 17)."""

    def __init__(self, rate: float) -> None:
        self.rate, self._ratio = rate, TraceIdRatioBased(rate)

    def should_sample(
        self,
        parent_context: Context | None,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        trace_state: TraceState | None = None,
    ) -> SamplingResult:
        if _KEPT.get():
            return SamplingResult(Decision.RECORD_AND_SAMPLE, attributes)
        return self._ratio.should_sample(parent_context, trace_id, name, kind, attributes, links, trace_state)

    def get_description(self) -> str:
        return f"KeptOrRatio{{{self.rate}}}"


def draw_root() -> bool | None:
    """Whether a new trace (no caller's parent) is to be recorded: True with probability
    ``observability.trace_sample_ratio``; None when this process has not configured telemetry."""
    if _root is None:
        return None
    return _root.rate >= 1.0 or random.random() < _root.rate  # noqa: S311 - sampling, not secrets


@contextmanager
def kept() -> Iterator[None]:
    """Within: a new root span is recorded (the draw of :func:`draw_root` said keep)."""
    token = _KEPT.set(True)
    try:
        yield
    finally:
        _KEPT.reset(token)


def span_processors(o: ObservabilitySettings) -> list[SpanProcessor]:
    """The processors the settings ask for: OTLP/HTTP to ``otlp_endpoint`` and/or the console."""
    out: list[SpanProcessor] = []
    if o.otlp_endpoint:
        exporter = OTLPSpanExporter(endpoint=o.otlp_endpoint, timeout=o.otlp_timeout_s)
        out.append(SimpleSpanProcessor(exporter) if o.trace_sync else BatchSpanProcessor(exporter))
    if os.environ.get("OTEL_TRACES_EXPORTER") == "console":
        out.append(SimpleSpanProcessor(ConsoleSpanExporter()))
    return out


def tracer_provider(
    service_name: str, o: ObservabilitySettings, root: KeptOrRatio | None = None
) -> TracerProvider:
    """A provider recording ``o.trace_sample_ratio`` of new traces (a sampled parent's always;
    root sampler :class:`KeptOrRatio`) and exporting them to :func:`span_processors`."""
    provider = TracerProvider(
        resource=Resource.create({"service.name": service_name}),
        sampler=ParentBased(root or KeptOrRatio(o.trace_sample_ratio)),
    )
    for p in span_processors(o):
        provider.add_span_processor(p)
    return provider


def configure_telemetry(service_name: str, o: ObservabilitySettings | None = None) -> None:
    """Install the process's tracer provider (:func:`tracer_provider`) once (later calls do nothing)."""
    global _root
    if _root is not None:
        return
    o = o or ObservabilitySettings()
    root = KeptOrRatio(o.trace_sample_ratio)
    trace.set_tracer_provider(tracer_provider(service_name, o, root))
    _root = root


def temporal_runtime(o: ObservabilitySettings) -> Runtime | None:
    """A Temporal runtime exporting Prometheus metrics on ``metrics_bind:metrics_port`` (counters
    end in ``_total``, durations in seconds), or None (the SDK's default runtime) without a port.
    Raises RuntimeError from the SDK when the port is taken."""
    if o.metrics_port is None:
        return None
    prom = PrometheusConfig(
        bind_address=f"{o.metrics_bind}:{o.metrics_port}",
        counters_total_suffix=True,
        durations_as_seconds=True,
    )
    return Runtime(telemetry=TelemetryConfig(metrics=prom))
