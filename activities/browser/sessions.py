"""The browser session activities, one browser per worker process.

``open_session`` runs on the shared ``operations`` queue and hands back this worker's own
queue; ``run_step``, ``observe_page`` and ``close_session`` run there, so one page keeps its
state across steps.

Secrets: ``{{credential.x}}`` placeholders are resolved from the session's in-memory credential
(never from Vault) through the credential firewall (firewall.py), typed into the page and never
returned, logged or put in an error message. Screenshots mask the definition's secret fields and
every element that received a secret, and are stored encrypted; only their keys leave the
activity. An extracted credential leaves as a Vault wrapping token (this worker writes no Vault).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from typing import Any

from playwright.async_api import Error as PlaywrightError
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.browser.actions import perform
from activities.browser.firewall import scrub, secrets_of
from activities.browser.navigation import UNREACHABLE, SiteUnreachable
from activities.browser.pool import BrowserPool, Session
from activities.browser.screenshots import observe, step_screenshot
from core.failures import Failure
from core.logging import get_logger
from core.objectstore import ObjectNotFound, ObjectStore
from core.queues import session_queue
from core.settings import BrowserSettings, get_settings
from core.vault import VaultStore
from workflows.operation.browser_messages import (
    CloseSessionInput,
    Observation,
    ObserveInput,
    OpenSessionInput,
    SessionHandle,
    StepInput,
    StepResult,
)

log = get_logger(__name__)


def checkpoint_key(tenant_id: str, op_id: str) -> str:
    return f"{tenant_id}/{op_id}/checkpoint.json"


class BrowserSessions:
    def __init__(
        self,
        settings: BrowserSettings,
        vault: VaultStore,
        store: ObjectStore,
        worker_id: str,
        wrap_ttl_s: int | None = None,
    ) -> None:
        self._wrap_ttl_s = wrap_ttl_s or get_settings().targets.wrap_ttl_s  # an extract's wrapping token
        self._vault = vault
        self._store = store
        self._pool = BrowserPool(settings)
        self.worker_id = worker_id
        self.task_queue = session_queue(worker_id)

    async def start(self) -> None:
        """Launch Chromium now, so the first session (or a resume after a worker died) does not wait."""
        await self._pool.browser()

    async def shutdown(self) -> None:
        await self._pool.shutdown()

    @activity.defn(name="open_session")
    async def open_session(self, inp: OpenSessionInput) -> SessionHandle:
        """Open (or reopen from a checkpoint) a browser context for the operation on this worker."""
        browser = await self._pool.browser()
        await self._pool.drop(inp.operation_id)
        state: dict[str, Any] | None = None
        url: str | None = None
        if inp.checkpoint_key:
            try:
                saved = json.loads(self._store.get(inp.checkpoint_key))
            except ObjectNotFound as e:
                raise ApplicationError(
                    "checkpoint not found", type=Failure.CHECKPOINT_MISSING, non_retryable=True
                ) from e
            state, url = saved["storage_state"], saved["url"]
        context = await browser.new_context(storage_state=state, viewport={"width": 1280, "height": 900})  # type: ignore[arg-type]
        page = await context.new_page()
        if url:
            await page.goto(url, wait_until="domcontentloaded")
        self._pool.add(inp.operation_id, Session(inp.tenant_id, context, page, inp.mask))
        log.info(
            "session opened",
            operation_id=inp.operation_id,
            worker_id=self.worker_id,
            resumed=bool(inp.checkpoint_key),
        )
        return SessionHandle(task_queue=self.task_queue, worker_id=self.worker_id)

    @activity.defn(name="close_session")
    async def close_session(self, inp: CloseSessionInput) -> None:
        await self._pool.drop(inp.operation_id)
        if inp.discard_checkpoint:
            self._store.delete(checkpoint_key(inp.tenant_id, inp.operation_id))

    @activity.defn(name="run_step")
    async def run_step(self, inp: StepInput) -> StepResult:
        """Perform one definition step, screenshot it (masked, encrypted), checkpoint if marked.

        Errors: ``SessionLost`` (no session here); non-retryable ``CredentialMissing``,
        ``InvalidStep``, ``PolicyBlocked``, ``CredentialBlocked`` (the firewall refused a
        placeholder; nothing typed), ``ConfirmationRequired`` (an AI form submit on an unnamed
        page; nothing done); ``StepFailed`` (retryable unless the target is missing; details[0]
        is the failure screenshot key; a network failure reads ``the site could not be reached``).
        Requests the egress layer refused during the step are in the result (success) or the log.
        """
        s = self._pool.get(inp.operation_id)
        hb = asyncio.create_task(_heartbeat())
        started = time.monotonic()
        try:
            out = await perform(s, self._vault, inp, self._wrap_ttl_s)
            shot = await step_screenshot(self._store, s, inp)
            checkpoint = None
            if inp.step.checkpoint:
                state = await s.context.storage_state()
                checkpoint = self._store.put(
                    checkpoint_key(inp.tenant_id, inp.operation_id),
                    json.dumps({"storage_state": state, "url": s.page.url}).encode(),
                )
            refused, origins = s.egress.take()
            return StepResult(
                success=True,
                duration_ms=int((time.monotonic() - started) * 1000),
                screenshot_key=shot,
                checkpoint_key=checkpoint,
                blocked_requests=refused,
                blocked_origins=origins,
                **out,
            )
        except (PlaywrightError, ApplicationError) as e:
            if isinstance(e, ApplicationError) and e.type != Failure.STEP_FAILED:
                raise
            shot = None
            with contextlib.suppress(PlaywrightError):
                shot = await step_screenshot(self._store, s, inp, failed=True)
            missing = isinstance(e, ApplicationError)  # the target is not in the page: no retry
            msg = (e.message if missing else str(e).splitlines()[0]) or type(e).__name__
            if isinstance(e, SiteUnreachable) or "net::ERR_" in msg:
                if not isinstance(e, SiteUnreachable):  # (goto logged its own)
                    log.warning("step could not reach the site", detail=scrub(msg, secrets_of(s))[:300])
                msg, prefix = UNREACHABLE, ""  # one reason for refused, filtered, unresolved...
            else:
                prefix = "" if missing else f"{inp.step.action} {inp.step.target}: "
            raise ApplicationError(
                scrub(f"{prefix}{msg}", secrets_of(s))[:1000],
                shot,
                type=Failure.STEP_FAILED,
                non_retryable=missing,
            ) from None
        finally:
            hb.cancel()
            refused, origins = s.egress.take()  # after a success: already taken (0)
            if refused:
                log.info("egress refused requests", step=inp.step_number, count=refused, origins=origins)

    @activity.defn(name="observe_page")
    async def observe_page(self, inp: ObserveInput) -> Observation:
        """What the AI may see: a masked screenshot (stored encrypted; only its key returns), the
        interactive elements (selectors and labels, never field values) and the visible text."""
        return await observe(self._store, self._pool.get(inp.operation_id), inp)


async def _heartbeat() -> None:
    """Heartbeat three times per heartbeat timeout (at least every 0.5 s) while a step runs."""
    timeout = activity.info().heartbeat_timeout
    every = max(0.5, timeout.total_seconds() / 3) if timeout else 1.0
    while True:
        activity.heartbeat()
        await asyncio.sleep(every)
