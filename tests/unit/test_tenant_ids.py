"""workflows/ids.py: the tenant (codec key scope) and binding id of every workflow id format."""

from __future__ import annotations

import inspect
from collections.abc import Callable

import pytest

from workflows import ids

OP = "6f1c8a52-6c1e-4d47-9a40-3f1f3c0f9b10"
ROW = "0123456789abcdef0123456789abcdef"  # schema.tables.new_id
HOUR = "2026112207"
SUFFIX = "-2026-11-22T07:00:00Z"  # what a Temporal Schedule appends (RFC 3339, UTC)
TENANTS = ["acme", "acme-eu", "a-b-c-d", "x-2026112207", "t-" + ROW, "op", "cycle", "0", "a" * 63]
TENANTS += ["a-" * 31 + "z", "quote-x", "compliance-run-x"]

WORKFLOW_IDS: dict[str, Callable[[str], str]] = {
    "operation_workflow_id": lambda t: ids.operation_workflow_id(t, OP),
    "plan_workflow_id": lambda t: ids.plan_workflow_id(t, OP),
    "cycle_workflow_id": lambda t: ids.cycle_workflow_id(t, HOUR),
    "cycle_trigger_workflow_id": ids.cycle_trigger_workflow_id,
    "followup_workflow_id": lambda t: ids.followup_workflow_id("quote", t, ROW),
    "feedback_workflow_id": lambda t: ids.feedback_workflow_id(t, ROW),
    "quote_workflow_id": lambda t: ids.quote_workflow_id(t, OP),
    "deal_workflow_id": lambda t: ids.deal_workflow_id(t, ROW),
    "document_workflow_id": lambda t: ids.document_workflow_id(t, ROW),
    "import_workflow_id": lambda t: ids.import_workflow_id(t, ROW),
    "compliance_run_workflow_id": lambda t: ids.compliance_run_workflow_id(t, ROW),
    "compliance_check_workflow_id": lambda t: ids.compliance_check_workflow_id(t, ROW),
    "mailsync_workflow_id": lambda t: ids.mailsync_workflow_id(t, ROW),
    "export_workflow_id": lambda t: ids.export_workflow_id(t, ROW),
    "notify_workflow_id": lambda t: ids.notify_workflow_id(t, "operation.completed:" + OP),
    "health_workflow_id": lambda t: ids.health_workflow_id(t, "a" * 32),
    "rotation_workflow_id": lambda t: ids.rotation_workflow_id(t, "b" * 32),
}
SCHEDULED = {
    "cycle_trigger_workflow_id",
    "compliance_run_workflow_id",
    "mailsync_workflow_id",
    "health_workflow_id",
    "rotation_workflow_id",
}
"""The formats a Temporal Schedule starts (it appends the scheduled time)."""
NOT_TENANT_WORKFLOWS = {
    "cycle_fanout_workflow_id": "platform scope (below)",
    "erasure_workflow_id": "platform scope (below)",
    "retention_run_workflow_id": "platform scope (below)",
    "cycle_schedule_id": "a schedule id, never a workflow's",
    "compliance_schedule_id": "a schedule id, never a workflow's",
    "mailsync_schedule_id": "a schedule id, never a workflow's",
    "health_schedule_id": "a schedule id, never a workflow's",
    "rotation_schedule_id": "a schedule id, never a workflow's",
    "operation_id_from_workflow_id": "a parser",
    "plan_step_operation_id": "an operation uuid (its workflow is operation_workflow_id's)",
    "binding_id": "this module",
    "is_reserved_tenant": "this module",
    "scheduled": "this module",
    "tenant_of_workflow_id": "this module",
    "tenant_of_schedule_id": "this module",
}


def test_every_id_function_is_covered() -> None:
    functions = {n for n in ids.__all__ if inspect.isfunction(getattr(ids, n))}
    assert functions == set(WORKFLOW_IDS) | set(NOT_TENANT_WORKFLOWS)


def test_the_audit_digest_is_platform_scope_in_every_scheduled_run() -> None:
    """Issue 16: the hourly digest (its schedule's runs carry the time suffix)."""
    assert ids.tenant_of_workflow_id(ids.AUDIT_DIGEST) is None
    assert ids.tenant_of_workflow_id(ids.AUDIT_DIGEST + SUFFIX) is None
    assert ids.binding_id(ids.AUDIT_DIGEST + SUFFIX) == ids.AUDIT_DIGEST
    with pytest.raises(ids.UnknownWorkflowId):
        ids.tenant_of_workflow_id(ids.AUDIT_DIGEST + "-x")


def test_the_alert_sweep_is_platform_scope_in_every_scheduled_run() -> None:
    """Issue 17 Build 6: the hourly alert sweep (its schedule's runs carry the time suffix)."""
    assert ids.tenant_of_workflow_id(ids.ALERT_SWEEP) is None
    assert ids.tenant_of_workflow_id(ids.ALERT_SWEEP + SUFFIX) is None
    assert ids.binding_id(ids.ALERT_SWEEP + SUFFIX) == ids.ALERT_SWEEP
    with pytest.raises(ids.UnknownWorkflowId):
        ids.tenant_of_workflow_id(ids.ALERT_SWEEP + "-x")


def test_erasure_and_retention_runs_are_platform_scope() -> None:
    """Issue 16 Builds 3-4: a tenant's erasure deletes its keyring, so it runs in platform scope."""
    assert ids.tenant_of_workflow_id(ids.erasure_workflow_id(ROW)) is None
    assert ids.tenant_of_workflow_id(ids.retention_run_workflow_id(ROW)) is None
    assert ids.tenant_of_workflow_id(ids.AUDIT_RETENTION + SUFFIX) is None
    assert ids.binding_id(ids.AUDIT_RETENTION + SUFFIX) == ids.AUDIT_RETENTION
    with pytest.raises(ids.UnknownWorkflowId):
        ids.tenant_of_workflow_id(ids.erasure_workflow_id(ROW) + SUFFIX)


@pytest.mark.parametrize("tenant", TENANTS)
@pytest.mark.parametrize("fn", sorted(WORKFLOW_IDS))
def test_every_format_gives_back_its_tenant(fn: str, tenant: str) -> None:
    wid = WORKFLOW_IDS[fn](tenant)
    assert ids.tenant_of_workflow_id(wid) == tenant
    assert ids.binding_id(wid) == wid and not ids.scheduled(wid)


@pytest.mark.parametrize("tenant", TENANTS)
@pytest.mark.parametrize("fn", sorted(SCHEDULED))
def test_a_schedule_run_id_has_the_tenant_and_the_binding_of_its_prefix(fn: str, tenant: str) -> None:
    prefix = WORKFLOW_IDS[fn](tenant)  # the context a schedule encodes its action's args under
    run = prefix + SUFFIX  # the id of a run it starts
    assert ids.scheduled(run) and ids.tenant_of_workflow_id(run) == tenant
    assert ids.binding_id(run) == ids.binding_id(prefix) == prefix


@pytest.mark.parametrize("fn", sorted(set(WORKFLOW_IDS) - SCHEDULED))
def test_a_schedule_suffix_on_a_format_no_schedule_starts_is_refused(fn: str) -> None:
    with pytest.raises(ids.UnknownWorkflowId):
        ids.tenant_of_workflow_id(WORKFLOW_IDS[fn]("acme-eu") + SUFFIX)


def test_the_fanout_is_platform_scope() -> None:
    assert ids.tenant_of_workflow_id(ids.cycle_fanout_workflow_id(HOUR)) is None
    with pytest.raises(ids.UnknownWorkflowId):
        ids.tenant_of_workflow_id(ids.cycle_fanout_workflow_id(HOUR) + SUFFIX)


@pytest.mark.parametrize(
    "wid",
    [
        "",
        "x",
        "trigger-" + OP,  # an ad-hoc id
        ids.cycle_schedule_id("acme"),
        ids.compliance_schedule_id("acme", ROW),
        "op-acme-not-a-uuid",
        "op--" + OP,  # empty tenant
        "op-Acme-" + OP,  # not a slug
        "op-" + "a" * 64 + "-" + OP,  # slug too long
        "cycle-acme-20261122",  # not an hour key
        "feedback-acme-o1",  # entity ids are row ids or uuids
        "quote-acme-" + ROW[:-1],
        "compliance-check-acme-" + OP,  # a check id is 32 hex
        "cycle-trigger-",
        "cycle-fanout-" + HOUR + "0",
    ],
)
def test_unknown_or_ambiguous_ids_are_refused_never_guessed(wid: str) -> None:
    with pytest.raises(ids.UnknownWorkflowId) as e:
        ids.tenant_of_workflow_id(wid)
    assert wid == "" or wid not in str(e.value)  # the shape, not the id


@pytest.mark.parametrize(
    ("reserved", "id_of", "reads_as"),
    [
        ("fanout", lambda t: ids.cycle_workflow_id(t, HOUR), None),
        ("trigger-x", lambda t: ids.cycle_workflow_id(t, HOUR), "x-" + HOUR),
        ("trigger", lambda t: ids.cycle_workflow_id(t, HOUR), HOUR),
    ],
)
def test_reserved_slugs_would_collide_with_another_format(
    reserved: str, id_of: Callable[[str], str], reads_as: str | None
) -> None:
    """Why they are reserved: the reserved tenant's id is another format's (the fan-out, another
    tenant's schedule trigger); tenant creation must refuse them."""
    assert ids.is_reserved_tenant(reserved)
    assert ids.tenant_of_workflow_id(id_of(reserved)) == reads_as
    assert not any(ids.is_reserved_tenant(t) for t in TENANTS)


def test_a_schedule_id_reads_as_its_tenant_through_the_workflow_it_starts() -> None:
    """Issue 16 Build 3: a tenant erasure deletes every schedule whose id is the tenant's."""
    row = "0123456789abcdef0123456789abcdef"
    for t in ("acme", "acme-corp", "a-1"):
        for sid in (
            ids.cycle_schedule_id(t),
            ids.compliance_schedule_id(t, row),
            ids.mailsync_schedule_id(t, row),
            ids.health_schedule_id(t, row),
            ids.rotation_schedule_id(t, row),
        ):
            assert ids.tenant_of_schedule_id(sid) == t, sid
    for platform in (ids.ALERT_SWEEP, ids.AUDIT_DIGEST, ids.AUDIT_RETENTION, "health-schedule-x", "other"):
        assert ids.tenant_of_schedule_id(platform) is None
