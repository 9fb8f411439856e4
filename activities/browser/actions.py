"""One definition step on a page: navigate, fill, click, press, select, wait or extract, then
wait for its expected result (or the site's error selector).

A target that is not in the page fails at once as a non-retryable ``StepFailed`` (the AI may heal
it); the site showing its error selector is ``InvalidCredentials``. Fill, select, press and click
go through the credential firewall (:mod:`.guarded`). The browser worker never writes Vault: an
extracted value is response-wrapped (a single-use token the agent's ``record_credential``
unwraps into Vault); only the token and its Vault path are returned. The value's fingerprint is
keyed per tenant and computed by the agent after the unwrap (this worker may not read the key).
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from playwright.async_api import Dialog, Page
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeout
from temporalio.exceptions import ApplicationError

from activities.browser.firewall import blocked, page_path, scrub, secrets_of
from activities.browser.guarded import act, holds_secret
from activities.browser.navigation import allowed_url, goto
from activities.browser.placeholders import remember
from activities.browser.pool import Session
from core.failures import Failure
from core.vault import VaultStore, credential_path
from workflows.operation.browser_messages import StepInput


def step_ms(inp: StepInput) -> float:
    """The step's timeout in milliseconds (Playwright's unit)."""
    return inp.step.timeout_s * 1000


async def perform(s: Session, vault: VaultStore, inp: StepInput, wrap_ttl_s: int) -> dict[str, Any]:
    """Run the step; returns the extracted value's wrapping token and Vault path
    for ``extract`` (else nothing). A step with ``accept_dialog`` accepts the ``confirm()`` it
    opens (issue 15: "revoke this password?"); any other dialog is dismissed (Playwright's default)."""
    if not inp.step.accept_dialog:
        return await _perform(s, vault, inp, wrap_ttl_s)

    def accept(d: Dialog) -> None:
        asyncio.ensure_future(d.accept())

    s.page.on("dialog", accept)
    try:
        return await _perform(s, vault, inp, wrap_ttl_s)
    finally:
        s.page.remove_listener("dialog", accept)


async def _perform(s: Session, vault: VaultStore, inp: StepInput, wrap_ttl_s: int) -> dict[str, Any]:
    step, ms, page = inp.step, step_ms(inp), s.page
    out: dict[str, Any] = {}
    target = step.target or ""
    if step.action in ("fill", "click", "press", "select", "check", "uncheck", "extract"):
        await require_target(page, inp)
    if step.action == "navigate":
        url = allowed_url(inp.inputs["site_url"], step.target, inp.allowed_domains, s.allowed_origins)
        await goto(page, url, ms)
    elif step.action in ("fill", "click", "press", "select", "check", "uncheck"):
        await act(s, inp, ms)
    elif step.action == "wait":
        await page.locator(target).first.wait_for(timeout=ms)
    elif step.action == "extract":
        out = await extract(s, vault, inp, ms, wrap_ttl_s)
    if step.expected and step.error_selector:
        either = page.locator(f"{step.expected}, {step.error_selector}").first
        await either.wait_for(state="visible", timeout=ms)
        refused = page.locator(step.error_selector).first
        if await refused.is_visible():
            text = scrub((await refused.inner_text(timeout=2000)).strip(), secrets_of(s))[:200]
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
            f"{inp.step.action} {inp.step.target}: selector not found on {page_path(page.url)}",
            type=Failure.STEP_FAILED,
            non_retryable=True,
        ) from None


async def extract(
    s: Session, vault: VaultStore, inp: StepInput, ms: float, wrap_ttl_s: int
) -> dict[str, Any]:
    """Read the target's value (or text) and response-wrap it as ``{"password": value}`` for
    ``store_as``; the agent adds the admin username and the site when it stores it. An AI step
    may not extract a password field or an element that received a secret."""
    if not inp.step.store_as:
        raise ApplicationError("extract needs store_as", type=Failure.INVALID_STEP, non_retryable=True)
    target = inp.step.target or ""
    if inp.mode != "deterministic" and await holds_secret(s, target, ms):
        raise blocked("the AI may not extract a field that holds a secret")
    loc = s.page.locator(target)
    await loc.wait_for(timeout=ms)
    value = (
        (await loc.input_value(timeout=ms))
        if await loc.evaluate("e => 'value' in e")
        else (await loc.inner_text(timeout=ms))
    )
    value = value.strip()
    if inp.step.extract_pattern and (m := re.search(inp.step.extract_pattern, value)):
        value = m.group(1 if m.re.groups else 0)
    elif inp.step.extract_pattern:
        value = ""  # the pattern is not there: never store the surrounding text
    if not value:
        raise PlaywrightError(f"{target} is empty")
    remember(s.typed_secrets, value)  # scrubbed from later page text and errors
    if target not in s.secret_selectors:
        s.secret_selectors.append(target)  # and masked in later screenshots
    token = await asyncio.to_thread(vault.wrap, {"password": value}, wrap_ttl_s)
    path = credential_path(inp.tenant_id, inp.service, inp.step.store_as)
    return {
        "credential_wrap": token,
        "credential_path": vault.full_path(path),
    }
