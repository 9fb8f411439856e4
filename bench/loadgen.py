"""A native HTTP load generator for the API benches (issue 17): vegeta
(``github.com/tsenart/vegeta/v12``, built from the Go module proxy into the provisioning cache by
``deploy/local/provision.sh loadgen``, like the Temporal CLI), so the load does not take the
server's CPU the way a Python client on the same cores does.

:func:`attack` drives one route with ``clients`` closed-loop connections (``-rate=0
-max-workers=clients``: each sends its next request when the last one answered) or at a fixed
``rate`` (req/s, open loop), cycling through ``targets`` (each with its own bearer header), and
returns vegeta's report: throughput, p50, p99, status codes, and each response body when asked.
Without Go (the build fails) :func:`attack` falls back to a closed-loop httpx client in this
process and says so in :attr:`Result.tool`.
"""

from __future__ import annotations

import asyncio
import base64
import json
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from devstack.config import CACHE_BIN, ROOT

VEGETA = "vegeta"


@dataclass(frozen=True)
class Target:
    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None

    def vegeta(self) -> str:
        t: dict[str, Any] = {"method": self.method, "url": self.url}
        t["header"] = {k: [v] for k, v in self.headers.items()}
        if self.body is not None:
            t["body"] = base64.b64encode(self.body).decode()
        return json.dumps(t)


@dataclass
class Result:
    tool: str
    requests: int
    seconds: float
    rate: float
    """Answered requests per second of the attack's wall time."""
    p50_ms: float
    p99_ms: float
    codes: dict[str, int]
    bodies: list[bytes] = field(default_factory=list)

    def line(self, name: str) -> str:
        return (
            f"{name:16s} {self.rate:8.1f} req/s  p50 {self.p50_ms:7.1f} ms  p99 {self.p99_ms:7.1f} ms  "
            f"(n={self.requests}, codes {self.codes}, {self.tool})"
        )


def vegeta_binary(build: bool = True) -> str | None:
    """vegeta on PATH, else in the cache; else built once by provisioning (None if that fails)."""
    found = shutil.which(VEGETA) or (str(CACHE_BIN / VEGETA) if (CACHE_BIN / VEGETA).exists() else None)
    if found or not build:
        return found
    script = ROOT / "deploy" / "local" / "provision.sh"
    if subprocess.run(["bash", str(script), "loadgen"], check=False).returncode != 0:  # noqa: S603, S607
        return None
    return vegeta_binary(build=False)


def attack(
    targets: list[Target], clients: int, seconds: float, rate: int = 0, bodies: bool = False
) -> Result:
    """One attack on ``targets`` (round robin) for ``seconds``: closed loop with ``clients``
    connections (``rate`` 0) or ``rate`` req/s with at most ``clients`` in flight."""
    exe = vegeta_binary()
    if exe is None:
        if rate:
            raise RuntimeError("fixed-rate attacks need vegeta (deploy/local/provision.sh loadgen)")
        return asyncio.run(_python_attack(targets, clients, seconds, bodies))
    with tempfile.TemporaryDirectory(prefix="omniops-loadgen-") as d:
        tfile, out = Path(d) / "targets.jsonl", Path(d) / "results.bin"
        tfile.write_text("\n".join(t.vegeta() for t in targets) + "\n")
        argv = [exe, "attack", "-format=json", f"-targets={tfile}", f"-duration={seconds}s"]
        argv += [f"-rate={rate}/s" if rate else "-rate=0", f"-max-workers={clients}", f"-workers={clients}"]
        argv += ["-timeout=60s", "-keepalive=true", "-http2=false", f"-output={out}"]
        subprocess.run(argv, check=True)  # noqa: S603
        report = json.loads(subprocess.run([exe, "report", "-type=json", str(out)], **_CAPTURE).stdout)
        got = _bodies(exe, out) if bodies else []
    lat = report["latencies"]
    return Result(
        tool="vegeta",
        requests=int(report["requests"]),
        seconds=(report["duration"] + report["wait"]) / 1e9,
        rate=int(report["requests"]) / max((report["duration"] + report["wait"]) / 1e9, 1e-9),
        p50_ms=lat["50th"] / 1e6,
        p99_ms=lat["99th"] / 1e6,
        codes={str(k): int(v) for k, v in report["status_codes"].items()},
        bodies=got,
    )


_CAPTURE: dict[str, Any] = {"check": True, "capture_output": True, "text": True}


def _bodies(exe: str, out: Path) -> list[bytes]:
    text = subprocess.run([exe, "encode", "-to=json", str(out)], **_CAPTURE).stdout  # noqa: S603
    return [base64.b64decode(json.loads(line).get("body") or "") for line in text.splitlines() if line]


async def _python_attack(targets: list[Target], clients: int, seconds: float, bodies: bool) -> Result:
    """The fallback: ``clients`` closed-loop httpx connections in this process (it shares the
    cores with the server, so it understates what the server does)."""
    took: list[float] = []
    codes: dict[str, int] = {}
    kept: list[bytes] = []
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(timeout=60, limits=limits) as http:
        end = time.perf_counter() + seconds

        async def one(i: int) -> None:
            n = i
            while time.perf_counter() < end:
                t = targets[n % len(targets)]
                n += clients
                start = time.perf_counter()
                r = await http.request(t.method, t.url, headers=t.headers, content=t.body)
                took.append(time.perf_counter() - start)
                codes[str(r.status_code)] = codes.get(str(r.status_code), 0) + 1
                if bodies:
                    kept.append(r.content)

        began = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(clients)))
        wall = time.perf_counter() - began
    took.sort()
    q = lambda f: took[min(len(took) - 1, int(f * len(took)))] * 1000 if took else 0.0  # noqa: E731
    tool = "python httpx (fallback: vegeta unavailable)"
    return Result(tool, len(took), wall, len(took) / wall, q(0.5), q(0.99), codes, kept)
