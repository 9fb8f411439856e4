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

from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SimpleSpanProcessor
from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig

from core.observability_settings import ObservabilitySettings

_configured = False


def span_processors(o: ObservabilitySettings) -> list[SpanProcessor]:
    """The processors the settings ask for: OTLP/HTTP to ``otlp_endpoint`` and/or the console."""
    out: list[SpanProcessor] = []
    if o.otlp_endpoint:
        exporter = OTLPSpanExporter(endpoint=o.otlp_endpoint, timeout=o.otlp_timeout_s)
        out.append(SimpleSpanProcessor(exporter) if o.trace_sync else BatchSpanProcessor(exporter))
    if os.environ.get("OTEL_TRACES_EXPORTER") == "console":
        out.append(SimpleSpanProcessor(ConsoleSpanExporter()))
    return out


def tracer_provider(service_name: str, o: ObservabilitySettings) -> TracerProvider:
    """A provider recording ``o.trace_sample_ratio`` of new traces (a sampled parent's always)
    and exporting them to :func:`span_processors`."""
    provider = TracerProvider(
        resource=Resource.create({"service.name": service_name}),
        sampler=ParentBased(TraceIdRatioBased(o.trace_sample_ratio)),
    )
    for p in span_processors(o):
        provider.add_span_processor(p)
    return provider


def configure_telemetry(service_name: str, o: ObservabilitySettings | None = None) -> None:
    """Install the process's tracer provider (:func:`tracer_provider`) once (later calls do nothing)."""
    global _configured
    if _configured:
        return
    trace.set_tracer_provider(tracer_provider(service_name, o or ObservabilitySettings()))
    _configured = True


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
