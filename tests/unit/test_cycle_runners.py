"""Every action kind has a runner or is performed by the workflow itself (issue 9 part 1): no
kind can fall through to a silent ``unsupported``."""

from __future__ import annotations

from activities.cycle.runners import IN_WORKFLOW, RUNNERS, queue_job
from workflows.cycle.actions import EMAIL_KINDS, ActionKind


def test_every_action_kind_has_exactly_one_performer() -> None:
    for kind in ActionKind:
        in_workflow = kind in EMAIL_KINDS or kind is ActionKind.SEND_BROADCAST_BATCH
        assert (kind in RUNNERS) != in_workflow, f"{kind.value}: needs a runner or the workflow, not both"


def test_the_workflow_kinds_are_emails_and_broadcast_batches() -> None:
    assert IN_WORKFLOW == EMAIL_KINDS | {ActionKind.SEND_BROADCAST_BATCH}
    assert not IN_WORKFLOW & RUNNERS.keys()


def test_sandbox_jobs_are_queued_like_research() -> None:
    assert RUNNERS[ActionKind.SANDBOX_JOB] is queue_job is RUNNERS[ActionKind.RESEARCH]
