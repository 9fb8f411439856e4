"""Outbound webhook URLs (issue 15 Build 7): the same target and egress checks as every other
outbound HTTP call (:mod:`core.targets`), plus where a signing secret lives.

https to a public address only; plain http (or https) to a loopback address only in the
settings' ``integrations.loopback_envs`` (a local receiver in dev and tests). The vetted
address is pinned: the POST goes to it with ``Host`` set, follows no redirect, and a DNS
answer that changed since vetting gets nowhere.
"""

from __future__ import annotations

from typing import Any

import ada_url

from core.settings import Settings
from core.targets import Pin, Resolver, TargetRefused, forbidden_address, parse_origin, resolve, vet

LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "[::1]")


def endpoint_secret_path(tenant_id: str, endpoint_id: str) -> str:
    """``tenants/{tenant}/webhooks/endpoints/{endpoint}``: the endpoint's ``whsec_`` secret."""
    return f"tenants/{tenant_id}/webhooks/endpoints/{endpoint_id}"


def vet_webhook_url(url: str, settings: Settings, resolver: Resolver = resolve) -> Pin:
    """The URL's origin vetted and pinned. Raises ``TargetRefused`` (its ``str`` is the one
    tenant-visible reason, ``code``/``detail`` for the server log)."""
    origin = parse_origin(url)
    loopback = settings.env in settings.integrations.loopback_envs and origin.host in LOOPBACK_HOSTS
    if loopback and origin.port in settings.service_ports:
        raise TargetRefused("port", f"port {origin.port} is one of the stack's services")
    pin = vet(url, allowlisted=loopback, service_ports=settings.service_ports, resolver=resolver)
    if loopback and forbidden_address(pin.address) != "loopback":
        raise TargetRefused("address", f"{origin.host} does not resolve to a loopback address")
    return pin


def pinned(url: str, pin: Pin) -> tuple[str, dict[str, str], dict[str, Any]]:
    """``url`` aimed at the pinned address: (url, headers, httpx extensions); https keeps the
    host as the TLS server name."""
    u = ada_url.URL(url)
    host = u.host
    address = f"[{pin.address}]" if ":" in pin.address else pin.address
    u.host = f"{address}:{pin.origin.port}"
    extensions = {"sni_hostname": pin.origin.host} if pin.origin.scheme == "https" else {}
    return u.href, {"Host": host}, extensions
