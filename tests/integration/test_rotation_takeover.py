"""A rotation whose workflow ended without releasing its integration (terminated, timed out)
does not block the next one (issue 15 Build 5): ``begin_rotation`` asks Temporal about the
recorded holder and takes over from one that is not running, audited as ``takeover``; a holder
that still runs keeps it (``busy``). Real Postgres, Vault and Temporal; the activity runs as the
agent worker runs it."""

from __future__ import annotations

import uuid

import pytest
from temporalio.client import Client
from temporalio.testing import ActivityEnvironment

from activities.rotation import RotationActivities
from core.settings import get_settings
from core.temporal import connect
from core.vault import VaultStore, credential_path
from devstack.stack import Stack
from schema.db import get_engine, tenant_transaction
from schema.repositories import integrations
from workflows import ids
from workflows.integrations.messages import (
    BeginRotationInput,
    IntegrationRef,
    RotationStart,
    SettlePendingInput,
)

pytestmark = pytest.mark.stack
SERVICE, CTYPE = "wordpress", "application_password"


def integration(tenant: str) -> IntegrationRef:
    with tenant_transaction(get_engine(), tenant) as s:
        row = integrations.upsert_status(
            s,
            {
                "tenant_id": tenant,
                "service": SERVICE,
                "credential_type": CTYPE,
                "site_url": "https://shop.example.test",
                "status": "healthy",
                "credential_name": "omniops-old",
                "current_version": 3,
            },
        )
        s.commit()
        return IntegrationRef(
            tenant_id=tenant,
            integration_id=row.id,
            service=SERVICE,
            credential_type=CTYPE,
            site_url=row.site_url,
            generate_operation=f"{CTYPE}_generation",
            revoke_operation=f"{CTYPE}_revocation",
        )


def holder(ref: IntegrationRef) -> str | None:
    with tenant_transaction(get_engine(), ref.tenant_id) as s:
        row = integrations.get_status(s, ref.tenant_id, SERVICE, CTYPE)
        assert row is not None
        return row.rotation_run


async def begin(acts: RotationActivities, ref: IntegrationRef, run: str) -> RotationStart:
    inp = BeginRotationInput(ref=ref, run=run, reason="scheduled")
    start: RotationStart = await ActivityEnvironment().run(acts.begin_rotation, inp)
    return start


async def hold(client: Client, wid: str) -> None:
    """A rotation workflow that runs (no worker polls its queue) under ``wid``."""
    await client.start_workflow("CredentialRotation", id=wid, task_queue=f"nobody-{uuid.uuid4().hex[:8]}")


async def test_a_terminated_rotation_leaves_the_integration_to_the_next_one(infra: Stack) -> None:
    tenant = f"t-{uuid.uuid4().hex[:10]}"
    ref = integration(tenant)
    client = await connect(scoping=ids)
    acts = RotationActivities(get_engine(), VaultStore(get_settings()), client)
    base = ids.rotation_workflow_id(tenant, ref.integration_id)
    first, second, third = (f"{base}-2026-12-0{d}T04:00:00Z" for d in (1, 2, 3))

    await hold(client, first)
    assert (await begin(acts, ref, first)).busy is False and holder(ref) == first
    assert (await begin(acts, ref, second)).busy is True  # the holder runs: it keeps it
    await client.get_workflow_handle(first).terminate("an operator stopped it mid-rotation")

    start = await begin(acts, ref, second)
    assert start == RotationStart(busy=False, old_version=3, old_name="omniops-old")
    assert holder(ref) == second
    with tenant_transaction(get_engine(), tenant) as s:
        steps = [(e.run, e.step) for e in integrations.events(s, tenant)]
    assert (second, "takeover") in steps and (second, "begin") in steps

    # a holder Temporal does not know (its history past retention) holds nothing either
    with tenant_transaction(get_engine(), tenant) as s:
        row = integrations.get_status(s, tenant, SERVICE, CTYPE, lock=True)
        assert row is not None
        integrations.set_fields(s, row, rotation_run=f"{base}-2025-01-01T04:00:00Z")
        s.commit()
    assert (await begin(acts, ref, third)).busy is False and holder(ref) == third
    assert (await begin(acts, ref, third)).busy is False  # a retry of the holder's own begin


async def test_a_credential_left_pending_revocation_is_handed_over_then_settled(infra: Stack) -> None:
    """A run that switched and ended before its revoke leaves ``pending_revoke`` and its old Vault
    version: the next run's begin reports the name; settling a failed revoke keeps both, a
    revoked one destroys the version and clears them, each audited ``revoke_pending``."""
    tenant = f"t-{uuid.uuid4().hex[:10]}"
    ref = integration(tenant)
    vault = VaultStore(get_settings())
    path = credential_path(tenant, SERVICE, CTYPE)
    versions = [vault.write(path, {"password": f"pw-{i}"}) for i in (1, 2)]
    with tenant_transaction(get_engine(), tenant) as s:
        row = integrations.get_status(s, tenant, SERVICE, CTYPE, lock=True)
        assert row is not None
        integrations.set_fields(
            s, row, pending_revoke="omniops-older", previous_version=versions[0], current_version=versions[1]
        )
        s.commit()
    acts = RotationActivities(get_engine(), vault, None)
    run = f"{ids.rotation_workflow_id(tenant, ref.integration_id)}-2026-12-07T04:00:00Z"
    start = await begin(acts, ref, run)
    assert start.pending_revoke == "omniops-older" and start.old_version == versions[1]

    env = ActivityEnvironment()
    env.run(
        acts.settle_pending_revoke, SettlePendingInput(ref=ref, run=run, name="omniops-older", revoked=False)
    )
    with tenant_transaction(get_engine(), tenant) as s:
        row = integrations.get_status(s, tenant, SERVICE, CTYPE)
        assert row is not None and (row.pending_revoke, row.previous_version) == (
            "omniops-older",
            versions[0],
        )
    assert vault.read_version(path, versions[0]) == {"password": "pw-1"}

    later = run.replace("2026-12-07", "2026-12-08")  # the next rotation, whose revoke succeeds
    for _ in range(2):  # a retried settle changes nothing more
        env.run(
            acts.settle_pending_revoke,
            SettlePendingInput(ref=ref, run=later, name="omniops-older", revoked=True),
        )
    with tenant_transaction(get_engine(), tenant) as s:
        row = integrations.get_status(s, tenant, SERVICE, CTYPE)
        assert row is not None and (row.pending_revoke, row.previous_version) == (None, None)
        steps = [(e.run, e.success) for e in integrations.events(s, tenant) if e.step == "revoke_pending"]
    assert vault.read_version(path, versions[0]) is None and vault.read_version(path, versions[1]) is not None
    assert sorted(steps) == [(run, False), (later, True)]
