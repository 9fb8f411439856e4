"""Egress on every request (issue 10, part 2, and "resolve once and pin"), in real Chromium
started the way the browser worker starts it (activities/browser: pinned, sandboxed, as the
unprivileged user when we are root).

The allowed site (localhost:A) attacks a forbidden listener (127.0.0.1:B, also reached as
localhost:B, the same host on another port) with every request type the issue lists: a
script, a 302 to an internal address and to another port, a popup, a form post, a WebSocket,
a fetch, data:/blob:/javascript:/file: navigations, and a service worker. The listener counts
every TCP connection: it must stay at 0, and the session's egress log must count the refusals.
DNS rebinding: a name vetted at one address while the system resolver answers another at use.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page

from activities.browser import BrowserSessions
from activities.browser.pool import Session
from core.settings import get_settings
from core.targets import vet
from tests.integration.browser_helpers import (
    CountingListener,
    Site,
    browser_sessions,
    free_port,
    open_input,
)
from workflows.operation.browser_messages import CloseSessionInput

HOSTS = Path("/etc/hosts")


@pytest.fixture(scope="module")
def forbidden() -> Iterator[CountingListener]:
    listener = CountingListener()
    yield listener
    listener.shutdown()


@pytest.fixture(scope="module")
def site(forbidden: CountingListener) -> Iterator[Site]:
    b = forbidden.port
    ip = f"http://127.0.0.1:{b}"
    pages = {
        "/script": f"<script src='{ip}/x.js'></script><img src='http://localhost:{b}/i.png'><p id=ok>ok</p>",
        "/popup": f"<a id=go target=_blank href='{ip}/popup'>go</a>",
        "/form": f"<form method=post action='{ip}/post'><input name=a value=b></form>"
        "<script>document.forms[0].submit()</script>",
        "/ws": f"<script>window.ws = new WebSocket('ws://127.0.0.1:{b}/ws')</script>",
        "/fetch": f"<script>fetch('http://localhost:{b}/f').catch(() => {{}})</script>",
        "/data-top": f"<script>location.href = \"data:text/html,<img src='{ip}/d'>\"</script>",
        "/data-frame": f"<iframe src=\"data:text/html,<img src='{ip}/d'>\"></iframe>",
        "/blob": f"<script>location.href = URL.createObjectURL(new Blob([\"<img src='{ip}/b'>\"],"
        " {type: 'text/html'}))</script>",
        "/javascript": f"<a id=go href=\"javascript:fetch('{ip}/j')\">go</a>",
        "/file": "<script>location.href = 'file:///etc/passwd'</script>",
    }
    s = Site(pages)
    yield s
    s.shutdown()


@pytest.fixture(scope="module")
async def sessions(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[BrowserSessions]:
    bs = browser_sessions(tmp_path_factory.mktemp("objects"))
    await bs.start()
    yield bs
    await bs.shutdown()


@pytest.fixture(scope="module")
async def session(sessions: BrowserSessions, site: Site) -> AsyncIterator[Session]:
    pin = vet(f"http://localhost:{site.port}", allowlisted=True)
    inp = open_input([pin])
    await sessions.open_session(inp)
    yield sessions._pool.get(inp.operation_id)
    await sessions.close_session(CloseSessionInput(operation_id=inp.operation_id, tenant_id="t-egress"))


async def blocked_after(session: Session, page: Page, path: str, want: int = 1) -> tuple[int, list[str]]:
    """Load ``path`` of the site (a refused main-frame load is fine) and wait until the egress
    log has ``want`` refusals (up to 5 s, polled), then take them."""
    session.egress.take()
    with contextlib.suppress(PlaywrightError):
        await page.goto(f"{session.origin}{path}", wait_until="load", timeout=5000)
    for _ in range(100):
        if session.egress.count >= want:
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.2)  # let any later request of the page show up (and be counted)
    return session.egress.take()


async def test_every_request_type_to_another_origin_is_refused(
    session: Session, forbidden: CountingListener, site: Site
) -> None:
    b, page = forbidden.port, session.page
    ip, other_port = f"http://127.0.0.1:{b}", f"http://localhost:{b}"

    count, origins = await blocked_after(session, page, "/script", 2)
    assert (count, sorted(origins)) == (2, sorted([ip, other_port]))  # refused in parallel: any order
    assert await page.locator("#ok").is_visible()  # the allowed page itself loaded

    for to in (ip, other_port):  # redirect hops: refused by the resolver pins, counted
        count, origins = await blocked_after(session, page, f"/redirect?to={to}/")
        assert (count, origins) == (1, [to])

    count, origins = await blocked_after(session, page, "/form")
    assert (count, origins) == (1, [ip])

    assert await blocked_after(session, page, "/ws") == (1, [f"ws://127.0.0.1:{b}"])
    assert await blocked_after(session, page, "/fetch") == (1, [other_port])

    await blocked_after(session, page, "/popup", want=0)
    async with page.context.expect_page() as popup:
        await page.locator("#go").click()
    await (await popup.value).wait_for_load_state()
    for _ in range(100):
        if session.egress.count:
            break
        await asyncio.sleep(0.05)
    assert session.egress.take() == (1, [ip])
    await (await popup.value).close()

    await blocked_after(session, page, "/javascript", want=0)
    await page.locator("#go").click()
    for _ in range(100):
        if session.egress.count:
            break
        await asyncio.sleep(0.05)
    assert session.egress.take() == (1, [ip])

    assert forbidden.connections == 0


async def test_data_blob_and_file_navigations_are_refused(
    session: Session, forbidden: CountingListener
) -> None:
    page = session.page
    # a page's own top-level data: and file: navigations: Chromium refuses them (nothing commits)
    for path in ("/data-top", "/file"):
        await blocked_after(session, page, path, want=0)
        assert page.url == f"{session.origin}{path}"
    # a data: frame commits: counted, its subresource refused, the frame sent to about:blank
    count, origins = await blocked_after(session, page, "/data-frame", want=2)
    assert count >= 2 and "data:" in origins and f"http://127.0.0.1:{forbidden.port}" in origins
    await asyncio.sleep(0.2)
    assert [f.url for f in page.frames[1:]] == ["about:blank"]
    # a blob: document (the page's own origin) commits: counted and sent back to about:blank
    count, origins = await blocked_after(session, page, "/blob")
    assert "blob:" in origins
    await page.wait_for_url("about:blank", timeout=5000)
    # the automation itself navigating to data: (a model-chosen URL) is neutralised too
    session.egress.take()
    await page.goto(f"data:text/html,<img src='http://127.0.0.1:{forbidden.port}/g'>")
    await page.wait_for_url("about:blank", timeout=5000)
    assert "data:" in session.egress.take()[1]
    assert forbidden.connections == 0


async def test_service_workers_are_blocked(session: Session) -> None:
    """Playwright's ``service_workers="block"`` makes ``register`` a no-op: nothing registers."""
    await session.page.goto(f"{session.origin}/sw", wait_until="load")
    registrations = await session.page.evaluate(
        """async () => {
            try { await navigator.serviceWorker.register('/sw.js'); } catch (e) {}
            await new Promise(r => setTimeout(r, 300));
            return (await navigator.serviceWorker.getRegistrations()).length;
        }"""
    )
    assert registrations == 0


@pytest.fixture
def rebinding_hosts(forbidden: CountingListener) -> Iterator[str]:
    """The system resolver answers ``rebind.test`` with 127.0.0.2 (the attacker's address at
    use time) for the length of one test; the line is removed afterwards."""
    line = "127.0.0.2 rebind.test  # omniops test_browser_egress\n"
    before = HOSTS.read_text()
    HOSTS.write_text(before + ("" if before.endswith("\n") else "\n") + line)
    try:
        yield "rebind.test"
    finally:
        HOSTS.write_text("".join(x for x in HOSTS.read_text().splitlines(True) if x != line))


async def test_dns_rebinding_gets_nowhere(
    sessions: BrowserSessions, site: Site, rebinding_hosts: str
) -> None:
    """Vetted at 127.0.0.1 (the check-time answer), the name answers 127.0.0.2 at use time, where
    a listener waits on the same port: the browser goes only to the pinned address."""
    attacker = CountingListener("127.0.0.2", site.port)
    answers = iter([["127.0.0.1"], ["127.0.0.2"]])
    calls: list[str] = []

    def resolver(host: str, port: int) -> list[str]:
        calls.append(host)
        return next(answers)

    pin = vet(f"http://{rebinding_hosts}:{site.port}", allowlisted=True, resolver=resolver)
    assert pin.address == "127.0.0.1"
    inp = open_input([pin])
    await sessions.open_session(inp)
    try:
        s = sessions._pool.get(inp.operation_id)
        await s.page.goto(f"http://{rebinding_hosts}:{site.port}/rebound", wait_until="load")
        assert await s.page.locator("#ok").is_visible()  # the vetted site answered
        assert "/rebound" in site.requests
        assert calls == [rebinding_hosts]  # one lookup, at check time; none by the browser
        assert attacker.connections == 0
    finally:
        await sessions.close_session(CloseSessionInput(operation_id=inp.operation_id, tenant_id="t-egress"))
        attacker.shutdown()


async def test_sessions_with_the_same_pins_share_one_browser(sessions: BrowserSessions, site: Site) -> None:
    """One browser per pinned target set, reused; idle ones beyond ``idle_browsers`` closed."""
    pool, idle = sessions._pool, get_settings().browser.idle_browsers
    pins = [vet(f"http://localhost:{site.port}", allowlisted=True)]
    others = [[vet(f"http://localhost:{free_port()}", allowlisted=True)] for _ in range(idle + 1)]
    same = [open_input(pins), open_input(pins)]
    for inp in same:
        await sessions.open_session(inp)
    with_same = pool.browser_count
    for inp in same:
        await sessions.close_session(CloseSessionInput(operation_id=inp.operation_id, tenant_id="t-egress"))
    await sessions.open_session(again := open_input(pins))
    assert pool.browser_count == with_same  # reused after its sessions closed, not relaunched
    distinct = [open_input(p) for p in others]
    for inp in distinct:
        await sessions.open_session(inp)
    assert pool.browser_count == with_same + len(others)
    for inp in [again, *distinct]:
        await sessions.close_session(CloseSessionInput(operation_id=inp.operation_id, tenant_id="t-egress"))
    busy = 1  # the module's own session (its browser has the same pins as ``pins``)
    assert pool.browser_count == busy + idle
