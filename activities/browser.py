"""Browser session activities (Playwright over Debian Chromium), one browser per worker process.

``open_session`` runs on the shared ``operations`` queue and hands back this worker's own
queue; ``run_step`` and ``close_session`` run there, so one page keeps its state across steps.

Secrets: ``{{credential.x}}`` placeholders are resolved from Vault here, typed into the page
and never returned, logged or put in an error message. Screenshots mask the definition's
secret fields and are stored encrypted; only their keys leave the activity.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import pyotp
from playwright.async_api import Browser, BrowserContext, Page, Playwright, async_playwright
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeout
from temporalio import activity
from temporalio.exceptions import ApplicationError

from core.logging import get_logger
from core.objectstore import ObjectNotFound, ObjectStore
from core.queues import session_queue
from core.settings import BrowserSettings
from core.vault import VaultStore, credential_path, fingerprint
from workflows.operation.browser_messages import (
    CloseSessionInput,
    Observation,
    ObserveInput,
    OpenSessionInput,
    PageElement,
    SessionHandle,
    StepInput,
    StepResult,
)

log = get_logger(__name__)
PLACEHOLDER = re.compile(r"\{\{\s*(credential|input)\.([a-z_][a-z0-9_]*)\s*\}\}")


@dataclass
class Session:
    tenant_id: str
    context: BrowserContext
    page: Page
    mask: list[str]


class BrowserSessions:
    def __init__(
        self, settings: BrowserSettings, vault: VaultStore, store: ObjectStore, worker_id: str
    ) -> None:
        self._settings = settings
        self._vault = vault
        self._store = store
        self.worker_id = worker_id
        self.task_queue = session_queue(worker_id)
        self._pw: Playwright | None = None
        self._browser: Browser | None = None
        self._sessions: dict[str, Session] = {}
        self._lock = asyncio.Lock()

    async def start(self) -> None:
        """Launch Chromium now, so the first session (or a resume after a worker died) does not wait."""
        await self._ensure_browser()

    async def _ensure_browser(self) -> Browser:
        async with self._lock:
            if self._browser is None or not self._browser.is_connected():
                if self._pw is None:
                    self._pw = await async_playwright().start()
                self._browser = await self._pw.chromium.launch(
                    executable_path=self._settings.executable_path,
                    headless=self._settings.headless,
                    args=list(self._settings.args),
                )
            return self._browser

    async def shutdown(self) -> None:
        for op_id in list(self._sessions):
            await self._drop(op_id)
        if self._browser is not None:
            await self._browser.close()
        if self._pw is not None:
            await self._pw.stop()

    async def _drop(self, op_id: str) -> None:
        s = self._sessions.pop(op_id, None)
        if s is not None:
            with contextlib.suppress(PlaywrightError):
                await s.context.close()

    @staticmethod
    def _checkpoint_key(tenant_id: str, op_id: str) -> str:
        return f"{tenant_id}/{op_id}/checkpoint.json"

    # --- activities ----------------------------------------------------------------------
    @activity.defn(name="open_session")
    async def open_session(self, inp: OpenSessionInput) -> SessionHandle:
        """Open (or reopen from a checkpoint) a browser context for the operation on this worker."""
        browser = await self._ensure_browser()
        await self._drop(inp.operation_id)
        state: dict[str, Any] | None = None
        url: str | None = None
        if inp.checkpoint_key:
            try:
                saved = json.loads(self._store.get(inp.checkpoint_key))
            except ObjectNotFound as e:
                raise ApplicationError(
                    "checkpoint not found", type="CheckpointMissing", non_retryable=True
                ) from e
            state, url = saved["storage_state"], saved["url"]
        context = await browser.new_context(storage_state=state, viewport={"width": 1280, "height": 900})  # type: ignore[arg-type]
        page = await context.new_page()
        if url:
            await page.goto(url, wait_until="domcontentloaded")
        self._sessions[inp.operation_id] = Session(inp.tenant_id, context, page, inp.mask)
        log.info(
            "session opened",
            operation_id=inp.operation_id,
            worker_id=self.worker_id,
            resumed=bool(inp.checkpoint_key),
        )
        return SessionHandle(task_queue=self.task_queue, worker_id=self.worker_id)

    @activity.defn(name="close_session")
    async def close_session(self, inp: CloseSessionInput) -> None:
        await self._drop(inp.operation_id)
        if inp.discard_checkpoint:
            self._store.delete(self._checkpoint_key(inp.tenant_id, inp.operation_id))

    @activity.defn(name="run_step")
    async def run_step(self, inp: StepInput) -> StepResult:
        """Perform one definition step, screenshot it (masked, encrypted), checkpoint if marked.

        Errors: ``SessionLost`` (no session here), ``CredentialMissing``/``InvalidStep``
        (non-retryable), ``StepFailed`` (retryable; details[0] is the failure screenshot key).
        """
        s = self._sessions.get(inp.operation_id)
        if s is None or s.page.is_closed():
            raise ApplicationError(
                "no browser session for this operation on this worker", type="SessionLost", non_retryable=True
            )
        hb = asyncio.create_task(self._heartbeat())
        started = time.monotonic()
        secrets: list[str] = []
        try:
            out = await self._perform(s, inp, secrets)
            shot = await self._screenshot(s, inp)
            checkpoint = None
            if inp.step.checkpoint:
                state = await s.context.storage_state()
                checkpoint = self._store.put(
                    self._checkpoint_key(inp.tenant_id, inp.operation_id),
                    json.dumps({"storage_state": state, "url": s.page.url}).encode(),
                )
            return StepResult(
                success=True,
                duration_ms=int((time.monotonic() - started) * 1000),
                screenshot_key=shot,
                checkpoint_key=checkpoint,
                **out,
            )
        except (PlaywrightError, ApplicationError) as e:
            if isinstance(e, ApplicationError) and e.type != "StepFailed":
                raise
            shot = None
            with contextlib.suppress(PlaywrightError):
                shot = await self._screenshot(s, inp, failed=True)
            missing = isinstance(e, ApplicationError)  # the target is not in the page: no retry
            msg = (e.message if missing else str(e).splitlines()[0]) or type(e).__name__
            for secret in secrets:
                msg = msg.replace(secret, "***")
            prefix = "" if missing else f"{inp.step.action} {inp.step.target}: "
            raise ApplicationError(
                f"{prefix}{msg}"[:1000], shot, type="StepFailed", non_retryable=missing
            ) from None
        finally:
            hb.cancel()

    # --- internals -----------------------------------------------------------------------
    async def _heartbeat(self) -> None:
        timeout = activity.info().heartbeat_timeout
        every = max(0.5, timeout.total_seconds() / 3) if timeout else 1.0
        while True:
            activity.heartbeat()
            await asyncio.sleep(every)

    async def _resolve(self, inp: StepInput, template: str, secrets: list[str]) -> str:
        """Substitute ``{{input.x}}`` and ``{{credential.x}}`` (read from Vault, never returned)."""
        cred: dict[str, Any] = {}
        if any(m.group(1) == "credential" for m in PLACEHOLDER.finditer(template)):
            path = credential_path(inp.tenant_id, inp.service, inp.credential)
            cred = await asyncio.to_thread(self._vault.read, path) or {}
            if not cred:
                raise ApplicationError(
                    f"no {inp.service} {inp.credential} credential in Vault for this tenant",
                    type="CredentialMissing",
                    non_retryable=True,
                )

        def sub(m: re.Match[str]) -> str:
            kind, key = m.group(1), m.group(2)
            source = inp.inputs if kind == "input" else cred
            if kind == "credential" and key == "totp":
                if not source.get("totp_secret"):
                    raise ApplicationError(
                        "the credential has no TOTP secret in Vault",
                        type="CredentialMissing",
                        non_retryable=True,
                    )
                code = pyotp.TOTP(str(source["totp_secret"])).now()  # made here; never leaves the activity
                secrets.extend([code, str(source["totp_secret"])])
                return code
            if key not in source:
                raise ApplicationError(
                    f"unknown {kind} field {key!r}", type="InvalidStep", non_retryable=True
                )
            if kind == "credential":
                secrets.append(str(source[key]))
            return str(source[key])

        return PLACEHOLDER.sub(sub, template)

    def _url(self, inp: StepInput) -> str:
        """The domain allowlist: the site's own host plus the definition's ``allowed_domains``."""
        site = inp.inputs["site_url"]
        url = urljoin(site, inp.step.target)
        host = urlsplit(url).hostname or ""
        allowed = {urlsplit(site).hostname, *inp.allowed_domains}
        if urlsplit(url).scheme not in ("http", "https") or host not in allowed:
            raise ApplicationError(
                f"navigation to {host or url[:80]} blocked: not in the allowlist "
                f"({', '.join(sorted(a for a in allowed if a))})",
                type="PolicyBlocked",
                non_retryable=True,
            )
        return url

    async def _perform(self, s: Session, inp: StepInput, secrets: list[str]) -> dict[str, Any]:
        step, page, ms = inp.step, s.page, step_ms(inp)
        out: dict[str, Any] = {}
        if step.action in ("fill", "click", "press", "select", "extract"):
            await self._require_target(page, inp)
        if step.action == "navigate":
            await page.goto(self._url(inp), wait_until="domcontentloaded", timeout=ms)
        elif step.action == "fill":
            await page.locator(step.target).fill(
                await self._resolve(inp, step.value or "", secrets), timeout=ms
            )
        elif step.action == "click":
            await page.locator(step.target).click(timeout=ms)
        elif step.action == "press":
            await page.locator(step.target).press(step.value or "Enter", timeout=ms)
        elif step.action == "select":
            value = await self._resolve(inp, step.value or "", secrets)
            await page.locator(step.target).select_option(value, timeout=ms)
        elif step.action == "wait":
            await page.locator(step.target).first.wait_for(timeout=ms)
        elif step.action == "extract":
            out = await self._extract(s, inp, ms)
        if step.expected and step.error_selector:
            either = page.locator(f"{step.expected}, {step.error_selector}").first
            await either.wait_for(state="visible", timeout=ms)
            refused = page.locator(step.error_selector).first
            if await refused.is_visible():
                text = (await refused.inner_text(timeout=2000)).strip()[:200]
                for secret in secrets:
                    text = text.replace(secret, "***")
                raise ApplicationError(
                    f"the site refused the credentials: {text}", type="InvalidCredentials", non_retryable=True
                )
        elif step.expected:
            await page.locator(step.expected).first.wait_for(state="visible", timeout=ms)
        return out

    @staticmethod
    async def _require_target(page: Page, inp: StepInput) -> None:
        """A target that is not in the page after ``selector_wait_s`` is missing: retrying will not
        bring it back, so the step fails at once (and the AI may heal it)."""
        try:
            await page.locator(inp.step.target or "").first.wait_for(
                state="attached", timeout=min(inp.step.selector_wait_s, inp.step.timeout_s) * 1000
            )
        except PlaywrightTimeout:
            raise ApplicationError(
                f"{inp.step.action} {inp.step.target}: selector not found on {urlsplit(page.url).path}",
                type="StepFailed",
                non_retryable=True,
            ) from None

    async def _extract(self, s: Session, inp: StepInput, ms: float) -> dict[str, Any]:
        if not inp.step.store_as:
            raise ApplicationError("extract needs store_as", type="InvalidStep", non_retryable=True)
        loc = s.page.locator(inp.step.target)
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
            await asyncio.to_thread(
                self._vault.read, credential_path(inp.tenant_id, inp.service, inp.credential)
            )
            or {}
        )
        path = credential_path(inp.tenant_id, inp.service, inp.step.store_as)
        await asyncio.to_thread(
            self._vault.write,
            path,
            {
                "username": admin.get("username", ""),
                "password": value,
                "site_url": inp.inputs.get("site_url", ""),
            },
        )
        return {"credential_path": self._vault.full_path(path), "credential_fingerprint": fingerprint(value)}

    @activity.defn(name="observe_page")
    async def observe_page(self, inp: ObserveInput) -> Observation:
        """What the AI may see: a masked screenshot (stored encrypted; only its key returns), the
        interactive elements (selectors and labels, never field values) and the visible text."""
        s = self._sessions.get(inp.operation_id)
        if s is None or s.page.is_closed():
            raise ApplicationError(
                "no browser session for this operation on this worker", type="SessionLost", non_retryable=True
            )
        key = await self._shoot(
            s, f"{inp.tenant_id}/{inp.operation_id}/step-{inp.step_number:02d}-a{inp.attempt}-observe.jpg"
        )
        elements = await s.page.evaluate(ELEMENTS_JS)
        text = await s.page.evaluate("() => (document.body ? document.body.innerText : '').slice(0, 3000)")
        return Observation(
            screenshot_key=key,
            path=urlsplit(s.page.url).path or "/",
            elements=[PageElement.model_validate(e) for e in elements],
            page_text=text,
        )

    async def _shoot(self, s: Session, key: str) -> str:
        shot = await s.page.screenshot(
            type="jpeg",
            quality=70,
            mask=[s.page.locator(m) for m in s.mask],
            mask_color="#000000",
            timeout=10_000,
        )
        return self._store.put(key, shot)

    async def _screenshot(self, s: Session, inp: StepInput, failed: bool = False) -> str:
        suffix = "-failed" if failed else ""
        key = (
            f"{inp.tenant_id}/{inp.operation_id}/step-{inp.step_number:02d}-a{inp.attempt}"
            f"-t{activity.info().attempt}{suffix}.jpg"
        )
        return await self._shoot(s, key)


ELEMENTS_JS = """() => {
  const path = (e) => {
    if (e.id) return '#' + CSS.escape(e.id);
    if (e.name) return e.tagName.toLowerCase() + '[name="' + e.name + '"]';
    const parts = [];
    for (let n = e; n && n.nodeType === 1 && parts.length < 6; n = n.parentElement) {
      if (n.id) { parts.unshift('#' + CSS.escape(n.id)); break; }
      let i = 1;
      for (let p = n.previousElementSibling; p; p = p.previousElementSibling) {
        if (p.tagName === n.tagName) i++;
      }
      parts.unshift(n.tagName.toLowerCase() + ':nth-of-type(' + i + ')');
    }
    return parts.join(' > ');
  };
  const out = [];
  // form controls first, then links: admin menus would otherwise crowd out the form
  const all = [...document.querySelectorAll('button,input,select,textarea,[role=button]'),
               ...document.querySelectorAll('a')];
  for (const e of all) {
    const r = e.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || e.type === 'hidden') continue;
    const isButton = ['submit', 'button', 'reset'].includes(e.type);
    const label = (e.labels && e.labels[0] ? e.labels[0].innerText : '')
      || e.getAttribute('aria-label') || e.getAttribute('placeholder') || (isButton ? e.value : '')
      || (e.tagName === 'INPUT' ? '' : e.innerText) || '';
    out.push({selector: path(e), tag: e.tagName.toLowerCase(), type: e.type || null,
              text: label.trim().slice(0, 80)});
    if (out.length >= 150) break;
  }
  return out;
}"""


def step_ms(inp: StepInput) -> float:
    return inp.step.timeout_s * 1000
