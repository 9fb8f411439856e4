"""A local peer that speaks the subset of the Anthropic Messages API our client uses.

``POST /v1/messages`` with image blocks and tools; it answers with whatever the current
``handler`` returns: a ``tool_use`` message (with usage) or an error status. Every request body
is recorded, so tests can assert what the model was (and was not) shown.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Handler = Callable[[dict[str, Any]], tuple[int, dict[str, Any]]]


def tool_use(
    action: dict[str, Any], input_tokens: int = 1200, output_tokens: int = 60, name: str = "browser_action"
) -> tuple[int, dict[str, Any]]:
    return 200, {
        "id": f"msg_{uuid.uuid4().hex[:20]}",
        "type": "message",
        "role": "assistant",
        "model": "peer",
        "content": [
            {
                "type": "tool_use",
                "id": f"toolu_{uuid.uuid4().hex[:16]}",
                "name": name,
                "input": action,
            }
        ],
        "stop_reason": "tool_use",
        "stop_sequence": None,
        "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens},
    }


def error(status: int, kind: str, message: str) -> tuple[int, dict[str, Any]]:
    return status, {"type": "error", "error": {"type": kind, "message": message}}


class MessagesPeer:
    def __init__(self, port: int) -> None:
        self.requests: list[dict[str, Any]] = []
        self.raw: list[bytes] = []
        self.handler: Handler = lambda _: error(500, "api_error", "no handler scripted")
        peer = self

        class _H(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                key = self.headers.get("x-api-key") or self.headers.get("authorization", "").removeprefix(
                    "Bearer "
                )
                if not key:
                    status, out = error(401, "authentication_error", "missing API key")
                elif self.path.rstrip("/") != "/v1/messages":
                    status, out = error(404, "not_found_error", f"no route {self.path}")
                else:
                    peer.raw.append(body)
                    req = json.loads(body)
                    peer.requests.append(req)
                    try:
                        status, out = peer.handler(req)
                    except Exception as e:  # noqa: BLE001 - a broken test script must be visible
                        status, out = error(500, "api_error", f"peer handler failed: {e!r}")
                data = json.dumps(out).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), _H)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> MessagesPeer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()

    def reset(self, handler: Handler) -> None:
        self.requests.clear()
        self.raw.clear()
        self.handler = handler
