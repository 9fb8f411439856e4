"""A real OTLP/HTTP trace receiver (the protocol peer of the OTLP exporter; issue 17 Build 4).

``POST /v1/traces`` with a protobuf ``ExportTraceServiceRequest`` (opentelemetry-proto), gzip or
not; it answers an empty ``ExportTraceServiceResponse``. Spans are kept by span id (a retried
export is not counted twice) with their trace id, parent, name, kind, attributes and the
exporting process's ``service.name``.
"""

from __future__ import annotations

import gzip
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)


@dataclass(frozen=True)
class Span:
    trace_id: str
    span_id: str
    parent_id: str
    name: str
    service: str
    attributes: dict[str, str] = field(default_factory=dict)


class OtlpReceiver:
    def __init__(self, port: int) -> None:
        self.spans: dict[str, Span] = {}
        self._lock = threading.Lock()
        receiver = self

        class H(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server API
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                if self.path != "/v1/traces":
                    self.send_response(404)
                    self.end_headers()
                    return
                receiver.take(ExportTraceServiceRequest.FromString(body))
                out = ExportTraceServiceResponse().SerializeToString()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), H)
        self.endpoint = f"http://127.0.0.1:{port}/v1/traces"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def take(self, req: ExportTraceServiceRequest) -> None:
        with self._lock:
            for rs in req.resource_spans:
                res = {a.key: a.value.string_value for a in rs.resource.attributes}
                for ss in rs.scope_spans:
                    for s in ss.spans:
                        self.spans[s.span_id.hex()] = Span(
                            trace_id=s.trace_id.hex(),
                            span_id=s.span_id.hex(),
                            parent_id=s.parent_span_id.hex(),
                            name=s.name,
                            service=res.get("service.name", ""),
                            attributes={a.key: a.value.string_value for a in s.attributes},
                        )

    def trace(self, trace_id: str) -> list[Span]:
        with self._lock:
            return [s for s in self.spans.values() if s.trace_id == trace_id]

    def named(self, name: str) -> list[Span]:
        with self._lock:
            return [s for s in self.spans.values() if s.name == name]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
