"""Recording workflow histories for tests/replay: the one helper every workflow test uses.

With ``OMNIOPS_RECORD_HISTORIES=1 uv run pytest tests/workflows/...``, each ``await record(handle)``
saves that run's history (codec-less JSON) to tests/replay/histories/. Histories are append-only
(the manifest check in tests/replay fails on a changed or deleted one), so recording never
overwrites: an existing name (or one retired to ``retired/``) gets a ``~2``, ``~3``, ... suffix.
Then add the new files to the manifest: ``uv run python -m tests.replay.manifest add``.

Naming (how each history maps to its test): ``{prefix}-{test}[--{scenario}][~{n}].json`` where
``prefix`` comes from the workflow type (``PREFIXES``), ``test`` is the test function's name without
``test_``, and ``scenario`` tells apart several histories recorded by one test. Histories recorded
before this convention are mapped to their tests in ``LEGACY``; tests/replay checks that every
history's test still exists.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

HISTORIES = Path(__file__).resolve().parent / "replay" / "histories"
WORKFLOW_TESTS = Path(__file__).resolve().parent / "workflows"

PREFIXES = {
    "AutonomousOperationWorkflow": "operation",
    "TenantCycle": "cycle",
    "ScheduledCycle": "scheduled",
    "CycleFanout": "fanout",
    "Feedback": "feedback",
    "Quote": "quote",
    "Deal": "deal",
    "ComplianceRun": "compliance",
    "ComplianceCheck": "compliance",
    "ImportWorkflow": "import",
    "DocumentExtraction": "document",
    "AuditDigest": "audit",
    "AlertSweep": "alerts",
    "AuditExport": "auditexport",
    "AuditErasure": "auditerasure",
    "AuditRetention": "auditretention",
    "MailboxSync": "mailsync",
    "Notify": "notify",
    "HealthCheck": "healthcheck",
    "CredentialRotation": "rotation",
    "PlanWorkflow": "plan",
}
"""Workflow type name -> file name prefix (a type not listed uses its own name)."""

LEGACY: dict[str, str] = {
    "compliance-run_first_page_continues_as_new": (
        "test_compliance_workflow.py::test_a_run_generates_one_check_per_target_and_starts_their_workflows"
    ),
    "compliance-run_last_page_starts_the_rest": (
        "test_compliance_workflow.py::test_a_run_generates_one_check_per_target_and_starts_their_workflows"
    ),
    "compliance-check_started_by_a_run_then_waived": (
        "test_compliance_workflow.py::test_a_run_generates_one_check_per_target_and_starts_their_workflows"
    ),
    "compliance-check_complete_entity_gets_no_reminder": (
        "test_compliance_workflow.py::test_a_reminder_is_sent_only_when_fields_are_missing"
    ),
    "compliance-check_missing_field_gets_one_reminder": (
        "test_compliance_workflow.py::test_a_reminder_is_sent_only_when_fields_are_missing"
    ),
    "compliance-check_escalates_after_the_overdue_window": (
        "test_compliance_workflow.py::test_escalation_happens_exactly_escalate_after_days_after_the_due_date"
    ),
    "compliance-check_waived_before_the_reminder": (
        "test_compliance_workflow.py::test_waive_with_a_reason_ends_the_check_before_its_reminder"
    ),
    "compliance-check_completed_after_the_reminder": (
        "test_compliance_workflow.py::test_complete_ends_the_check_before_escalation"
    ),
    "cycle-completes_all_four_phases": (
        "test_cycle_workflow.py::test_a_cycle_runs_plan_act_react_reflect_in_order"
    ),
    "cycle-blocked_and_deferred": (
        "test_cycle_workflow.py::test_blocked_and_deferred_actions_are_counted_not_performed"
    ),
    "cycle-halt_stops_the_remaining_actions": (
        "test_cycle_workflow.py::test_a_halt_verdict_stops_the_remaining_actions"
    ),
    "cycle-switched_off_is_skipped": (
        "test_cycle_workflow.py::test_a_switched_off_tenant_is_recorded_as_skipped"
    ),
    "cycle-failed_phase_is_reflected": (
        "test_cycle_workflow.py::test_a_failed_phase_is_reflected_and_fails_the_workflow"
    ),
    "cycle-skipped_while_another_cycle_runs": (
        "test_cycle_workflow.py::test_a_cycle_finding_the_tenant_lock_held_is_skipped_without_acting"
    ),
    "cycle-hands_a_quote_to_its_workflow": (
        "test_cycle_workflow.py::test_the_cycle_hands_an_unowned_quote_to_its_workflow_and_never_emails_it"
    ),
    "fanout-batches_and_continue_as_new": (
        "test_cycle_workflow.py::test_the_fan_out_runs_every_tenant_in_batches_and_continues_as_new"
    ),
    "fanout-last_run_after_continue_as_new": (
        "test_cycle_workflow.py::test_the_fan_out_runs_every_tenant_in_batches_and_continues_as_new"
    ),
    "scheduled-trigger_runs_the_cycle": (
        "test_cycle_workflow.py::test_the_scheduled_trigger_runs_the_hours_cycle_once"
    ),
    "feedback-sent_on_day_7_positive_reply": (
        "test_followups_workflow.py::test_feedback_is_sent_exactly_on_day_7_and_a_positive_reply_is_stored"
    ),
    "feedback-delayed_by_an_open_case": (
        "test_followups_workflow.py::test_an_open_case_delays_the_request_until_it_closes"
    ),
    "feedback-skipped_with_an_open_case": (
        "test_followups_workflow.py::test_a_case_that_stays_open_skips_the_request_and_says_why"
    ),
    "feedback-negative_reply_opens_a_case": (
        "test_followups_workflow.py::test_a_negative_reply_opens_a_case_and_starts_service_recovery"
    ),
    "feedback-no_reply_times_out": ("test_followups_workflow.py::test_no_reply_times_out_cleanly"),
    "quote-four_follow_ups_then_expired": (
        "test_followups_workflow.py::test_a_quote_gets_exactly_4_follow_ups_3_days_apart_then_expires"
    ),
    "quote-accepted_after_second_follow_up": (
        "test_followups_workflow.py::test_accepted_after_the_2nd_follow_up_stops_follow_ups_and_records_the_win"
    ),
    "quote-rejected_with_reason": (
        "test_followups_workflow.py::test_rejected_with_a_reason_records_the_loss_and_the_reason"
    ),
    "deal-stalled_and_escalated": (
        "test_followups_workflow.py::test_a_deal_goes_stalled_past_its_threshold_and_escalates_after_3_follow_ups"
    ),
    "deal-activity_clears_stalled": (
        "test_followups_workflow.py::test_activity_clears_stalled_and_restarts_the_clock"
    ),
    # MailboxSync before patch capture-then-understand (the coupled shape; tests renamed with it)
    "mailsync-a_refused_login_ends_the_run_with_its_status": (
        "test_mailsync_workflow.py::test_a_refused_login_ends_capture_and_understanding_with_its_status"
    ),
    "mailsync-batches_until_no_new_mail_hand_off_attachments_and_continue_as_new": (
        "test_mailsync_workflow.py::test_capture_until_no_new_mail_while_understanding_drains_and_continue_as_new"
    ),
    "mailsync-each_batch_routes_its_new_messages_until_none_are_left": (
        "test_mailsync_workflow.py::test_understanding_drains_every_captured_page_and_counts_malformed_as_failed"
    ),
}
"""Histories whose name does not give their test -> ``{file in tests/workflows}::{test function}``:
those recorded before the convention (the operation histories already follow it), and any whose
test is renamed later (map the old name here; never rename a history)."""

_NAME = re.compile(r"^(?P<prefix>[A-Za-z0-9_]+)-(?P<test>[a-z0-9_]+)(--(?P<scenario>[a-z0-9_]+))?(~\d+)?$")


def workflow_type(history: dict[str, Any]) -> str:
    """The workflow type of a history (its first event, WorkflowExecutionStarted)."""
    first = history["events"][0]["workflowExecutionStartedEventAttributes"]
    name: str = first["workflowType"]["name"]
    return name


def legacy_test(stem: str) -> str | None:
    """``LEGACY``'s ``file::test`` for a history stem (a ``~n`` copy maps like its original)."""
    return LEGACY.get(re.sub(r"~\d+$", "", stem))


def named_test(stem: str) -> str | None:
    """The test function (``test_...``) a history stem names by the convention, else None."""
    m = _NAME.match(stem)
    return f"test_{m['test']}" if m else None


def prefix_of(stem: str) -> str:
    return stem.split("-", 1)[0]


def _current_test() -> str:
    """The running test function's name, from pytest's PYTEST_CURRENT_TEST (``path::name (phase)``)."""
    current = os.environ.get("PYTEST_CURRENT_TEST")
    if not current:
        raise RuntimeError("record() runs only inside a pytest test")
    return current.split("::")[-1].split(" ")[0].split("[")[0]


async def record(handle: Any, scenario: str | None = None) -> Path | None:
    """With OMNIOPS_RECORD_HISTORIES=1, save ``handle``'s history as a new file (never overwriting).

    Args:
        handle: a ``WorkflowHandle`` of a workflow that ran on a codec-less client.
        scenario: ``[a-z0-9_]+``, needed only when one test records several histories.

    Returns:
        The path written, or None when recording is off.
    """
    if os.environ.get("OMNIOPS_RECORD_HISTORIES") != "1":
        return None
    history = await handle.fetch_history()
    text = history.to_json()
    kind = workflow_type(json.loads(text))
    stem = f"{PREFIXES.get(kind, kind)}-{_current_test().removeprefix('test_')}"
    if scenario:
        stem += f"--{scenario}"
    for n in range(1, 1000):
        path = HISTORIES / (f"{stem}.json" if n == 1 else f"{stem}~{n}.json")
        if (HISTORIES / "retired" / path.name).exists():  # a retired history keeps its name
            continue
        try:
            with path.open("x") as f:  # "x": fails if the file exists, so nothing is overwritten
                f.write(text)
        except FileExistsError:
            continue
        return path
    raise RuntimeError(f"too many histories named {stem}")
