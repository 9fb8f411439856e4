"""workflows/ids.py: the id formats old histories and running workflows depend on."""

from __future__ import annotations

from workflows import ids


def test_operation_ids_round_trip() -> None:
    wid = ids.operation_workflow_id("acme", "6f1c8a52-6c1e-4d47-9a40-3f1f3c0f9b10")
    assert wid == "op-acme-6f1c8a52-6c1e-4d47-9a40-3f1f3c0f9b10"
    assert ids.operation_id_from_workflow_id("acme", wid) == "6f1c8a52-6c1e-4d47-9a40-3f1f3c0f9b10"
    assert ids.operation_id_from_workflow_id("other", wid) == wid


def test_cycle_ids() -> None:
    assert ids.cycle_workflow_id("acme", "2026112202") == "cycle-acme-2026112202"
    assert ids.cycle_fanout_workflow_id("2026112202") == "cycle-fanout-2026112202"
    assert ids.cycle_schedule_id("acme") == "cycle-schedule-acme"
    assert ids.cycle_trigger_workflow_id("acme") == "cycle-trigger-acme"


def test_followup_and_compliance_ids() -> None:
    assert ids.feedback_workflow_id("acme", "o1") == "feedback-acme-o1"
    assert ids.quote_workflow_id("acme", "q1") == "quote-acme-q1"
    assert ids.deal_workflow_id("acme", "d1") == "deal-acme-d1"
    assert ids.compliance_schedule_id("acme", "s1") == "compliance-schedule-acme-s1"
    assert ids.compliance_run_workflow_id("acme", "s1") == "compliance-run-acme-s1"
    assert ids.compliance_check_workflow_id("acme", "c" * 32) == "compliance-check-acme-" + "c" * 32
