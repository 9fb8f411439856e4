"""The Temporal Web UI decodes for operators (issue 11, Build item 5), checked in a real browser.

The test stack's Temporal dev server was started with the UI's codec capability
(devstack/services.py ``start_temporal``); the API runs as a real process on ``api_port`` (the
browser calls it, not the in-process test client). A real operation runs for a fresh tenant; then
Debian's Chromium opens the UI's workflow page and reads decoded JSON in the Input and Result
cards and in an activity's payloads, with no "Codec Server could not connect" banner and no
secret anywhere in the page. The screenshot is ``$OMNIOPS_TEST_DATA/webui-decoded.png``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page, async_playwright

from core.settings import get_settings
from core.vault import VaultStore, credential_path
from devstack.services import UI_CODEC_ENV_FILE
from devstack.stack import UI_OPERATOR
from tests.integration.codec_helpers import audit_entries
from tests.integration.firewall_helpers import chromium_launcher, is_root
from tests.integration.helpers import SERVICE, initiate, store_admin_credential, wait_terminal, wp_admin
from tests.stack_fixtures import DATA

pytestmark = pytest.mark.stack
BANNER = "Codec Server could not connect"


@pytest.fixture(scope="module")
async def page(live: Any) -> AsyncIterator[Page]:
    """A Chromium page (sandbox on, as an unprivileged user when we are root); the real API process
    is up for the UI to call."""
    live.stack.api()
    settings = get_settings()
    exe = chromium_launcher(settings.browser.run_as_user) if is_root() else settings.browser.executable_path
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=exe, args=list(settings.browser.args))
        yield await browser.new_page(viewport={"width": 1400, "height": 2400})
        await browser.close()


async def open_workflow(page: Page, ui_port: int, workflow_id: str, expect: str) -> None:
    """Open the workflow page and wait until ``expect`` shows in the decoded Input card."""
    await page.goto(f"http://localhost:{ui_port}/namespaces/default/workflows/{workflow_id}")
    await page.get_by_text(expect).first.wait_for(timeout=30_000)


async def expand_event(page: Page, event_type: str, tenant: str) -> str:
    """Click the first row of ``event_type`` in the event history and wait (up to 15 s) until its
    expanded details show one more ``"{tenant}"``; the page text then."""
    before = (await page.inner_text("body")).count(f'"{tenant}"')
    await page.get_by_text(event_type, exact=True).first.click()
    for _ in range(150):
        text = await page.inner_text("body")
        if text.count(f'"{tenant}"') > before:
            return text
        await page.wait_for_timeout(100)
    raise AssertionError(f"the expanded {event_type} event shows no decoded tenant_id")


async def test_the_web_ui_shows_decoded_input_result_and_activity_payloads(
    api: Any, live: Any, page: Page
) -> None:
    tenant = f"t-{uuid.uuid4().hex[:10]}"
    await store_admin_credential(api, tenant, live.wp)
    op = await initiate(api, tenant, live.wp, consent=True)
    final = await wait_terminal(api, tenant, op["operation_id"])
    assert final["status"] == "completed", final
    c = live.stack.c

    await open_workflow(page, c.ui_port, op["workflow_id"], f'"{tenant}"')
    top = await page.inner_text("body")
    # Input card: the OperationInput as JSON; Result card: the OperationResult
    assert '"tenant_id"' in top and f'"{tenant}"' in top, top[:3000]
    assert f'"{SERVICE}"' in top and '"application_password_generation"' in top
    assert '"status"' in top and '"completed"' in top and f'"{op["operation_id"]}"' in top
    assert '"credential_path"' in top
    assert "binary/encrypted" not in top and "encryption-key-id" not in top

    # an activity's payloads: its input (expanded) and its result
    text = await expand_event(page, "Activity Task Scheduled", tenant)
    assert "binary/encrypted" not in text

    await page.evaluate("document.querySelectorAll('*').forEach(e => { e.scrollTop = 0 })")
    await page.screenshot(path=str(DATA / "webui-decoded.png"), full_page=True)
    html = await page.content()
    assert BANNER not in text and await page.get_by_test_id("data-encoder-status-error").count() == 0

    # no secret in the page: the site admin's password, the generated application password
    app_password = VaultStore(get_settings()).read(credential_path(tenant, SERVICE, "application_password"))
    assert app_password is not None
    for secret in (wp_admin(live.wp)["password"], app_password["password"]):
        assert secret not in text and secret not in html

    # every decode the UI asked for was audited as the capability's operator, for this tenant
    rows = [e for e in audit_entries(actor=UI_OPERATOR) if e.tenant_id == tenant]
    assert rows and {e.action for e in rows} == {"codec.decode"}
    assert sum(int(e.detail["payloads"]) for e in rows if e.detail) >= 3
    assert all(json.dumps(e.detail).count("password") == 0 for e in rows)

    # the capability reached the UI through its mode-600 file, and is in no log of the stack
    env_file = c.data_dir / UI_CODEC_ENV_FILE
    assert env_file.stat().st_mode & 0o777 == 0o600
    endpoint = json.loads(env_file.read_text())["env"]["omniops-ui"]["ui-codec-endpoint"]
    capability = endpoint.rsplit("/", 1)[1]
    assert endpoint == f"http://localhost:{c.api_port}/codec/ui/{capability}" and len(capability) > 100
    for log in c.log_dir.glob("*.log"):
        assert capability not in log.read_text(errors="replace"), log
    pid = (c.run_dir / "temporal.pid").read_text().strip()
    assert capability.encode() not in Path(f"/proc/{pid}/cmdline").read_bytes()
