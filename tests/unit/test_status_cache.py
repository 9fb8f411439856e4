"""The finished-status cache (api/status_cache.py) and the trace sampler (core/telemetry.py):
bounds, expiry and the sampling decision, without a stack."""

from __future__ import annotations

import time

import pytest
from opentelemetry.sdk.trace.sampling import Decision
from opentelemetry.trace import SpanContext, TraceFlags, TraceState, set_span_in_context
from opentelemetry.trace.span import NonRecordingSpan

from api.schemas.operations import OperationView
from api.status_cache import StatusCache
from core.observability_settings import ObservabilitySettings
from core.telemetry import tracer_provider


def done(op: str) -> OperationView:
    return OperationView(operation_id=op, workflow_id=f"op-t-{op}", status="completed")


def test_a_view_is_kept_per_tenant_and_operation() -> None:
    c = StatusCache(10, 60)
    c.put("t1", "a", done("a"))
    assert c.get("t1", "a") == done("a")
    assert c.get("t2", "a") is None  # another tenant's key


def test_a_kept_body_is_the_bytes_litestar_sends_for_the_view() -> None:
    from litestar import Litestar, get
    from litestar.testing import TestClient

    view = OperationView(
        operation_id="a",
        workflow_id="op-t-a",
        status="failed",
        reason="the site refused the login",
        result={"status": "failed", "steps": [1, 2.5, None], "nested": {"é": "ü"}},
        llm={"calls": 3, "cost_usd": 0.00012, "tokens": 1e21},
    )

    @get("/v", sync_to_thread=False)
    def plain() -> OperationView:
        return view

    c = StatusCache(10, 60)
    c.put("t", "a", view)
    with TestClient(Litestar([plain], logging_config=None)) as client:
        assert c.body("t", "a") == client.get("/v").content
    assert c.body("t2", "a") is None


def test_the_least_recently_used_goes_first_at_the_size_bound() -> None:
    c = StatusCache(2, 60)
    c.put("t", "a", done("a"))
    c.put("t", "b", done("b"))
    assert c.get("t", "a") is not None  # a is now the most recent
    c.put("t", "c", done("c"))
    assert len(c) == 2 and c.get("t", "b") is None and c.get("t", "a") is not None


def test_an_entry_expires_after_the_ttl(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: now[0])
    c = StatusCache(10, 30)
    c.put("t", "a", done("a"))
    now[0] += 29.9
    assert c.get("t", "a") is not None
    now[0] += 0.2
    assert c.get("t", "a") is None and len(c) == 0


def test_size_or_ttl_zero_keeps_nothing() -> None:
    for c in (StatusCache(0, 60), StatusCache(10, 0)):
        c.put("t", "a", done("a"))
        assert c.get("t", "a") is None


def _sampled(ratio: float, parent: bool | None) -> bool:
    sampler = tracer_provider("test", ObservabilitySettings(trace_sample_ratio=ratio)).sampler
    ctx = None
    if parent is not None:
        flags = TraceFlags(TraceFlags.SAMPLED if parent else TraceFlags.DEFAULT)
        remote = SpanContext(1, 2, is_remote=True, trace_flags=flags, trace_state=TraceState())
        span = NonRecordingSpan(remote)
        ctx = set_span_in_context(span)
    trace_id = 0xFFFFFFFFFFFFFFFF  # its low 64 bits (what the ratio compares) above any bound < 1.0
    return sampler.should_sample(ctx, trace_id, "GET").decision == Decision.RECORD_AND_SAMPLE


async def test_a_finished_status_read_once_is_encoded_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """``status_json`` on a miss sends the body its ``status`` kept, not a second encoding."""
    import uuid

    from api import status_cache
    from api.auth import Principal
    from api.services import operation_status
    from api.services.operation_status import OperationStatusService

    encoded: list[str] = []
    real = status_cache.json_of

    def counting(view: OperationView) -> bytes:
        encoded.append(view.operation_id)
        return real(view)

    monkeypatch.setattr(status_cache, "json_of", counting)
    monkeypatch.setattr(operation_status, "json_of", counting)
    op = str(uuid.uuid4())
    service = OperationStatusService(None, None, StatusCache(10, 60))  # type: ignore[arg-type]

    async def status(p: Principal, raw_id: str) -> OperationView:  # the stored row's view, kept
        service.cache.put(p.tenant_id, raw_id, done(raw_id))
        return done(raw_id)

    monkeypatch.setattr(service, "status", status)
    who = Principal(user_id="u1", tenant_id="t1", roles=frozenset({"viewer"}))
    body = await service.status_json(who, op)
    assert body == real(done(op))
    assert encoded == [op]
    assert await service.status_json(who, op) == body  # then from the cache, still one encoding
    assert encoded == [op]


def test_the_sampler_follows_the_ratio_and_a_remote_parent() -> None:
    assert ObservabilitySettings().trace_sample_ratio == 1.0  # local stack and tests: every trace
    assert _sampled(1.0, None)
    assert not _sampled(0.05, None)
    assert _sampled(0.05, True)  # a sampled caller's trace stays whole
    assert not _sampled(1.0, False)
