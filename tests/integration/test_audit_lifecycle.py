"""Audit export, erasure and retention (issue 16 Builds 2-4) on the real Postgres, Vault and
object store, the activities run as the agent worker runs them: the export's manifest verifies
and its screenshots are the decrypted images; after a subject's erasure its screenshots do not
decrypt even from a copy of the ciphertext, the chain and its signed digests still verify, and
the other subject and tenant are untouched; a whole tenant's erasure shreds its keys; retention
at a moved clock leaves nothing past retention, exactly what the dry run reported."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from temporalio.client import WorkflowExecutionStatus
from temporalio.service import RPCError
from temporalio.testing import ActivityEnvironment

from activities.audit_digest import AuditDigestActivities
from activities.audit_erasure import AuditErasureActivities
from activities.audit_export import AuditExportActivities
from activities.audit_retention import AuditRetentionActivities
from activities.tenant_stop import TenantStopActivities
from api.services.cycle_schedule import ensure_schedule
from core.audit_chain import link_hash, sha256_hex
from core.export_archive import read_archive, verify_manifest
from core.keys import ensure_tenant_keyring, keyring_path
from core.mail_store import MailBlobs
from core.objectstore import ObjectNotFound, ObjectStore
from core.operation_keys import operation_keyring_path
from core.retention import cutoffs, periods, subject_hash
from core.settings import get_settings
from core.temporal import connect
from core.transit import Transit
from core.vault import VaultStore
from devstack.stack import Stack
from schema.audit_verify import verify
from schema.db import get_engine, tenant_transaction
from schema.repositories import audit_lifecycle, retention
from schema.repositories import tenants as tenants_repo
from tests.integration.lifecycle_helpers import JPEG, Trail, shots, write_business, write_trail
from workflows import ids
from workflows.audit_lifecycle import ErasureInput, ExportInput, TenantRetention

pytestmark = pytest.mark.stack
DANA, ERIN = "dana@example.com", "erin@example.com"


def new_tenant() -> str:
    return f"t-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def two(infra: Stack) -> tuple[Trail, Trail]:
    return write_trail(new_tenant(), DANA, ERIN), write_trail(new_tenant(), DANA)


def ok(tenant: str, signatures: Transit | None = None) -> None:
    with tenant_transaction(get_engine(), tenant) as s:
        r = verify(s, tenant, signatures)
    assert r.ok, r


def count(tenant: str, sql: str) -> int:
    with tenant_transaction(get_engine(), tenant) as s:
        return int(s.execute(text(sql), {"t": tenant}).scalar_one())


def export(tenant: str, subject: str | None, fmt: str = "zip") -> dict[str, bytes]:
    settings, vault = get_settings(), VaultStore(get_settings())
    with tenant_transaction(get_engine(), tenant) as s:
        eid = audit_lifecycle.add_export(s, tenant, subject, fmt, "owner-1").id
        s.commit()
    acts = AuditExportActivities(settings, get_engine(), vault)
    result = ActivityEnvironment().run(acts.build_audit_export, ExportInput(tenant, eid))
    with tenant_transaction(get_engine(), tenant) as s:
        row = audit_lifecycle.get_export(s, eid)
        assert row is not None and row.status == "done" and row.sha256 == result.sha256
        key = row.blob_key or ""
    archive = ObjectStore(settings.object_dir, ensure_tenant_keyring(vault, tenant)).get(key)
    assert (
        ObjectStore(settings.object_dir, ensure_tenant_keyring(vault, tenant)).raw(key).find(b"manifest")
        == -1
    )
    return read_archive(archive)


def erase(tenant: str, subject: str | None, eid: str | None = None) -> dict[str, object]:
    with tenant_transaction(get_engine(), tenant) as s:
        eid = eid or audit_lifecycle.add_erasure(s, tenant, subject, "owner-1").id
        s.commit()
    acts = AuditErasureActivities(get_settings(), get_engine(), VaultStore(get_settings()))
    ActivityEnvironment().run(acts.erase_audit_data, ErasureInput(tenant, eid))
    with tenant_transaction(get_engine(), tenant) as s:
        row = audit_lifecycle.get_erasure(s, eid)
        assert row is not None and row.status == "done" and row.subject_email is None
        return dict(row.certificate or {})


def test_the_export_manifest_verifies_and_its_screenshots_are_decrypted(two: tuple[Trail, Trail]) -> None:
    a, _ = two
    files = export(a.tenant, None)
    assert verify_manifest(files) == []
    manifest = json.loads(files["manifest.json"])
    for sub in a.subjects.values():
        assert (
            files["screenshots/" + sub.screenshot.removeprefix(f"{a.tenant}/")] == JPEG + sub.email.encode()
        )
        assert files["mail/raw/" + sub.raw_key.removeprefix(f"{a.tenant}/") + ".eml"].startswith(b"From: ")
    links = [json.loads(line) for line in files["audit/chain.jsonl"].decode().splitlines()]
    assert manifest["chain"]["links"] == len(links) > 0 and manifest["chain"]["first_seq"] == 1
    prev = "0" * 64
    for link in links:  # the whole chain, link by link, as an auditor recomputes it
        assert link["prev_hash"] == prev and sha256_hex(link["entry"]) == link["entry_hash"]
        at = datetime.fromisoformat(link["at"])
        assert (
            link_hash(
                prev, link["seq"], link["source"], link["op"], link["source_id"], link["entry_hash"], at
            )
            == link["hash"]
        )
        prev = link["hash"]
    steps = [json.loads(x) for x in files["rows/autonomous_operations_audit.jsonl"].decode().splitlines()]
    assert len(steps) == 2 and len(files["rows/email_outbox.jsonl"].splitlines()) == 2
    assert (
        count(
            a.tenant, "SELECT count(*) FROM operator_audit WHERE tenant_id = :t AND action = 'audit.export'"
        )
        == 1
    )
    ok(a.tenant)  # the export's own audit entry is a link like any other


def test_a_subject_export_holds_only_that_subject(two: tuple[Trail, Trail]) -> None:
    a, _ = two
    files = export(a.tenant, DANA, "tar.gz")
    assert verify_manifest(files) == []
    assert json.loads(files["manifest.json"])["subject"] == subject_hash(DANA)
    everything = b"".join(v for k, v in files.items() if k != "manifest.json")
    assert DANA.encode() in everything and ERIN.encode() not in everything
    assert files["screenshots/" + a.subjects[DANA].screenshot.removeprefix(f"{a.tenant}/")].startswith(JPEG)


def test_after_a_subject_erasure_its_blobs_do_not_decrypt_and_the_chain_verifies(
    two: tuple[Trail, Trail],
) -> None:
    a, b = two
    settings, transit = get_settings(), Transit(get_settings())
    while ActivityEnvironment().run(AuditDigestActivities(settings, get_engine()).sign_audit_digests).more:
        pass  # the chain heads are signed before the erasure
    dana = a.subjects[DANA]
    backup = {k: shots().raw(k) for k in (dana.screenshot, dana.checkpoint)}  # a backup of the ciphertext
    cert = erase(a.tenant, DANA)
    assert (
        cert["scope"] == "subject"
        and cert["subject"] == subject_hash(DANA)
        and cert["keyrings_shredded"] == 1
    )
    assert VaultStore(settings).read(operation_keyring_path(a.tenant, dana.op_id)) is None
    for key, raw in backup.items():  # restored from the backup: unreadable everywhere
        path = settings.object_dir / f"{key}.enc"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(raw)
        with pytest.raises(KeyError):
            shots().get(key)
    ok(a.tenant, transit)
    ok(b.tenant, transit)
    for table, col in (
        ("autonomous_operations", "user_id"),
        ("autonomous_consent", "user_id"),
        ("email_outbox", "to_email"),
        ("inbound_messages", "from_email"),
    ):
        assert count(a.tenant, f"SELECT count(*) FROM {table} WHERE tenant_id = :t AND {col} = '{DANA}'") == 0
        assert count(a.tenant, f"SELECT count(*) FROM {table} WHERE tenant_id = :t AND {col} = '{ERIN}'") == 1
        assert count(b.tenant, f"SELECT count(*) FROM {table} WHERE tenant_id = :t AND {col} = '{DANA}'") == 1
    assert (
        count(
            a.tenant, f"SELECT count(*) FROM audit_chain WHERE tenant_id = :t AND entry::text LIKE '%{DANA}%'"
        )
        == 0
    )
    assert shots().get(a.subjects[ERIN].screenshot).startswith(JPEG)
    assert shots().get(b.subjects[DANA].screenshot).startswith(JPEG)
    mail = MailBlobs(settings, VaultStore(settings))
    with pytest.raises(ObjectNotFound):  # zeroed in its pack, whose other message still reads
        mail.get(a.tenant, dana.raw_key)
    assert (settings.object_dir / (dana.raw_key.rsplit("/", 1)[0] + ".enc")).exists()
    assert mail.get(a.tenant, a.subjects[ERIN].raw_key).startswith(b"From: " + ERIN.encode())
    certs = "SELECT count(*) FROM operator_audit WHERE tenant_id = :t AND action = 'audit.erasure'"
    assert count(a.tenant, certs) == 1


def test_a_whole_tenant_erasure_shreds_its_keys_and_leaves_others(two: tuple[Trail, Trail]) -> None:
    a, b = two
    vault = VaultStore(get_settings())
    cert = erase(a.tenant, None)
    assert cert["scope"] == "tenant" and cert["keyrings_shredded"] == 2 + 3
    assert vault.read(keyring_path(a.tenant)) is None and vault.read(keyring_path(b.tenant)) is not None
    assert count(a.tenant, "SELECT count(*) FROM audit_chain WHERE tenant_id = :t AND entry IS NOT NULL") == 1
    assert not (get_settings().object_dir / a.tenant).exists()
    ok(a.tenant)
    ok(b.tenant)
    assert shots().get(b.subjects[DANA].screenshot).startswith(JPEG)


async def test_a_tenant_erasure_first_engages_its_kill_switch_and_deletes_its_schedules(
    two: tuple[Trail, Trail],
) -> None:
    """As the AuditErasure workflow runs them: ``stop_erased_tenant`` then ``erase_audit_data``.
    The cycle schedule is found from its id, the mailbox one (no row) from the schedule list."""
    a, b = two
    client = await connect(scoping=ids)
    listed = ids.mailsync_schedule_id(a.tenant, uuid.uuid4().hex)
    for t in (a.tenant, b.tenant):
        with tenant_transaction(get_engine(), t) as s:
            tenants_repo.set_agent_enabled(s, t, True)
            s.commit()
        await ensure_schedule(client, t, 0, paused=True)
    await client.create_schedule(
        listed, (await client.get_schedule_handle(ids.cycle_schedule_id(a.tenant)).describe()).schedule
    )
    running = ids.document_workflow_id(a.tenant, uuid.uuid4().hex)  # no worker polls its queue
    await client.start_workflow("DocumentExtraction", id=running, task_queue=f"nobody-{uuid.uuid4().hex[:8]}")
    for _ in range(100):  # the schedule and workflow lists are the visibility store's: eventually consistent
        if listed in {d.id async for d in await client.list_schedules()} and running in {
            w.id async for w in client.list_workflows('ExecutionStatus="Running"')
        }:
            break
        await asyncio.sleep(0.1)
    with tenant_transaction(get_engine(), a.tenant) as s:
        eid = audit_lifecycle.add_erasure(s, a.tenant, None, "owner-1").id
        s.commit()
    acts = TenantStopActivities(get_engine(), client)
    stopped = await ActivityEnvironment().run(acts.stop_erased_tenant, ErasureInput(a.tenant, eid))
    assert stopped.agent_disabled and stopped.schedules_deleted == 2 and stopped.workflows_terminated == 1
    assert (await client.get_workflow_handle(running).describe()).status == WorkflowExecutionStatus.TERMINATED
    await asyncio.to_thread(erase, a.tenant, None, eid)

    left = {d.id async for d in await client.list_schedules() if ids.tenant_of_schedule_id(d.id) == a.tenant}
    for sid in (ids.cycle_schedule_id(a.tenant), listed):
        with pytest.raises(RPCError):
            await client.get_schedule_handle(sid).describe()
    assert left <= {ids.cycle_schedule_id(a.tenant), listed}  # the list may lag the deletes
    await client.get_schedule_handle(ids.cycle_schedule_id(b.tenant)).describe()  # b's is untouched
    for t, enabled in ((a.tenant, False), (b.tenant, True)):
        with tenant_transaction(get_engine(), t) as s:
            row = tenants_repo.get_tenant(s, t)
            assert row is not None and row.agent_enabled is enabled
    again = await ActivityEnvironment().run(acts.stop_erased_tenant, ErasureInput(a.tenant, eid))
    assert again.agent_disabled and again.schedules_deleted == 0  # idempotent
    await client.get_schedule_handle(ids.cycle_schedule_id(b.tenant)).delete()


def test_retention_at_a_moved_clock_removes_exactly_what_the_dry_run_reported(
    two: tuple[Trail, Trail],
) -> None:
    a, b = two
    settings = get_settings()
    with tenant_transaction(get_engine(), a.tenant) as s:
        audit_lifecycle.set_retention(s, a.tenant, {"outbox_bodies": 365}, "owner-1")
        s.commit()
    acts = AuditRetentionActivities(settings, get_engine(), VaultStore(settings))
    later = datetime.now(UTC) + timedelta(days=91)
    dry = ActivityEnvironment().run(acts.enforce_retention, TenantRetention(a.tenant, later, True))
    assert {c: r.count for c, r in dry.classes.items()} == {
        "audit_rows": 4,
        "screenshots": 2,
        "checkpoints": 2,
        "outbox_bodies": 0,
        "raw_inbound_mail": 2,
        "run_records": 0,
    }  # audit rows: 2 steps and 2 confirmations (live consents never expire); outbox kept 365 days
    done = ActivityEnvironment().run(acts.enforce_retention, TenantRetention(a.tenant, later, False))
    assert {c: (r.count, r.digest) for c, r in done.classes.items()} == {
        c: (r.count, r.digest) for c, r in dry.classes.items()
    }
    with tenant_transaction(get_engine(), a.tenant) as s:
        days = periods(settings.audit.retention_days, audit_lifecycle.retention_overrides(s, a.tenant))
        left = retention.expired(s, a.tenant, cutoffs(later, days))
        own = s.execute(
            text("SELECT id::text FROM operator_audit WHERE tenant_id = :t AND action = 'audit.retention'"),
            {"t": a.tenant},
        ).scalar_one()
    # nothing is left past retention but the run's own record (written now, already "old" at the moved clock)
    assert left["audit_rows"] == [f"operator_audit:{own}"]
    assert {c: v for c, v in left.items() if c not in ("audit_rows", "screenshots", "checkpoints")} == {
        "outbox_bodies": [],
        "raw_inbound_mail": [],
        "run_records": [],
    }
    for sub in a.subjects.values():
        assert not (settings.object_dir / f"{sub.screenshot}.enc").exists()
        assert not (settings.object_dir / f"{sub.checkpoint}.enc").exists()
        with pytest.raises(ObjectNotFound):
            MailBlobs(settings, VaultStore(settings)).get(a.tenant, sub.raw_key)
        assert VaultStore(settings).read(operation_keyring_path(a.tenant, sub.op_id)) is None
    again = ActivityEnvironment().run(acts.enforce_retention, TenantRetention(a.tenant, later, True))
    assert {c: r.count for c, r in again.classes.items()} == {
        **dict.fromkeys(done.classes, 0),
        "audit_rows": 1,
    }
    ok(a.tenant)
    ok(b.tenant)
    assert shots().get(b.subjects[DANA].screenshot).startswith(JPEG)


def test_the_vault_policies_let_the_browser_seal_and_only_the_services_shred(infra: Stack) -> None:
    """deploy/vault: the browser worker creates and reads an operation's keyring but cannot
    delete it; the services' token lists a tenant's operation keyrings and deletes them and the
    tenant's own keys (the erasure), and still cannot write a keyring over another."""
    from hvac.exceptions import Forbidden

    from core.keys import ensure_keyring_at
    from core.operation_keys import operations_folder
    from tests.integration.test_tenant_keys import store_with

    tenant, op = new_tenant(), str(uuid.uuid4())
    svc, browser = store_with("omniops"), store_with("omniops-browser")
    path = operation_keyring_path(tenant, op)
    ring = ensure_keyring_at(browser, path)
    assert svc.read(path) is not None and ring.active_key_id in (browser.read(path) or {})["keys"]
    with pytest.raises(Forbidden):
        browser.delete(path)
    with pytest.raises(Forbidden):
        svc.write(path, {"active": "evil", "keys": {}})
    ensure_tenant_keyring(svc, tenant)
    assert svc.list(operations_folder(tenant)) == [op]
    svc.delete(path)
    svc.delete(keyring_path(tenant))
    assert svc.read(path) is None and svc.read(keyring_path(tenant)) is None


def test_a_subject_erasure_anonymizes_its_business_rows_and_keeps_its_suppression(
    two: tuple[Trail, Trail],
) -> None:
    """Contacts, enrichment sources, signals, feedback answers and order borrowers of the subject
    lose its personal data; the other subject's and the other tenant's stay; the suppression
    stays so the address is never mailed again (schema/repositories/subject_business.py)."""
    a, b = two
    for tenant, email in ((a.tenant, DANA), (a.tenant, ERIN), (b.tenant, DANA)):
        write_business(tenant, email)
    files = export(a.tenant, DANA)  # right of access: the subject's business rows, and only its
    for table in ("contacts", "contact_field_sources", "opportunity_signals", "feedback_requests", "orders"):
        rows = files[f"rows/{table}.jsonl"]
        assert rows.count(b"\n") == 1 and ERIN.encode() not in rows, table
    assert DANA.encode() in files["rows/contacts.jsonl"]
    cert = erase(a.tenant, DANA)
    assert "contacts" not in cert["tables"]  # type: ignore[operator]  # anonymized, not deleted
    assert cert["anonymized"] == {
        "contacts": 1,
        "contact_field_sources": 1,
        "opportunity_signals": 1,
        "feedback_requests": 1,
        "orders": 1,
    }
    for tenant, email, left in ((a.tenant, DANA, 0), (a.tenant, ERIN, 1), (b.tenant, DANA, 1)):
        for sql in (
            f"SELECT count(*) FROM contacts WHERE tenant_id = :t AND email = '{email}'",
            f"SELECT count(*) FROM contacts WHERE tenant_id = :t AND name = 'Name of {email}'",
            f"SELECT count(*) FROM feedback_requests WHERE tenant_id = :t AND response LIKE '%{email}%'",
            f"SELECT count(*) FROM orders WHERE tenant_id = :t AND borrower_email = '{email}'",
            f"SELECT count(*) FROM opportunity_signals WHERE tenant_id = :t AND evidence LIKE '{email}%'",
        ):
            assert count(tenant, sql) == left, (tenant, email, sql)
        assert (
            count(
                tenant, f"SELECT count(*) FROM email_suppressions WHERE tenant_id = :t AND email = '{email}'"
            )
            == 1
        )
    assert (
        count(a.tenant, "SELECT count(*) FROM contacts WHERE tenant_id = :t AND archived_at IS NOT NULL") == 1
    )
    assert count(a.tenant, "SELECT count(*) FROM contact_field_sources WHERE tenant_id = :t") == 1
    assert erase(a.tenant, DANA)["anonymized"] == {}  # a second request finds nothing left
