"""The observability section of the one settings class (issue 17 Builds 3, 4; ``Settings.observability``;
env ``OMNIOPS_OBSERVABILITY__*``). It lives here only to keep core/settings.py small."""

from __future__ import annotations

from pydantic import BaseModel, Field


class ObservabilitySettings(BaseModel):
    """Metrics (Prometheus) and traces (OpenTelemetry over OTLP/HTTP)."""

    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    """Port of this worker process's Prometheus endpoint (``http://host:port/metrics``), served
    by the Temporal SDK runtime's own exporter: the SDK's metrics plus the seed's series
    (``activities/cycle/series.py``). None: no endpoint. One port per worker process, so a host
    running several workers sets it per process (``OMNIOPS_OBSERVABILITY__METRICS_PORT``)."""
    metrics_bind: str = "0.0.0.0"  # noqa: S104 - scraped from the cluster network
    """Address the worker's metrics endpoint binds to."""
    api_metrics: bool = True
    """The API serves request metrics at ``/metrics`` (Litestar's Prometheus plugin)."""
    otlp_endpoint: str | None = None
    """OTLP/HTTP traces endpoint, e.g. ``http://otel-collector:4318/v1/traces``. None: spans go to
    the console only when ``OTEL_TRACES_EXPORTER=console`` (the default), else nowhere."""
    otlp_timeout_s: float = Field(default=10.0, gt=0)
    """Timeout of one OTLP export request, in seconds."""
    trace_sync: bool = False
    """Export each span as it ends (SimpleSpanProcessor) instead of in batches: tests only."""
    trace_sample_ratio: float = Field(default=1.0, ge=0, le=1)
    """Share of new traces recorded, by trace id (OpenTelemetry ``ParentBased(TraceIdRatioBased(r))``:
    a request that arrives with a sampled parent is always recorded, one with an unsampled parent
    never). 1.0 (every request) for the local stack and the tests, so one trace shows a request and
    the workflow it starts; an unsampled request still gets a (non-recording) span and propagates
    the trace id, but no attributes, events or export. Production: 0.05 (deploy/helm values);
    the benches run with 0.05 too (bench/api_reads.py)."""
