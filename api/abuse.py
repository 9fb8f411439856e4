"""The one place abuse limits are wired into the app (issue 11, Build 7).

Route middleware, outermost first: uvicorn's ``ProxyHeadersMiddleware`` trusting only
``limits.trusted_proxies`` (the client address every later layer sees), then the per-IP limit
(api/ratelimit.py), then authentication (api/auth.py). The per-tenant limit is the app's
``before_request`` hook (after authentication and the authz guard). The body size limit
(``limits.max_body_bytes``, 413) is set in :func:`api.app.create_app`: Litestar 2.25 reads it from
its constructor, not from ``AppConfig`` changed by a plugin. The lifespan builds one Redis client
for the limiter and the stream slots (api/streams.py, injected as ``streams``) and closes it. With
``limits.enabled`` off only the body size and the stream duration hold."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar
from litestar.config.app import AppConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import ImproperlyConfiguredException
from litestar.middleware import DefineMiddleware
from litestar.plugins import InitPluginProtocol
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from api.ratelimit import IpRateLimit, RateLimiter, rate_limit, redis_client
from api.streams import StreamSlots
from core.settings import LimitSettings


def provide_streams(state: State) -> StreamSlots:
    slots: StreamSlots = state.streams
    return slots


class AbuseLimitsPlugin(InitPluginProtocol):
    """The middleware it inserts at position 0 runs before the app's own (authentication,
    ``create_app(middleware=[...])``)."""

    def __init__(self, settings: LimitSettings) -> None:
        self.s = settings

    @asynccontextmanager
    async def lifespan(self, app: Litestar) -> AsyncIterator[None]:
        client = redis_client(self.s) if self.s.enabled else None
        limiter = RateLimiter(self.s, client) if client is not None else None
        app.state.rate_limiter = limiter
        app.state.streams = StreamSlots(self.s, client, limiter)
        try:
            yield
        finally:
            if client is not None:
                await client.aclose()

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        app_config.lifespan = [*app_config.lifespan, self.lifespan]
        app_config.dependencies = {
            **app_config.dependencies,
            "streams": Provide(provide_streams, sync_to_thread=False),
        }
        if self.s.enabled:
            app_config.middleware.insert(0, IpRateLimit())
            if app_config.before_request is not None:
                raise ImproperlyConfiguredException("the rate limit is the app's one before_request hook")
            app_config.before_request = rate_limit  # after the guards (authz), before the handler
        proxy_headers: Any = ProxyHeadersMiddleware  # a plain ASGI middleware (uvicorn's own types)
        proxies = DefineMiddleware(proxy_headers, trusted_hosts=list(self.s.trusted_proxies))
        app_config.middleware.insert(0, proxies)
        return app_config
