"""One definition step on a page: navigate, fill, click, press, select, wait or extract, then
wait for its expected result (or the site's error selector).

A target that is not in the page fails at once as a non-retryable ``StepFailed`` (the AI may heal
it); the site showing its error selector is ``InvalidCredentials``. An extracted value is written
to Vault; only its path and fingerprint are returned.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page
from playwright.async_api import TimeoutError as PlaywrightTimeout
from temporalio.exceptions import ApplicationError

from activities.browser.navigation import allowed_url
from activities.browser.placeholders import resolve
from core.failures import Failure
from core.vault import VaultStore, credential_path, fingerprint
from workflows.operation.browser_messages import StepInput


def step_ms(inp: StepInput) -> float:
    """The step's timeout in milliseconds (Playwright's unit)."""
    return inp.step.timeout_s * 1000


async def perform(page: Page, vault: VaultStore, inp: StepInput, secrets: list[str]) -> dict[str, Any]:
    """Run the step; returns the extracted credential's path and fingerprint for ``extract``
    (else nothing). Resolved secrets are added to ``secrets``."""
    step, ms = inp.step, step_ms(inp)
    out: dict[str, Any] = {}
    target = step.target or ""
    if step.action in ("fill", "click", "press", "select", "extract"):
        await require_target(page, inp)
    if step.action == "navigate":
        url = allowed_url(inp.inputs["site_url"], step.target, inp.allowed_domains)
        await page.goto(url, wait_until="domcontentloaded", timeout=ms)
    elif step.action == "fill":
        await page.locator(target).fill(await resolve(vault, inp, step.value or "", secrets), timeout=ms)
    elif step.action == "click":
        await page.locator(target).click(timeout=ms)
    elif step.action == "press":
        await page.locator(target).press(step.value or "Enter", timeout=ms)
    elif step.action == "select":
        value = await resolve(vault, inp, step.value or "", secrets)
        await page.locator(target).select_option(value, timeout=ms)
    elif step.action == "wait":
        await page.locator(target).first.wait_for(timeout=ms)
    elif step.action == "extract":
        out = await extract(page, vault, inp, ms)
    if step.expected and step.error_selector:
        either = page.locator(f"{step.expected}, {step.error_selector}").first
        await either.wait_for(state="visible", timeout=ms)
        refused = page.locator(step.error_selector).first
        if await refused.is_visible():
            text = (await refused.inner_text(timeout=2000)).strip()[:200]
            for secret in secrets:
                text = text.replace(secret, "***")
            raise ApplicationError(
                f"the site refused the credentials: {text}",
                type=Failure.INVALID_CREDENTIALS,
                non_retryable=True,
            )
    elif step.expected:
        await page.locator(step.expected).first.wait_for(state="visible", timeout=ms)
    return out


async def require_target(page: Page, inp: StepInput) -> None:
    """A target that is not in the page after ``selector_wait_s`` is missing: retrying will not
    bring it back, so the step fails at once (and the AI may heal it)."""
    try:
        await page.locator(inp.step.target or "").first.wait_for(
            state="attached", timeout=min(inp.step.selector_wait_s, inp.step.timeout_s) * 1000
        )
    except PlaywrightTimeout:
        raise ApplicationError(
            f"{inp.step.action} {inp.step.target}: selector not found on {urlsplit(page.url).path}",
            type=Failure.STEP_FAILED,
            non_retryable=True,
        ) from None


async def extract(page: Page, vault: VaultStore, inp: StepInput, ms: float) -> dict[str, Any]:
    """Read the target's value (or text) and store it in Vault as ``store_as``, with the admin
    credential's username and the site URL."""
    if not inp.step.store_as:
        raise ApplicationError("extract needs store_as", type=Failure.INVALID_STEP, non_retryable=True)
    loc = page.locator(inp.step.target or "")
    await loc.wait_for(timeout=ms)
    value = (
        (await loc.input_value(timeout=ms))
        if await loc.evaluate("e => 'value' in e")
        else (await loc.inner_text(timeout=ms))
    )
    value = value.strip()
    if not value:
        raise PlaywrightError(f"{inp.step.target} is empty")
    admin = (
        await asyncio.to_thread(vault.read, credential_path(inp.tenant_id, inp.service, inp.credential)) or {}
    )
    path = credential_path(inp.tenant_id, inp.service, inp.step.store_as)
    await asyncio.to_thread(
        vault.write,
        path,
        {
            "username": admin.get("username", ""),
            "password": value,
            "site_url": inp.inputs.get("site_url", ""),
        },
    )
    return {"credential_path": vault.full_path(path), "credential_fingerprint": fingerprint(value)}
