"""Operation targets: which origins the browser agent may reach, read the way the browser reads
them, resolved once and pinned (issue 10, "operations target registered sites").

- URLs are parsed by the WHATWG URL standard (``ada-url``), the parser Chromium follows, never
  by ``urllib``: ``https://evil.test\\@site/`` is host ``evil.test`` here as in the browser.
- An origin is ``scheme://host[:port]`` as the standard serializes it (default port omitted).
- :func:`vet` refuses: a scheme other than https (http only when an operator allowlisted the
  origin for the tenant); a host that does not resolve; any resolved address that is loopback,
  link-local (169.254.169.254 included), private, CGNAT, multicast, reserved or unspecified;
  and the stack's own service ports. An allowlisted origin skips the address and port checks
  but is still resolved and pinned.
- :func:`resolver_rules` turns vetted pins into Chromium's ``--host-resolver-rules``: each
  allowed ``host:port`` maps to its vetted address and everything else to NOTFOUND, so the
  browser never asks DNS again (DNS rebinding gets nowhere) and no other host or port is
  reachable on any request: redirects, frames, popups, WebSockets and workers included.

Tenant-visible errors carry :data:`REFUSED` only; the exact cause (``TargetRefused.detail``) is
for server logs, so a refused port and a private address read the same to a tenant.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import ada_url

REFUSED = "the site is not an allowed target"
"""The one reason a tenant sees for any refused target (no network details)."""
UNREACHABLE = "the site could not be reached"
"""The one reason a tenant sees for any target the network did not let us reach (refused,
filtered, timed out, not resolved, blocked): browser steps and the connection test alike."""

DEFAULT_PORTS = {"http": 80, "https": 443}

Resolver = Callable[[str, int], list[str]]
"""``(host, port) -> addresses``; the default is :func:`resolve` (getaddrinfo)."""


class TargetRefused(ValueError):
    """The URL may not be an operation target. ``str()`` is :data:`REFUSED`; ``code`` is one of
    ``malformed``, ``scheme``, ``unresolvable``, ``address``, ``port``; ``detail`` names the
    cause for server logs only."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(REFUSED)
        self.code, self.detail = code, detail


@dataclass(frozen=True)
class Origin:
    scheme: str
    host: str
    """Lower-case host as the browser reads it; an IPv6 literal keeps its brackets."""
    port: int

    def __str__(self) -> str:
        default = DEFAULT_PORTS.get(self.scheme) == self.port
        return f"{self.scheme}://{self.host}" + ("" if default else f":{self.port}")


@dataclass(frozen=True)
class Pin:
    """One allowed ``host:port`` and the vetted address the browser must use for it."""

    origin: Origin
    address: str


def parse_origin(url: str) -> Origin:
    """The origin of ``url`` by the WHATWG standard. Raises ``TargetRefused("malformed")`` for
    an unparsable URL, user info, or a scheme other than http/https."""
    try:
        u = ada_url.URL(url.strip())
    except ValueError:
        raise TargetRefused("malformed", f"not a URL: {url[:80]!r}") from None
    scheme = u.protocol.rstrip(":")
    if scheme not in DEFAULT_PORTS:
        raise TargetRefused("scheme", f"scheme {scheme!r}")
    if u.username or u.password:
        raise TargetRefused("malformed", "user info in the URL")
    if not u.hostname:
        raise TargetRefused("malformed", "no host")
    return Origin(scheme, u.hostname.lower(), int(u.port) if u.port else DEFAULT_PORTS[scheme])


def same_origin(url: str, origin: str) -> bool:
    """Whether ``url`` (e.g. a page's current URL) is on ``origin`` (a serialized origin)."""
    try:
        return str(parse_origin(url)) == origin
    except TargetRefused:
        return False


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (getaddrinfo, TCP), in resolver order, deduplicated."""
    bare = host.strip("[]")
    infos = socket.getaddrinfo(bare, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def forbidden_address(address: str) -> str | None:
    """Why ``address`` may not be reached (``loopback``, ``link-local``, ``private``, ``cgnat``,
    ``multicast``, ``reserved``), or None for a global unicast address. IPv4-mapped IPv6 is
    judged as its IPv4 address."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    checks = (
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("cgnat", ip in ipaddress.ip_network("100.64.0.0/10")),
        ("private", ip.is_private),
        ("reserved", ip.is_reserved or ip.is_unspecified or not ip.is_global),
    )
    return next((name for name, hit in checks if hit), None)


def vet(
    url: str,
    *,
    allowlisted: bool,
    service_ports: Iterable[int] = (),
    resolver: Resolver = resolve,
) -> Pin:
    """Validate ``url``'s origin as an operation target and pin it to its first vetted address.

    ``allowlisted``: an operator allowlisted this origin for the tenant (http and local
    addresses are then allowed; it is still resolved and pinned).
    Raises ``TargetRefused`` (``scheme``, ``unresolvable``, ``address``, ``port``, ``malformed``).
    """
    origin = parse_origin(url)
    if not allowlisted:
        if origin.scheme != "https":
            raise TargetRefused("scheme", f"{origin.scheme} is allowed only for allowlisted origins")
        if origin.port in set(service_ports):
            raise TargetRefused("port", f"port {origin.port} is one of the stack's services")
    try:
        addresses = resolver(origin.host, origin.port)
    except (OSError, UnicodeError) as e:
        raise TargetRefused("unresolvable", f"{origin.host}: {type(e).__name__}") from None
    if not addresses:
        raise TargetRefused("unresolvable", f"{origin.host}: no address")
    if not allowlisted:
        for a in addresses:
            why = forbidden_address(a)
            if why is not None:
                raise TargetRefused("address", f"{origin.host} resolves to a {why} address")
    v4 = [a for a in addresses if ":" not in a]
    return Pin(origin, (v4 or addresses)[0])


def resolver_rules(pins: Iterable[Pin]) -> str:
    """Chromium's ``--host-resolver-rules`` value: ``MAP host:port address:port`` for each pin,
    then ``MAP * ~NOTFOUND`` (every other host and port, IP literals included, fails to
    resolve). Rules match ``host:port``, so another port of an allowed host is refused too."""
    rules = []
    for p in pins:
        addr = f"[{p.address}]" if ":" in p.address else p.address
        rules.append(f"MAP {p.origin.host}:{p.origin.port} {addr}:{p.origin.port}")
    return ", ".join([*rules, "MAP * ~NOTFOUND"])


def mailbox_url(host: str, port: int, tls: str) -> str:
    """The URL a mail server is vetted as (issue 13): ``https://host:port`` for a TLS mode
    (``ssl``, ``starttls``), ``http://host:port`` for plaintext (``none``), so plaintext IMAP, like
    plain http, is allowed only for an origin an operator allowlisted (the local stack's Dovecot)."""
    scheme = "http" if tls == "none" else "https"
    bare = host.strip("[]")
    return f"{scheme}://[{bare}]:{port}" if ":" in bare else f"{scheme}://{bare}:{port}"
