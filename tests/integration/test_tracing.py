"""One ``POST /api/autonomous/initiate`` is one trace (issue 17 Build 4): the API's server span
(Litestar's OpenTelemetry plugin), the Temporal client's ``StartWorkflow``, the workflow
(``RunWorkflow``) and every step activity (``RunActivity:run_step``, one per definition step) on
the browser worker, all exported over OTLP/HTTP by their own processes to a real receiver.
Also: the API's ``/metrics`` counts that request by route template."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest

from core.settings import get_settings
from schema.repositories.definitions import DefinitionRegistry
from tests.integration.helpers import OPERATION, SERVICE, initiate, store_admin_credential, wait_terminal
from tests.peers.otlp import OtlpReceiver, Span

pytestmark = pytest.mark.stack
API_SPAN = "POST /api/autonomous/initiate"


async def spans_of(otlp: OtlpReceiver, root: Span, steps: int, timeout: float = 60) -> list[Span]:
    """The trace's spans once every step's activity span has arrived and every span's parent has
    too (each process exports in its own batches, so under load a child can arrive before the
    span it hangs from: waiting only for the step spans once let the ancestry check below fail)."""
    spans: list[Span] = []
    for _ in range(int(timeout * 10)):
        spans = otlp.trace(root.trace_id)
        names = [s.name for s in spans]
        ids = {s.span_id for s in spans}
        whole = all(s.span_id == root.span_id or s.parent_id in ids for s in spans)
        if whole and names.count("RunActivity:run_step") >= steps and "RunActivity:test_connection" in names:
            return spans
        await asyncio.sleep(0.1)
    return spans


async def test_one_initiate_is_one_trace_from_the_api_to_every_step(
    api: Any, live: Any, otlp: OtlpReceiver
) -> None:
    tenant = f"t-{uuid.uuid4().hex[:10]}"
    await store_admin_credential(api, tenant, live.wp)
    before = {s.span_id for s in otlp.named(API_SPAN)}
    op = await initiate(api, tenant, live.wp, consent=True)
    final = await wait_terminal(api, tenant, op["operation_id"])
    assert final["status"] == "completed", final
    steps = len(DefinitionRegistry(get_settings().definitions_dir).load(SERVICE, OPERATION).steps)

    for _ in range(100):
        mine = [s for s in otlp.named(API_SPAN) if s.span_id not in before]
        if mine:
            break
        await asyncio.sleep(0.1)
    assert len(mine) == 1, [s.name for s in mine]
    root = mine[0]
    spans = await spans_of(otlp, root, steps)
    names = [s.name for s in spans]
    by_id = {s.span_id: s for s in spans}

    # consent given at initiate: the API signals-with-start (StartWorkflow otherwise)
    start = [s for s in spans if s.name.split(":")[0] in ("StartWorkflow", "SignalWithStartWorkflow")]
    assert len(start) == 1 and start[0].service == "omniops-api", names
    assert by_id[start[0].parent_id].trace_id == root.trace_id  # under the request's span tree
    run = [s for s in spans if s.name == "RunWorkflow:AutonomousOperationWorkflow"]  # Notify children too
    assert len(run) == 1 and run[0].service == "omniops-worker", names
    assert run[0].parent_id == start[0].span_id
    step_spans = [s for s in spans if s.name == "RunActivity:run_step"]
    assert len(step_spans) >= steps, names
    assert {s.attributes["temporalWorkflowID"] for s in step_spans} == {op["workflow_id"]}
    for s in ("RunActivity:open_session", "RunActivity:test_connection", "RunActivity:record_credential"):
        assert s in names, names
    # every span of the trace descends from the API's request span
    for s in spans:
        node = s
        while node.parent_id and node.parent_id in by_id:
            node = by_id[node.parent_id]
        assert node.span_id == root.span_id, (s.name, node.name)
    # and no other trace holds a span of this workflow's steps
    others = [s for s in otlp.named("RunActivity:run_step") if s.trace_id != root.trace_id]
    assert not [s for s in others if s.attributes.get("temporalWorkflowID") == op["workflow_id"]]


async def test_the_api_serves_request_metrics_by_route_template(api: Any) -> None:
    await api.get("/healthz")
    r = await api.get("/api/autonomous/status/not-an-id")
    r = await api.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    lines = [ln for ln in r.text.splitlines() if ln.startswith("omniops_api_requests_total{")]
    assert any('path="/api/autonomous/status/{op_id' in ln for ln in lines), lines[:5]
    assert not any("not-an-id" in ln for ln in r.text.splitlines())
