"""The API's server spans (issue 17): a request whose new trace is dropped skips the OpenTelemetry
middleware but runs under an unsampled span (so nothing beneath it is recorded); a kept one, or
one with a caller's ``traceparent``, gets its server span as before."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar, get
from litestar.plugins.opentelemetry import OpenTelemetryConfig
from litestar.testing import TestClient
from opentelemetry import trace
from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import Decision, ParentBased

from api.observability import SampledServerSpans
from core import telemetry
from core.telemetry import KeptOrRatio, kept

SAMPLED_PARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


def _app(rate: float, monkeypatch: pytest.MonkeyPatch) -> tuple[Litestar, InMemorySpanExporter, list[Any]]:
    root = KeptOrRatio(rate)
    monkeypatch.setattr(telemetry, "_root", root)
    exported = InMemorySpanExporter()
    provider = TracerProvider(sampler=ParentBased(root))
    provider.add_span_processor(SimpleSpanProcessor(exported))
    seen: list[Any] = []

    @get("/x", operation_id="x")
    async def x() -> str:
        seen.append(trace.get_current_span().get_span_context())
        return "ok"

    config = OpenTelemetryConfig(
        tracer_provider=provider, exclude_spans=["receive", "send"], middleware_class=SampledServerSpans
    )
    app = Litestar([x], middleware=[config.middleware], logging_config=None)  # as api.observability wires it
    return app, exported, seen


@pytest.fixture
def entered(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Paths the OpenTelemetry ASGI middleware was entered for."""
    calls: list[str] = []
    real = OpenTelemetryMiddleware.__call__

    async def counting(self: Any, scope: Any, receive: Any, send: Any) -> None:
        calls.append(scope["path"])
        await real(self, scope, receive, send)

    monkeypatch.setattr(OpenTelemetryMiddleware, "__call__", counting)
    return calls


def test_a_dropped_trace_skips_the_middleware_under_an_unsampled_span(
    monkeypatch: pytest.MonkeyPatch, entered: list[str]
) -> None:
    app, exported, seen = _app(0.0, monkeypatch)
    with TestClient(app) as c:
        assert c.get("/x").status_code == 200
    assert entered == []
    assert seen[0].is_valid and not seen[0].trace_flags.sampled
    assert exported.get_finished_spans() == ()


def test_a_kept_trace_and_a_sampled_caller_get_one_server_span(
    monkeypatch: pytest.MonkeyPatch, entered: list[str]
) -> None:
    app, exported, seen = _app(1.0, monkeypatch)
    with TestClient(app) as c:
        assert c.get("/x").status_code == 200
    assert [s.name for s in exported.get_finished_spans()] == ["GET /x"]
    app, exported, seen = _app(0.0, monkeypatch)
    with TestClient(app) as c:
        assert c.get("/x", headers={"traceparent": SAMPLED_PARENT}).status_code == 200
    spans = exported.get_finished_spans()
    assert [s.name for s in spans] == ["GET /x"]
    assert format(spans[0].context.trace_id, "032x") == SAMPLED_PARENT.split("-")[1]
    assert entered == ["/x", "/x"]


def test_the_root_sampler_records_what_the_server_kept() -> None:
    drop_all = KeptOrRatio(0.0)
    assert drop_all.should_sample(None, 1, "GET").decision == Decision.DROP
    with kept():
        assert drop_all.should_sample(None, 1, "GET").decision == Decision.RECORD_AND_SAMPLE
    assert KeptOrRatio(1.0).should_sample(None, 2**64 - 1, "GET").decision == Decision.RECORD_AND_SAMPLE
