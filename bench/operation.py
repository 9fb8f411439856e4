"""Benchmark: the demo operation through the whole system vs. the same steps as bare Playwright.

    uv run python -m bench.operation [--runs 5]

Starts (or reuses) the local dev stack. Each round runs, alternately:
- **orchestrated**: ``POST /api/autonomous/initiate`` (active consent) until the workflow result
  (Temporal, Vault, Postgres audit, masked + encrypted screenshots, connection test);
- **bare**: one Playwright script in this process on an already-launched Chromium (launched
  the way the worker launches it: its sandbox on, as the unprivileged browser user; as the
  worker has): log in, open the profile, generate an application password, read it, then the
  same REST connection test with httpx. No screenshots, no audit, no Vault.

Prints the median wall times and their ratio (the goal is <= 2x). One warm-up round is not counted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import time
from pathlib import Path

import httpx
from playwright.async_api import Browser, async_playwright

from activities.browser.launcher import launch
from core.settings import BrowserSettings
from devstack.config import StackConfig
from devstack.demo import OPERATION, SERVICE, DemoClient
from devstack.stack import Stack
from workflows.operation.messages import OperationResult
from workflows.operation.workflow import AutonomousOperationWorkflow


async def bare_run(browser: Browser, url: str, user: str, password: str, n: int) -> float:
    t = time.perf_counter()
    ctx = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await ctx.new_page()
    await page.goto(f"{url}/wp-login.php", wait_until="domcontentloaded")
    await page.locator("#user_login").wait_for()
    await page.locator("#user_login").fill(user)
    await page.locator("#user_pass").fill(password)
    await page.locator("#wp-submit").click()
    await page.locator("#wpadminbar").wait_for()
    await page.goto(f"{url}/wp-admin/profile.php", wait_until="domcontentloaded")
    await page.locator("#new_application_password_name").fill(f"bench-bare-{n}-{time.time_ns()}")
    await page.locator("#do_new_application_password").click()
    await page.locator("#new-application-password-value").wait_for(state="visible")
    app_password = await page.locator("#new-application-password-value").input_value()
    await ctx.close()
    async with httpx.AsyncClient(timeout=15) as http:
        r = await http.get(f"{url}/?rest_route=/wp/v2/users/me", auth=(user, app_password))
    assert r.status_code == 200, r.status_code
    return time.perf_counter() - t


async def orchestrated_run(api: DemoClient, client, url: str) -> tuple[float, OperationResult]:  # type: ignore[no-untyped-def]
    """Initiate through the API (active consent) and wait for the workflow's result."""
    t = time.perf_counter()
    op = api.call(
        "POST",
        "/api/autonomous/initiate",
        api.admin,
        json={"service": SERVICE, "operation": OPERATION, "consent": True, "inputs": {"site_url": url}},
    )
    handle = client.get_workflow_handle_for(AutonomousOperationWorkflow.run, op["workflow_id"])
    result = await handle.result()
    elapsed = time.perf_counter() - t
    assert result.status == "completed" and result.connection_test_passed, result
    return elapsed, result


def reset_application_passwords() -> None:
    """Start from an admin with no application passwords: every run adds one, and the profile page
    lists them all, so an old local site would slow both sides (138 rows seen after a day's tests)."""
    subprocess.run(
        ["mariadb", "omniops_wp", "-e", "DELETE FROM wp_usermeta WHERE meta_key = '_application_passwords'"],
        check=True,
    )


async def main(runs: int) -> None:
    stack = Stack(StackConfig())
    wp = stack.up()
    os.environ.update(stack.env())
    from core.temporal import connect
    from workflows import ids

    client = await connect(scoping=ids)
    api = DemoClient(stack)
    api.store_wordpress_admin(wp)
    reset_application_passwords()
    admin = json.loads(Path(wp["password_file"]).read_text())
    b = BrowserSettings()
    async with async_playwright() as pw:
        browser = await launch(pw, b, rules="")  # the worker's Chromium: sandboxed, unprivileged
        bare, orch = [], []
        for i in range(runs + 1):
            tb = await bare_run(browser, wp["url"], admin["username"], admin["password"], i)
            to, _ = await orchestrated_run(api, client, wp["url"])
            if i:  # round 0 warms both paths up
                bare.append(tb)
                orch.append(to)
            print(
                f"round {i}{' (warm-up)' if not i else ''}: bare {tb:.2f}s  orchestrated {to:.2f}s",
                flush=True,
            )
        await browser.close()
    mb, mo = statistics.median(bare), statistics.median(orch)
    print(f"\nbare Playwright median:   {mb:.2f}s  (n={runs}, min {min(bare):.2f}s)")
    print(f"orchestrated median:      {mo:.2f}s  (n={runs}, min {min(orch):.2f}s)")
    print(f"ratio orchestrated/bare:  {mo / mb:.2f}x  (goal <= 2x)")


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=5)
    asyncio.run(main(p.parse_args().runs))
