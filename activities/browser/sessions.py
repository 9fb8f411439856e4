"""The browser session activities, one browser per worker process.

``open_session`` runs on the shared ``operations`` queue and hands back this worker's own
queue; ``run_step``, ``observe_page`` and ``close_session`` run there, so one page keeps its
state across steps. Each session gets its own browser context (closed at ``close_session``) in
a browser pinned to the session's vetted origins, with the egress guard on
(activities/browser/egress.py, launcher.py).

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
from activities.browser.egress import guard
from activities.browser.firewall import scrub, secrets_of
from activities.browser.handoff import CredentialHandoff
from activities.browser.navigation import UNREACHABLE, SiteUnreachable
from activities.browser.placeholders import resolve_target
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
        wrap_ttl_s: int | None = None,
        *,
        vault_addr: str | None = None,
    ) -> None:
        self._wrap_ttl_s = wrap_ttl_s or get_settings().targets.wrap_ttl_s  # an extract's wrapping token
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
            state, url = await self._checkpoint(inp)
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

    async def _checkpoint(self, inp: OpenSessionInput) -> tuple[dict[str, Any] | None, str | None]:
        """The checkpoint's storage state and page URL (none without a checkpoint key)."""
        if not inp.checkpoint_key:
            return None, None
        try:
            saved = json.loads(await asyncio.to_thread(self._store.get, inp.checkpoint_key))
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

        Errors: ``SessionLost`` (no session here); non-retryable ``CredentialMissing``,
        ``InvalidStep``, ``PolicyBlocked``, ``CredentialBlocked`` (the firewall refused a
        placeholder; nothing typed), ``ConfirmationRequired`` (an AI form submit on an unnamed
        page; nothing done); ``StepFailed`` (retryable unless the target is missing; details[0]
        is the failure screenshot key; a network failure reads ``the site could not be reached``).
        Requests the egress layer refused during the step are in the result (success) or the log.
        """
        s = self._pool.get(inp.operation_id)
        if inp.step.target and "{{" in inp.step.target:  # e.g. the name of a credential to revoke
            target = resolve_target(inp.step.target, {**inp.inputs, "operation_id": inp.operation_id})
            inp = inp.model_copy(update={"step": inp.step.model_copy(update={"target": target})})
        hb = asyncio.create_task(_heartbeat())
        started = time.monotonic()
        try:
            out = await perform(s, self._vault, inp, self._wrap_ttl_s)
            shot = await step_screenshot(self._store, s, inp)
            checkpoint = None
            if inp.step.checkpoint:
                state = await s.context.storage_state()
                checkpoint = await asyncio.to_thread(  # off the loop: heartbeats go on
                    self._store.put,
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
