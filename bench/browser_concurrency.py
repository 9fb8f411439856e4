"""Benchmark: how many operations one browser worker's Chromium runs at once before the p95 of an
operation exceeds 2x a single operation's, and the memory of one browser context (issue 17 goal
"Browser worker concurrency").

    uv run python -m bench.browser_concurrency [--levels 1,2,3,4,6,8] [--rounds 3] [--contexts 6]

Starts (or reuses) the local WordPress (``--test-stack``: as the test stack's config names it),
then launches Chromium the way the operations worker does (activities/browser/launcher.py:
sandboxed, unprivileged, one browser for one pinned target set; each session is a context in
it). At each concurrency level ``c``, ``c`` copies of the demo operation's browser work
(log in, open the profile, generate and read an application password: :func:`browser_run`)
run at once, ``--rounds`` times; every run's wall time is a
sample. The baseline is level 1 in the same run. Memory: the proportional set size (PSS,
/proc/*/smaps_rollup) of the browser's process tree with no context, then with ``--contexts``
logged-in contexts open on the profile page; the difference
divided by their number is the memory per context.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import statistics
import time
from pathlib import Path

from playwright.async_api import Browser, BrowserContext, async_playwright

from activities.browser.launcher import launch
from core.settings import BrowserSettings
from devstack.config import StackConfig
from devstack.stack import Stack


def _tree(root: int) -> list[int]:
    """``root`` and every process below it."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        parents.setdefault(ppid, []).append(int(stat.parent.name))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo += parents.get(pid, [])
    return out


def pss_mib(root: int) -> float:
    """The PSS of ``root``'s process tree (MiB), Chromium's processes only."""
    total = 0
    for pid in _tree(root):
        try:
            if b"chrom" not in Path(f"/proc/{pid}/cmdline").read_bytes():
                continue
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


async def browser_run(browser: Browser, wp: dict[str, str], admin: dict[str, str], n: int) -> float:
    """The demo operation's browser work in a new context (bench/operation.py ``bare_run`` without
    its REST check: concurrent generations for one WordPress user race on the one usermeta row
    that holds them, so a password can vanish; that is WordPress, not the browser). Seconds."""
    t = time.perf_counter()
    ctx = await browser.new_context(viewport={"width": 1280, "height": 900})
    ctx.set_default_timeout(120_000)
    page = await ctx.new_page()
    await page.goto(f"{wp['url']}/wp-login.php", wait_until="domcontentloaded")
    await page.locator("#user_login").fill(admin["username"])
    await page.locator("#user_pass").fill(admin["password"])
    await page.locator("#wp-submit").click()
    await page.locator("#wpadminbar").wait_for()
    await page.goto(f"{wp['url']}/wp-admin/profile.php", wait_until="domcontentloaded")
    await page.locator("#new_application_password_name").fill(f"bench-conc-{n}-{time.time_ns()}")
    await page.locator("#do_new_application_password").click()
    await page.locator("#new-application-password-value").wait_for(state="visible")
    assert await page.locator("#new-application-password-value").input_value()
    await ctx.close()
    return time.perf_counter() - t


async def timed(browser: Browser, wp: dict[str, str], admin: dict[str, str], n: int) -> float:
    """One run's wall time (s); a run that fails counts as infinitely slow."""
    try:
        return await browser_run(browser, wp, admin, n)
    except Exception as e:  # noqa: BLE001 - any failure is a run that did not finish in time
        print(f"  run {n} failed: {type(e).__name__}", flush=True)
        return float("inf")


async def level(
    browser: Browser, c: int, rounds: int, wp: dict[str, str], admin: dict[str, str]
) -> list[float]:
    times: list[float] = []
    for r in range(rounds):
        times += await asyncio.gather(*(timed(browser, wp, admin, c * 1000 + r * 100 + i) for i in range(c)))
    return times


async def context_memory(browser: Browser, wp: dict[str, str], admin: dict[str, str], n: int) -> float:
    """MiB per logged-in context on the profile page."""
    await asyncio.sleep(1)
    before = pss_mib(os.getpid())
    ctxs: list[BrowserContext] = []
    for _ in range(n):
        ctx = await browser.new_context(viewport={"width": 1280, "height": 900})
        page = await ctx.new_page()
        await page.goto(f"{wp['url']}/wp-login.php", wait_until="domcontentloaded")
        await page.locator("#user_login").fill(admin["username"])
        await page.locator("#user_pass").fill(admin["password"])
        await page.locator("#wp-submit").click()
        await page.locator("#wpadminbar").wait_for()
        await page.goto(f"{wp['url']}/wp-admin/profile.php", wait_until="domcontentloaded")
        ctxs.append(ctx)
    await asyncio.sleep(1)
    after = pss_mib(os.getpid())
    for ctx in ctxs:
        await ctx.close()
    print(f"browser PSS: {before:.0f} MiB with no context, {after:.0f} MiB with {n} contexts", flush=True)
    return (after - before) / n


async def main(levels: list[int], rounds: int, contexts: int, test_stack: bool) -> None:
    cfg = StackConfig()
    if test_stack:
        from tests.stack_fixtures import TEST_CONFIG

        cfg = TEST_CONFIG
    wp = Stack(cfg).wordpress()  # the one shared site: its application passwords are left alone
    admin = json.loads(Path(wp["password_file"]).read_text())
    p95: dict[int, float] = {}
    async with async_playwright() as pw:
        browser = await launch(pw, BrowserSettings(), rules="")
        await level(browser, 1, 1, wp, admin)  # warm-up, not counted
        for c in levels:
            times = await level(browser, c, rounds, wp, admin)
            p95[c] = sorted(times)[math.ceil(0.95 * len(times)) - 1]  # nearest rank (a failed run is inf)
            print(
                f"{c:3d} at once: median {statistics.median(times):.2f}s  p95 {p95[c]:.2f}s  "
                f"(n={len(times)})",
                flush=True,
            )
        per_ctx = await context_memory(browser, wp, admin, contexts)
        await browser.close()
    single = p95[levels[0]]
    within = [c for c in levels if p95[c] <= 2 * single]
    print(f"\nsingle operation p95 {single:.2f}s; the largest level with p95 <= 2x single: {max(within)}")
    print(f"memory per browser context: {per_ctx:.1f} MiB (PSS, logged in, on the profile page)")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--levels", default="1,2,3,4,6,8")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--contexts", type=int, default=6)
    ap.add_argument("--test-stack", action="store_true", help="the WordPress of the test stack's config")
    x = ap.parse_args()
    asyncio.run(main([int(v) for v in x.levels.split(",")], x.rounds, x.contexts, x.test_stack))
