"""The API's Prometheus request middleware (issue 17, API reads): Litestar's
``PrometheusMiddleware`` with the same three series and labels (``omniops_api_requests_total``,
``omniops_api_request_duration_seconds``, ``omniops_api_requests_in_progress``, and
``omniops_api_requests_error_total`` for 5xx; labels method, path = route template, status_code,
app_name), but each labelled child is looked up once per (method, route template, status) and
kept, instead of building a ``Request``, a label dict and four ``labels()`` look-ups (each under
a lock) per request. The route templates are the app's own, so the kept children are bounded.
"""

from __future__ import annotations

import time
from typing import Any

from litestar.plugins.prometheus import PrometheusMiddleware
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from litestar.types import Message, Receive, Scope, Send

Key = tuple[str, str, int]
"""(method, route template, status code)."""


class RouteMetrics(PrometheusMiddleware):
    """Counts each request under its route template; see the module docstring."""

    _children: dict[Key, tuple[Any, ...]]

    def _of(self, key: Key) -> tuple[Any, ...]:
        """(in progress, count, duration, errors or None) children of ``key``."""
        found = self._children.get(key)
        if found is None:
            method, path, code = key
            labels: dict[str, str | int | float] = {
                "method": method,
                "path": path,
                "status_code": code,
                "app_name": self._config.app_name,
            }
            values = list(labels.values())
            errors = (
                self.requests_error_count(labels).labels(*values)
                if code >= HTTP_500_INTERNAL_SERVER_ERROR
                else None
            )
            found = (
                self.requests_in_progress(labels).labels(*values),
                self.request_count(labels).labels(*values),
                self.request_time(labels).labels(*values),
                errors,
            )
            self._children[key] = found
        return found

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not hasattr(self, "_children"):
            self._children = {}
        raw: dict[str, Any] = scope  # type: ignore[assignment]  # an HTTP or websocket scope
        method = str(raw["method"]) if raw["type"] == "http" else str(raw["type"])
        path = str(raw["path_template"] if self._config.group_path else raw["path"])
        start, seen = time.perf_counter(), {"status": 200, "duration": 0.0}

        async def counted(message: Message) -> None:
            if message["type"] == "http.response.start":
                seen["status"] = message["status"]
            elif message["type"] == "http.response.body":
                seen["duration"] = time.perf_counter() - start
            await send(message)

        progress = self._of((method, path, 200))[0]  # labelled 200 while in progress, as Litestar's
        progress.inc()
        try:
            await self.app(scope, receive, counted)
        finally:
            progress.dec()
            _, count, duration, errors = self._of((method, path, int(seen["status"])))
            if errors is not None:
                errors.inc()
            count.inc()
            duration.observe(seen["duration"])
