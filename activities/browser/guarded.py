"""Fill, select, press and click through the credential firewall (activities/browser/firewall.py).

A step whose value names a credential, or an AI click/press not yet confirmed, resolves its
target to one element handle (strict: a selector matching several elements fails), reads the
element once (:data:`~activities.browser.firewall.INSPECT_JS`), applies the rules, and only then
types into that same handle: the element checked is the element typed into, and a navigation in
between detaches it (the action fails, nothing typed on the new page). Every element that
received a credential is tagged ``data-omniops-secret`` and its selector remembered
(``Session.secret_selectors``): both are masked in every later screenshot.
"""

from __future__ import annotations

import contextlib

from playwright.async_api import ElementHandle, Locator
from playwright.async_api import Error as PlaywrightError

from activities.browser.firewall import (
    INSPECT_JS,
    Element,
    blocked,
    check_credential_use,
    confirmation_required,
    needs_confirmation,
    precheck_rule,
)
from activities.browser.placeholders import credential_fields, missing, resolve
from activities.browser.pool import Session
from workflows.operation.browser_messages import StepInput

SECRET_ATTRIBUTE = "data-omniops-secret"


async def inspect(handle: ElementHandle, totp_field: str | None) -> Element:
    return Element(**await handle.evaluate(INSPECT_JS, totp_field))


async def act(s: Session, inp: StepInput, timeout_ms: float) -> None:
    """Run a fill, select, press or click step (its target is already attached).
    Raises ``CredentialBlocked``, ``ConfirmationRequired``, ``CredentialMissing`` (all
    non-retryable, before anything is typed) or a Playwright error."""
    step = inp.step
    action, target = step.action or "", step.target or ""
    value = step.value or ""
    key = value or "Enter"
    fields = credential_fields(value)
    confirm = inp.mode != "deterministic" and not inp.confirmed and action in ("click", "press")
    if rule := precheck_rule(action, fields):
        raise blocked(rule)
    if not fields and not confirm:
        await _do(s.page.locator(target), action, resolve(value, inp.inputs, {}, []), key, timeout_ms)
        return
    if fields and not s.credential:  # a session from before issue 10 (nothing unwrapped)
        raise missing("no admin credential was handed to this browser session")
    handle = await s.page.locator(target).element_handle(timeout=timeout_ms)
    try:
        el = await inspect(handle, inp.totp_field)
        if fields:
            check_credential_use(
                fields, el, mode=inp.mode, origin=s.origin, page_url=s.page.url, totp_field=inp.totp_field
            )
        if confirm and needs_confirmation(action, key, el, named_paths=inp.named_paths, origin=s.origin):
            raise confirmation_required(action)
        text = resolve(value, inp.inputs, s.credential, s.typed_secrets)
        if fields:
            if target not in s.secret_selectors:
                s.secret_selectors.append(target)
            await handle.evaluate(f"e => e.setAttribute('{SECRET_ATTRIBUTE}', '')")
        await _do(handle, action, text, key, timeout_ms)
    finally:
        with contextlib.suppress(PlaywrightError):
            await handle.dispose()


async def _do(on: Locator | ElementHandle, action: str, text: str, key: str, timeout_ms: float) -> None:
    if action == "fill":
        await on.fill(text, timeout=timeout_ms)
    elif action == "select":
        await on.select_option(text, timeout=timeout_ms)
    elif action == "press":
        await on.press(key, timeout=timeout_ms)
    elif action == "check":  # idempotent: a ticked box stays ticked
        await on.check(timeout=timeout_ms)
    elif action == "uncheck":
        await on.uncheck(timeout=timeout_ms)
    else:
        await on.click(timeout=timeout_ms)


async def holds_secret(s: Session, target: str, timeout_ms: float) -> bool:
    """Whether ``target`` is a password field or received a secret (an AI may not extract it)."""
    handle = await s.page.locator(target).element_handle(timeout=timeout_ms)
    try:
        return (await inspect(handle, None)).holds_secret or target in s.secret_selectors
    finally:
        with contextlib.suppress(PlaywrightError):
            await handle.dispose()
