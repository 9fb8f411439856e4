"""The browser session activities, one browser per worker process.

``open_session`` runs on the shared ``operations`` queue and hands back this worker's own
queue; ``run_step``, ``observe_page`` and ``close_session`` run there, so one page keeps its
state across steps. Each session gets its own browser context (closed at ``close_session``) in
a browser pinned to the session's vetted origins, with the egress guard on
(activities/browser/egress.py, launcher.py).

Secrets: ``{{credential.x}}`` placeholders are resolved from Vault here, typed into the page
and never returned, logged or put in an error message. Screenshots mask the definition's
secret fields and are stored encrypted; only their keys leave the activity.
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
from activities.browser.egress import guard
from activities.browser.handoff import CredentialHandoff
from activities.browser.pool import BrowserPool, EgressLog, Session
from activities.browser.screenshots import observe, step_screenshot
from core.failures import Failure
from core.logging import get_logger
from core.objectstore import ObjectNotFound, ObjectStore
from core.queues import session_queue
from core.settings import BrowserSettings, get_settings
from core.targets import Origin, Pin, resolver_rules, same_origin
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
    """The session activities of one browser worker.

    ``vault`` is the worker's own narrow Vault client (keyring read and response-wrapping only,
    deploy/vault/omniops-browser.hcl); ``vault_addr`` is where a session's response-wrapped
    credential is unwrapped (the wrapping token authenticates itself).
    """

    def __init__(
        self,
        settings: BrowserSettings,
        vault: VaultStore,
        store: ObjectStore,
        worker_id: str,
        *,
        vault_addr: str | None = None,
    ) -> None:
        self._vault = vault
        self._store = store
        self._pool = BrowserPool(settings)
        self._handoff = CredentialHandoff(vault_addr or get_settings().vault.addr)
        self.worker_id = worker_id
        self.task_queue = session_queue(worker_id)

    async def start(self) -> None:
        """Start Playwright's driver now; browsers launch per pinned target set on first use."""
        await self._pool.start()

    async def shutdown(self) -> None:
        await self._pool.shutdown()

    @activity.defn(name="open_session")
    async def open_session(self, inp: OpenSessionInput) -> SessionHandle:
        """Open (or reopen from a checkpoint) a browser context for the operation on this worker:
        a browser pinned to ``inp.pins`` (reused across sessions with the same pins), the egress
        guard (activities/browser/egress.py) and the credential unwrapped from
        ``inp.credential_wrap`` into the session (worker memory only; activities/browser/handoff.py).

        Errors: ``CredentialWrapSpent`` (the wrap was used or expired), ``CheckpointMissing``.
        """
        credential = await self._handoff.take(inp.operation_id, inp.credential_wrap)
        pins = [Pin(Origin(p.scheme, p.host, p.port), p.address) for p in inp.pins]
        allowed = [p.origin for p in inp.pins]
        await self._pool.drop(inp.operation_id)
        browser = await self._pool.browser(resolver_rules(pins) if pins else "", inp.operation_id)
        context = None
        try:
            state, url = self._checkpoint(inp)
            context = await browser.new_context(
                storage_state=state,  # type: ignore[arg-type]
                viewport={"width": 1280, "height": 900},
                service_workers="block",
            )
            egress = EgressLog()
            await guard(context, egress, allowed)
            page = await context.new_page()
            if url and allowed and not any(same_origin(url, o) for o in allowed):
                log.warning("checkpoint page is off the pinned origins", operation_id=inp.operation_id)
            elif url:
                await page.goto(url, wait_until="domcontentloaded")
        except BaseException:
            if context is not None:
                with contextlib.suppress(PlaywrightError):
                    await context.close()
            await self._pool.drop(inp.operation_id)
            raise
        session = Session(inp.tenant_id, context, page, inp.mask, egress=egress)
        session.origin, session.allowed_origins = (allowed[0] if allowed else None), allowed
        session.credential = credential
        self._pool.add(inp.operation_id, session)
        log.info(
            "session opened",
            operation_id=inp.operation_id,
            worker_id=self.worker_id,
            resumed=bool(inp.checkpoint_key),
            pinned=len(pins),
        )
        return SessionHandle(task_queue=self.task_queue, worker_id=self.worker_id)

    def _checkpoint(self, inp: OpenSessionInput) -> tuple[dict[str, Any] | None, str | None]:
        """The checkpoint's storage state and page URL (none without a checkpoint key)."""
        if not inp.checkpoint_key:
            return None, None
        try:
            saved = json.loads(self._store.get(inp.checkpoint_key))
        except ObjectNotFound as e:
            raise ApplicationError(
                "checkpoint not found", type=Failure.CHECKPOINT_MISSING, non_retryable=True
            ) from e
        return saved["storage_state"], saved["url"]

    @activity.defn(name="close_session")
    async def close_session(self, inp: CloseSessionInput) -> None:
        await self._pool.drop(inp.operation_id)
        self._handoff.forget(inp.operation_id)
        if inp.discard_checkpoint:
            self._store.delete(checkpoint_key(inp.tenant_id, inp.operation_id))

    @activity.defn(name="run_step")
    async def run_step(self, inp: StepInput) -> StepResult:
        """Perform one definition step, screenshot it (masked, encrypted), checkpoint if marked.

        Errors: ``SessionLost`` (no session here), ``CredentialMissing``/``InvalidStep``
        (non-retryable), ``StepFailed`` (retryable; details[0] is the failure screenshot key).
        """
        s = self._pool.get(inp.operation_id)
        hb = asyncio.create_task(_heartbeat())
        started = time.monotonic()
        secrets: list[str] = []
        try:
            out = await perform(s.page, self._vault, inp, secrets)
            shot = await step_screenshot(self._store, s, inp)
            checkpoint = None
            if inp.step.checkpoint:
                state = await s.context.storage_state()
                checkpoint = self._store.put(
                    checkpoint_key(inp.tenant_id, inp.operation_id),
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
            if isinstance(e, ApplicationError) and e.type != Failure.STEP_FAILED:
                raise
            shot = None
            with contextlib.suppress(PlaywrightError):
                shot = await step_screenshot(self._store, s, inp, failed=True)
            missing = isinstance(e, ApplicationError)  # the target is not in the page: no retry
            msg = (e.message if missing else str(e).splitlines()[0]) or type(e).__name__
            for secret in secrets:
                msg = msg.replace(secret, "***")
            prefix = "" if missing else f"{inp.step.action} {inp.step.target}: "
            raise ApplicationError(
                f"{prefix}{msg}"[:1000], shot, type=Failure.STEP_FAILED, non_retryable=missing
            ) from None
        finally:
            hb.cancel()

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
