"""Mailbox syncing on the real stack (issue 13 Builds 1-2): Dovecot IMAP, Postgres, Vault,
Temporal and the agent worker. Dedupe across syncs and a UIDVALIDITY reset, a worker killed
mid-sync, tenant isolation, malformed and oversized mail, a refused login, and no secret in any
response or workflow history."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlmodel import select

from core.keys import keyring_path
from core.mail_store import MailBlobs
from core.objectstore import ObjectStore
from core.settings import get_settings
from core.vault import VaultStore
from devstack import dovecot
from devstack.stack import Stack
from schema.business import InboundMessage
from schema.db import engine_for, owner_transaction, tenant_transaction
from schema.documents import Document
from tests.integration.helpers import headers
from tests.integration.history_secrets import assert_no_secret_in_history
from tests.integration.mail_helpers import (
    FIXTURES,
    connect_mailbox,
    connection,
    deliver,
    eml,
    mailbox,
    plain,
    rows,
    start_sync,
    sync,
    tenant_id,
)
from workflows.ids import mailsync_schedule_id, mailsync_workflow_id


@pytest.fixture(scope="session")
def mail_stack(agent_stack: Stack) -> Stack:
    agent_stack.imap()
    return agent_stack


@pytest.fixture(scope="session")
async def inbox_api(mail_stack: Stack) -> AsyncIterator[Any]:
    from litestar.testing import AsyncTestClient

    from api.app import create_app

    async with AsyncTestClient(app=create_app(), timeout=60) as client:
        yield client


async def test_dedupe_across_two_syncs_and_a_uidvalidity_reset(inbox_api: Any, mail_stack: Stack) -> None:
    t = tenant_id()
    user, password = mailbox(mail_stack, t)
    deliver(mail_stack, user, password, [eml(n) for n in FIXTURES])
    conn = await connect_mailbox(inbox_api, mail_stack, t, user, password)

    first = await sync(t, conn["id"])
    assert (first.status, first.fetched, first.inserted, first.failed) == ("connected", 5, 5, 0)
    got = rows(t)
    assert [r.uid for r in got] == [1, 2, 3, 4, 5]
    assert all(r.routed_at and r.processed_at is None and r.status == "ingested" for r in got)
    assert (got[0].kind, got[3].kind, got[4].kind) == ("reply", "bounce", "auto_reply")  # routed
    reply = got[0]
    assert reply.message_id == "<CAJx9fQ3h0Zr+kT5vXq2L8mN7bYcP1w@mail.gmail.com>"
    assert reply.in_reply_to == "<b1c2d3e4-followup-1@example.test>" and len(reply.reference_ids or []) == 2
    assert reply.from_email == "dana.whitfield@northwind.example" and reply.to_emails == [
        "sales@example.test"
    ]
    assert got[4].headers and got[4].headers["auto-submitted"] == "auto-replied"
    # the raw message is sealed with the tenant's keyring: unreadable at rest, exact when opened
    settings = get_settings()
    vault = VaultStore(settings)
    key = str(reply.raw_blob_key)
    assert ObjectStore(settings.object_dir, None).raw(key).find(b"Dana") == -1  # type: ignore[arg-type]
    assert MailBlobs(settings, vault).get(t, key) == eml(FIXTURES[0])
    assert vault.read(keyring_path(t)) is not None
    # the invoice's PDF went to the documents library
    with owner_transaction() as s:
        docs = list(s.exec(select(Document).where(Document.tenant_id == t)))
    assert [(d.source_type, d.source_ref, d.filename) for d in docs] == [
        ("email_attachment", f"{got[1].id}:0", "INV-20931.pdf")
    ]
    assert not any(r.attachments_pending for r in rows(t))

    again = await sync(t, conn["id"])
    assert (again.fetched, again.inserted) == (0, 0)
    deliver(mail_stack, user, password, [plain(1, t)])
    third = await sync(t, conn["id"])
    assert (third.fetched, third.inserted) == (1, 1)

    dovecot.reset_uidvalidity(mail_stack.c, user, 4242)  # every message gets a new UID
    rescan = await sync(t, conn["id"])
    assert rescan.rescanned and (rescan.fetched, rescan.inserted) == (6, 0)
    assert len(rows(t)) == 6
    c = connection(t, conn["id"])
    assert (c.uidvalidity, c.last_uid, c.status) == (4242, 6, "connected")


async def test_a_broken_and_a_30mb_message_are_stored_failed_and_the_sync_goes_on(
    inbox_api: Any, mail_stack: Stack
) -> None:
    t = tenant_id()
    user, password = mailbox(mail_stack, t)
    big = plain(2, t, size=30 * 1024 * 1024)
    deliver(mail_stack, user, password, [plain(1, t), eml("broken_multipart.eml"), big, plain(3, t)])
    conn = await connect_mailbox(inbox_api, mail_stack, t, user, password)
    result = await sync(t, conn["id"])
    assert (result.status, result.inserted, result.failed) == ("connected", 4, 2)
    by_uid = {r.uid: r for r in rows(t)}
    assert by_uid[1].status == by_uid[4].status == "ingested"
    assert by_uid[2].status == "failed" and str(by_uid[2].status_reason).startswith("broken MIME structure")
    assert by_uid[2].message_id == "<broken-structure-1@broken.example>" and by_uid[2].raw_blob_key
    assert by_uid[3].status == "failed" and by_uid[3].message_id == f"<{t}-2@mail.example>"
    assert by_uid[3].status_reason == f"message of {len(big)} bytes is over the 26214400-byte limit"
    assert by_uid[3].raw_blob_key is None
    assert connection(t, conn["id"]).last_uid == 4


async def test_a_worker_killed_mid_sync_gives_every_message_exactly_once(
    inbox_api: Any, mail_stack: Stack
) -> None:
    t, n = tenant_id(), 600
    user, password = mailbox(mail_stack, t)
    deliver(mail_stack, user, password, [plain(i, t) for i in range(1, n + 1)])
    conn = await connect_mailbox(inbox_api, mail_stack, t, user, password)
    handle = await start_sync(t, conn["id"], batch_size=5)
    for _ in range(2000):  # wait until some batches are committed, then kill the agent worker
        if len(rows(t)) >= 60:
            break
        await asyncio.sleep(0.02)
    mail_stack.stop("worker-agent", sig=signal.SIGKILL)
    assert len(rows(t)) < n, "the sync finished before the kill; make the mailbox bigger"
    mail_stack.worker("worker-agent", "agent")
    await asyncio.wait_for(handle.result(), timeout=240)
    got = rows(t)
    assert len(got) == n and len({r.message_id for r in got}) == n
    assert sorted(int(r.uid or 0) for r in got) == list(range(1, n + 1))
    assert connection(t, conn["id"]).last_uid == n


async def test_tenant_a_mailbox_never_yields_rows_for_tenant_b(inbox_api: Any, mail_stack: Stack) -> None:
    a, b = tenant_id(), tenant_id()
    ua, pa = mailbox(mail_stack, a)
    ub, pb = mailbox(mail_stack, b)
    shared = eml("gmail_reply.eml")  # the same message in both mailboxes: one row for each tenant
    deliver(mail_stack, ua, pa, [plain(1, a), plain(2, a), shared])
    deliver(mail_stack, ub, pb, [plain(1, b), shared])
    ca = await connect_mailbox(inbox_api, mail_stack, a, ua, pa)
    cb = await connect_mailbox(inbox_api, mail_stack, b, ub, pb)
    await sync(a, ca["id"])
    await sync(b, cb["id"])
    assert {r.message_id for r in rows(a)} == {
        f"<{a}-1@mail.example>",
        f"<{a}-2@mail.example>",
        rows(a)[2].message_id,
    }
    assert {r.connection_id for r in rows(a)} == {ca["id"]} and {r.connection_id for r in rows(b)} == {
        cb["id"]
    }
    assert not any(a in r.message_id for r in rows(b))
    with tenant_transaction(engine_for(get_settings().database.url), b) as s:  # RLS as the app role
        seen = list(s.exec(select(InboundMessage)))
    assert {r.tenant_id for r in seen} == {b} and len(seen) == 2
    # tenant B can neither see, sync nor delete A's connection
    listed = (await inbox_api.get("/api/inbox/connections", headers=headers(b))).json()
    assert [c["id"] for c in listed] == [cb["id"]]
    assert (
        await inbox_api.post(f"/api/inbox/connections/{ca['id']}/sync", headers=headers(b))
    ).status_code == 404
    assert (
        await inbox_api.delete(f"/api/inbox/connections/{ca['id']}", headers=headers(b))
    ).status_code == 404


async def test_a_wrong_password_is_auth_failed_and_no_secret_is_ever_returned(
    inbox_api: Any, mail_stack: Stack
) -> None:
    t = tenant_id()
    user, password = mailbox(mail_stack, t)
    wrong = "wrong-" + password[::-1]
    conn = await connect_mailbox(inbox_api, mail_stack, t, user, wrong)
    assert wrong not in str(conn) and conn["status"] == "not_configured"
    assert (
        conn["vault_path"].endswith(f"/tenants/{t}/mailbox/{conn['id']}") and len(conn["fingerprint"]) == 16
    )
    result = await sync(t, conn["id"])
    assert (result.status, result.inserted) == ("auth_failed", 0)
    listed = await inbox_api.get("/api/inbox/connections", headers=headers(t, roles=("viewer",)))
    assert listed.status_code == 200 and wrong not in listed.text and password not in listed.text
    assert listed.json()[0]["status"] == "auth_failed"
    await assert_no_secret_in_history(mailsync_workflow_id(t, conn["id"]), {"imap password": wrong})
    # a viewer may not connect a mailbox; an admin re-keys it with the right password
    body = {
        "host": "127.0.0.1",
        "port": mail_stack.c.imap_port,
        "tls": "none",
        "username": user,
        "password": password,
    }
    viewer = await inbox_api.post("/api/inbox/connections", headers=headers(t, roles=("viewer",)), json=body)
    assert viewer.status_code == 403
    rekeyed = await inbox_api.post("/api/inbox/connections", headers=headers(t), json=body)
    assert rekeyed.status_code == 201 and rekeyed.json()["id"] == conn["id"] and password not in rekeyed.text
    assert (await sync(t, conn["id"])).status == "connected"
    # the schedule: every 5 minutes, overlap SKIP; gone with the connection, and so is the secret
    from core.temporal import connect
    from workflows import ids

    client = await connect(scoping=ids)
    desc = await client.get_schedule_handle(mailsync_schedule_id(t, conn["id"])).describe()
    assert desc.schedule.policy.overlap.name == "SKIP"
    assert [i.every.total_seconds() for i in desc.schedule.spec.intervals] == [300.0]
    gone = await inbox_api.delete(f"/api/inbox/connections/{conn['id']}", headers=headers(t))
    assert gone.status_code == 204
    assert (await inbox_api.get("/api/inbox/connections", headers=headers(t))).json() == []
    assert VaultStore(get_settings()).read(f"tenants/{t}/mailbox/{conn['id']}") is None
    with pytest.raises(Exception, match="not found|NotFound|NOT_FOUND"):
        await client.get_schedule_handle(mailsync_schedule_id(t, conn["id"])).describe()


async def test_a_private_mail_server_address_is_refused_and_missing_fields_are_named(inbox_api: Any) -> None:
    t = tenant_id()
    body = {"host": "10.1.2.3", "port": 993, "username": "u@example.test", "password": "pw-never-stored"}
    r = await inbox_api.post("/api/inbox/connections", headers=headers(t), json=body)
    assert r.status_code == 422 and "pw-never-stored" not in r.text
    missing = await inbox_api.post(
        "/api/inbox/connections",
        headers=headers(t),
        json={**body, "auth_kind": "xoauth2", "host": "imap.gmail.com"},
    )
    assert missing.status_code == 400 and "client_id" in missing.text
