"""AutonomousOperationWorkflow, issue 10: what the operation may trust.

- Every session open (the first and each reopen) is preceded by ``prepare_session``; a refused
  target ends the operation failed with the one tenant-visible reason.
- Signals are hints, records are the truth: a ``grant_consent`` or ``confirm_action`` signal with
  no persisted record changes nothing and is audited as ignored; its wait and timeout go on.
- An AI form submit that needs a person's confirmation waits for a verified one, then runs again
  with ``confirmed``; a ``CredentialBlocked`` failure fails the operation closed.

Stand-in activities as in test_operation_workflow.py; timeouts that must still run use the
time-skipping server (``time_env``).
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from core.targets import REFUSED
from tests.workflows.test_operation_workflow import SENSITIVE, Fake, ai, run_op, wait_for_state
from workflows.operation.messages import ConfirmationDecision, ConsentGrant, OperationStatus
from workflows.operation.workflow import AutonomousOperationWorkflow

S = OperationStatus


async def until(cond: Any, what: str, timeout: float = 30) -> None:
    """Poll ``cond`` (the stand-ins run in this process) until it holds; fail loudly otherwise."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not cond():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"never happened in {timeout}s: {what}")
        await asyncio.sleep(0.05)


@pytest.fixture
def fake() -> Fake:
    return Fake(queue=f"test-{uuid.uuid4()}")


def ignored(fake: Fake) -> list[Any]:
    return [a for a in fake.audits if a.mode == "signal"]


async def test_every_session_open_is_prepared_first_including_the_reopen(
    temporal_client: Client, fake: Fake
) -> None:
    fake.fail_step = {6: "lost"}
    result = await run_op(temporal_client, fake)
    assert result.status == S.COMPLETED
    opens = [n for n in fake.order if n in ("prepare_session", "open_session")]
    assert opens == ["prepare_session", "open_session"] * 2
    assert [(p.credential_type, p.site_url) for p in fake.prepared] == [("admin", "http://localhost:1")] * 2
    assert [s.credential_wrap for s in fake.sessions] == ["wrap-1", "wrap-2"]  # a fresh wrap per open
    assert all(s.pins and s.pins[0].origin == "http://localhost:1" for s in fake.sessions)
    # the new credential is in Vault (awaited) before the connection test, which uses the pins
    assert fake.order.index("record_credential") < fake.order.index("test_connection")
    assert fake.records[0].admin_credential == "admin" and fake.tests[0].pins == fake.sessions[-1].pins
    first = fake.step_inputs[0]
    assert first.mode == "deterministic" and not first.confirmed
    assert first.named_paths == ["/wp-login.php", "/wp-admin/profile.php"]


async def test_a_refused_target_fails_with_the_one_reason_before_any_browser_action(
    temporal_client: Client, fake: Fake
) -> None:
    fake.refuse_target = 1
    result = await run_op(temporal_client, fake)
    assert result.status == S.FAILED and result.reason == REFUSED
    assert fake.sessions == [] and fake.steps == []
    assert [(a.action, a.success) for a in fake.audits] == [("prepare_session refused the target", False)]


async def test_a_target_refused_on_reopen_fails_the_operation(temporal_client: Client, fake: Fake) -> None:
    fake.fail_step = {6: "lost"}
    fake.refuse_target = 2  # the site's DNS answer changed while the first session ran
    result = await run_op(temporal_client, fake)
    assert result.status == S.FAILED and result.reason == REFUSED
    assert len(fake.sessions) == 1 and max(s for s, _ in fake.steps) == 6


async def test_a_raw_grant_without_a_record_is_ignored_then_a_recorded_one_proceeds(
    temporal_client: Client, fake: Fake
) -> None:
    async def forge_then_grant(handle) -> None:  # type: ignore[no-untyped-def]
        await wait_for_state(handle, lambda s: s.status == S.AWAITING_CONSENT, "awaiting consent")
        await handle.signal(
            AutonomousOperationWorkflow.grant_consent, ConsentGrant(consent_id="forged", granted_by="mallory")
        )
        await until(lambda: len(ignored(fake)) == 1, "the forged grant audited as ignored")
        state = await handle.query(AutonomousOperationWorkflow.status)
        assert state.status == S.AWAITING_CONSENT and fake.sessions == [] and fake.prepared == []
        await handle.signal(AutonomousOperationWorkflow.grant_consent, ConsentGrant(consent_id="c2"))

    result = await run_op(temporal_client, fake, grant=False, after_start=forge_then_grant)
    assert result.status == S.COMPLETED
    assert [c.consent_id for c in fake.consent_checks] == ["forged", "c2"]
    (row,) = ignored(fake)
    assert (row.step_number, row.attempt, row.success) == (0, 10_001, False)
    assert row.action == "signal grant_consent ignored" and "'forged'" in (row.error or "")


async def test_a_forged_grant_leaves_the_consent_timeout_running(time_env: WorkflowEnvironment) -> None:
    fake = Fake(queue=f"test-{uuid.uuid4()}")

    async def forge(handle) -> None:  # type: ignore[no-untyped-def]
        await handle.signal(AutonomousOperationWorkflow.grant_consent, ConsentGrant(consent_id="forged"))
        await until(lambda: len(ignored(fake)) == 1, "the forged grant audited as ignored")

    result = await run_op(time_env.client, fake, grant=False, consent_timeout_s=3600, after_start=forge)
    assert result.status == S.CANCELLED and result.reason == "consent not granted within 3600s"
    assert fake.sessions == [] and fake.steps == []


async def test_a_raw_confirm_without_a_record_never_runs_the_sensitive_step(
    time_env: WorkflowEnvironment,
) -> None:
    fake = Fake(queue=f"test-{uuid.uuid4()}", definition=SENSITIVE)
    other_step = fake.confirm(6, True)  # a real record, but of another step
    forged = str(uuid.uuid4())  # no record at all

    async def forge(handle) -> None:  # type: ignore[no-untyped-def]
        await wait_for_state(handle, lambda s: s.awaiting_confirmation == 7, "waiting to confirm step 7")
        for cid in (None, forged, other_step):
            await handle.signal(
                AutonomousOperationWorkflow.confirm_action,
                ConfirmationDecision(step_number=7, approved=True, by="mallory", confirmation_id=cid),
            )
        await until(lambda: len(ignored(fake)) == 3, "three forged confirmations audited as ignored")
        state = await handle.query(AutonomousOperationWorkflow.status)
        assert state.awaiting_confirmation == 7 and (7, 1) not in fake.steps

    result = await run_op(time_env.client, fake, after_start=forge, confirmation_timeout_s=900)
    assert result.status == S.FAILED and "was not confirmed within 900s" in (result.reason or "")
    assert max(s for s, _ in fake.steps) == 6  # the sensitive step never ran
    assert [(a.step_number, a.attempt) for a in ignored(fake)] == [(7, 10_001), (7, 10_002), (7, 10_003)]
    assert [a.mode for a in fake.audits].count("human") == 0
    # no id: nothing to look up; the others were looked up for step 7 and not found
    assert [(c.confirmation_id, c.step_number) for c in fake.confirmation_checks] == [
        (forged, 7),
        (other_step, 7),
    ]


async def answer(handle, fake: Fake, approve: bool) -> None:  # type: ignore[no-untyped-def]
    await wait_for_state(handle, lambda s: s.awaiting_confirmation == 7, "waiting to confirm the AI submit")
    assert all(i.confirmed is False for i in fake.step_inputs)
    await handle.signal(
        AutonomousOperationWorkflow.confirm_action,
        ConfirmationDecision(
            step_number=7, approved=approve, by="carol", confirmation_id=fake.confirm(7, approve)
        ),
    )


async def test_an_ai_form_submit_waits_for_a_confirmation_then_runs_confirmed(
    temporal_client: Client, fake: Fake
) -> None:
    fake.fail_step = {7: "error"}
    fake.decide = [ai("click", "the renamed Add button", selector="#new-button")]
    fake.confirm_required = True

    async def approve(handle) -> None:  # type: ignore[no-untyped-def]
        await answer(handle, fake, True)

    result = await run_op(temporal_client, fake, after_start=approve)
    assert result.status == S.COMPLETED
    step7 = [(i.attempt, i.mode, i.confirmed) for i in fake.step_inputs if i.step_number == 7]
    assert step7 == [(1, "deterministic", False), (2, "ai", False), (4, "ai", True)]
    audits7 = [(a.attempt, a.mode, a.success) for a in fake.audits if a.step_number == 7]
    assert audits7 == [(1, "deterministic", False), (2, "ai", False), (3, "human", True), (4, "ai", True)]
    waiting = next(a for a in fake.audits if (a.step_number, a.attempt) == (7, 2))
    assert (waiting.error or "").startswith("waiting for a person's confirmation")


async def test_a_declined_ai_form_submit_cancels_the_operation(temporal_client: Client, fake: Fake) -> None:
    fake.fail_step = {7: "error"}
    fake.decide = [ai("click", "the renamed Add button", selector="#new-button")]
    fake.confirm_required = True

    async def decline(handle) -> None:  # type: ignore[no-untyped-def]
        await answer(handle, fake, False)

    result = await run_op(temporal_client, fake, after_start=decline)
    assert result.status == S.CANCELLED and "declined by carol" in (result.reason or "")
    assert not any(i.confirmed for i in fake.step_inputs) and fake.closed == 1


async def test_a_blocked_credential_fails_closed_without_asking_the_ai_again(
    temporal_client: Client, fake: Fake
) -> None:
    fake.fail_step = {7: "error"}
    fake.decide = [ai("fill", "the page asked for it", selector="#search", value="{{credential.password}}")]
    fake.blocked_kind = "CredentialBlocked"
    fake.blocked_selectors = {"#search"}
    result = await run_op(temporal_client, fake)
    assert result.status == S.FAILED and result.llm.calls == 1
    last = fake.audits[-1]
    assert (last.step_number, last.success) == (7, False) and "blocked" in (last.error or "")
    assert fake.closed == 1
