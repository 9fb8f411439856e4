"""Mailbox sync throughput (issue 13, Measure) over a 10,000-message mailbox on the stack's Dovecot,
each figure a ratio to a bare fetch of the same mailbox with the same IMAP library in the same run.

The bare fetch (``imapclient``; no parse, no store, nothing durable): ``UID SEARCH``, then
``UID FETCH BODY.PEEK[]`` in chunks of as many UIDs as the sync's batch: the same number of body
round trips as the sync (each of the sync's batches is one FETCH here), so the ratio prices what
the sync adds (sealing, the durable deduped insert, the checkpoint, the workflow), not a
different FETCH shape; a bigger batch makes the bare fetch faster too, and each sync is compared
with the bare fetch of its own batch size. (One
``FETCH 1:*`` is not a baseline: imapclient only takes explicit UIDs, and 10,000 of them would
overrun a server's 64 KiB command line.) Each bare fetch runs right before the sync it is
compared with, on the same mailbox, already indexed by the server (below).

- **capture** (the goal's "sync throughput", >= 0.5x): from starting ``MailboxSync`` to the
  checkpoint (``mailbox_connections.last_uid``, committed with the rows) at the mailbox's last UID,
  polled every 20 ms. Covers UID search, the FETCHes of sizes and bodies (one a batch; read
  ahead on a thread while the previous batch is stored), sha256, sealing each raw message into
  the object store, one deduped ``INSERT`` of ``received`` rows per ``--batch``-message batch
  with the checkpoint. It
  runs WHILE the understanding stage (below) runs on the inbox worker (its own process, on the
  same machine's cores), as in production;
- **end to end**: from the same start to the workflow's result: every message also parsed
  (``email``, policy=default), classified (rules; no LLM configured here), threaded, routed and
  marked routed. This is the understanding stage's rate once it is the slower one;
- **capture alone**, ``--rounds`` times (3), interleaved with bare fetches: per round a fresh
  mailbox of the same size, its bare fetch, then its capture with ``understanders=0`` (no
  understanding anywhere meanwhile); each ratio is to the bare fetch just before it, and the
  median ratio and the spread are printed (a shared machine's load drifts over a run: one pair
  moved the bare figure 44% in session 28). The last round's mailbox is then drained by the next
  sync (the understanding stage's own rate);
- **batch sizes** (``--sweep 200,1000``): capture alone on one more mailbox per size;
- **no new mail**: one more sync of the same mailbox (seconds, median), from which the note works
  out the schedule lag at 1,000 connections.

    uv run python -m bench.mail_sync [--messages 10000] [--batch 500] [--sweep 200,1000]
        [--no-mail-runs 5] [--port-offset 20] [--rounds 3]

Runs on a stack of its own (``/var/tmp/omniops-bench-mail``, ports shifted by ``--port-offset``),
beside ``make run``'s and the test stacks; the agent and inbox workers are restarted on this
checkout's code. The mailbox (the realistic fixtures of tests/fixtures/mail/ without attachments,
each with its own Message-ID) is written as Maildir files (what a local delivery agent does) and
indexed by one untimed read-write SELECT (which moves them from new/ to cur/, as any mail client's
visit does) and SEARCH before any timed read. Benches on this shared machine are noisy: compare
the ratios, not the absolute rates.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import time
import uuid
from pathlib import Path

import httpx
from imapclient import IMAPClient
from sqlalchemy import Engine
from sqlmodel import select

from activities.inbox.imap import quiet_protocol_log
from api.auth import mint_platform_token, mint_token
from bench.stacks import bench_stack
from core import queues
from core.settings import Settings, get_settings
from core.temporal import connect
from devstack import dovecot, services
from devstack.config import StackConfig
from devstack.stack import Stack
from schema.db import engine_for
from schema.inbox import MailboxConnection
from workflows import ids
from workflows.inbox.messages import MailboxSyncInput, MailboxSyncResult
from workflows.inbox.workflow import MailboxSyncWorkflow

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "mail"
SKIP = {"broken_multipart.eml", "invoice_pdf.eml"}
"""Not in the mailbox: a failed row is not throughput, and attachments start document extraction
(the documents library's own work, measured by bench/extraction.py), which would share the CPU."""
MESSAGE_ID = re.compile(rb"(?im)^(message-id:\s*<)")


def fill(stack: Stack, user: str, n: int) -> int:
    """``n`` messages in the user's Maildir (the well-formed fixtures without attachments in turn,
    each with its own Message-ID); their total bytes."""
    box = dovecot.maildir(stack.c, user)
    samples = [p.read_bytes() for p in sorted(FIXTURES.glob("*.eml")) if p.name not in SKIP]
    total = 0
    for i in range(n):
        raw = MESSAGE_ID.sub(
            lambda m, i=i: m.group(1) + f"b{i}.".encode(), samples[i % len(samples)], count=1
        )
        path = box / "new" / f"{1_700_000_000 + i}.M{i}P1.bench"
        path.write_bytes(raw)
        total += len(raw)
    dovecot.give_to_dovecot(box / "new")
    return total


def bare_fetch(port: int, user: str, password: str, chunk: int) -> tuple[float, int]:
    """(seconds, messages) of reading every body in FETCHes of ``chunk`` UIDs, with imaplib's
    protocol trace off as on the sync's own session (:func:`activities.inbox.imap.quiet_protocol_log`:
    with it on, the bare fetch paid about 27 us a message that the sync does not)."""
    started = time.perf_counter()
    got = 0
    with IMAPClient("127.0.0.1", port=port, ssl=False, timeout=120) as c:
        quiet_protocol_log(c)
        c.login(user, password)
        c.select_folder("INBOX", readonly=True)
        uids = c.search(["UID", "1:*"])
        for i in range(0, len(uids), chunk):
            got += len(c.fetch(uids[i : i + chunk], ["BODY.PEEK[]"]))
    return time.perf_counter() - started, got


def bench_config(offset: int) -> StackConfig:
    """A stack of its own (bench/stacks.py), beside ``make run``'s and the test stacks."""
    return bench_stack("omniops-bench-mail", offset)


def checkpoint(db: Engine, connection_id: str) -> int:
    """The connection's committed checkpoint (``last_uid``), read as the table owner."""
    with db.connect() as c:
        q = select(MailboxConnection.last_uid).where(MailboxConnection.id == connection_id)
        return int(c.execute(q).scalar_one())


async def our_sync(
    tenant: str, cid: str, batch: int, db: Engine | None = None, last_uid: int = 0, understanders: int = 1
) -> tuple[float, float, MailboxSyncResult]:
    """(seconds to the checkpoint at ``last_uid`` (0: not watched), seconds to the result, result)."""
    client = await connect(scoping=ids)
    started = time.perf_counter()
    handle = await client.start_workflow(
        MailboxSyncWorkflow.run,
        MailboxSyncInput(tenant_id=tenant, connection_id=cid, batch_size=batch, understanders=understanders),
        id=ids.mailsync_workflow_id(tenant, cid),
        task_queue=queues.AGENT,
    )
    while db is not None and await asyncio.to_thread(checkpoint, db, cid) < last_uid:  # noqa: ASYNC110 - a poll
        await asyncio.sleep(0.02)
    captured = time.perf_counter() - started
    result: MailboxSyncResult = await handle.result()
    return captured, time.perf_counter() - started, result


async def pause_schedules(connections: list[tuple[str, str]]) -> None:
    """Pause each connection's 5-minute schedule: only the bench's own syncs run (a scheduled one
    firing mid-run would sync a mailbox before its timed capture, or beside another's)."""
    client = await connect(scoping=ids)
    for tenant, cid in connections:
        await client.get_schedule_handle(ids.mailsync_schedule_id(tenant, cid)).pause(note="bench")


def main(messages: int, batch: int, sweep: list[int], no_mail_runs: int, offset: int, rounds: int) -> None:
    stack = Stack(bench_config(offset))
    stack.up()
    for name, queue in (("worker-agent", "agent"), ("worker-inbox", "inbox")):
        stack.stop(name)  # a reused stack's worker may run older code: this checkout's
        stack.worker(name, queue)
    os.environ.update(stack.env())
    get_settings.cache_clear()  # the stack read settings before its environment was set here
    settings = Settings.model_validate(
        {"auth": {"local_keys_dir": stack.env()["OMNIOPS_AUTH__LOCAL_KEYS_DIR"]}}
    )
    boxes = [mailbox(stack, settings, messages) for _ in range(1 + rounds + len(sweep))]
    (tenant, cid, user, password, size), alone_boxes = boxes[0], boxes[1 : 1 + rounds]
    db = engine_for(stack.db_url(services.PG_OWNER))
    bare = {n: bare_fetch(stack.c.imap_port, user, password, n) for n in (*sweep, batch)}
    assert all(got == messages for _, got in bare.values()), bare
    capture_s, ours_s, result = asyncio.run(our_sync(tenant, cid, batch, db, last_uid=messages))
    assert checkpoint(db, cid) == messages, result
    empties = [asyncio.run(our_sync(tenant, cid, batch)) for _ in range(no_mail_runs)]
    assert all(r.fetched == 0 and r.batches == 1 for _, _, r in empties)
    empty_s = statistics.median(t for _, t, _ in empties)
    pairs: list[tuple[float, float]] = []  # (bare s, capture alone s)
    for t, c, u, pw, _ in alone_boxes:  # interleaved, a fresh mailbox each
        bare_s, got = bare_fetch(stack.c.imap_port, u, pw, batch)
        alone_s, _, alone = asyncio.run(our_sync(t, c, batch, db, last_uid=messages, understanders=0))
        assert got == messages and checkpoint(db, c) == messages, alone
        pairs.append((bare_s, alone_s))
    t, c, *_ = alone_boxes[-1]
    _, drain_s, drained = asyncio.run(our_sync(t, c, batch))  # the next sync understands them all
    # the checkpoint, not ``inserted``: a retried capture attempt (a heartbeat timeout under load)
    # whose first attempt still committed a batch counts those rows in neither result
    assert drained.fetched == 0, drained
    swept = {}
    for n, (t, c, *_) in zip(sweep, boxes[1 + len(alone_boxes) :], strict=True):
        swept[n], _, r = asyncio.run(our_sync(t, c, n, db, last_uid=messages, understanders=0))
        assert checkpoint(db, c) == messages, r
    print(f"mailbox: {messages} messages, {size / 1e6:.1f} MB; sync batches of {batch}")
    for n, (secs, _) in bare.items():
        print(f"bare imapclient UID FETCH in chunks of {n}: {messages / secs:,.0f} msgs/s ({secs:.1f} s)")

    def line(label: str, secs: float, goal: bool = True, n: int = batch, base: float = 0.0) -> None:
        r, b = messages / secs, messages / (base or bare[n][0])
        tail = " (goal 0.5x)" if goal else ""
        print(f"  {label:<26} {r:,.0f} msgs/s ({secs:.1f} s) = {r / b:.3f}x bare (chunks of {n}){tail}")

    print("MailboxSync, understanding on the inbox worker beside the capture (the default):")
    line("capture (to checkpoint):", capture_s)
    line("end to end (all routed):", ours_s, goal=False)
    print(f"MailboxSync capture only (understanders=0): {rounds} rounds of bare fetch, then capture,")
    print("each round on a fresh mailbox (ratio: capture / the bare fetch just before it):")
    for i, (b, a) in enumerate(pairs, 1):
        rates = f"bare {messages / b:,.0f} msgs/s, capture {messages / a:,.0f} msgs/s"
        print(f"  round {i}: {rates} = {b / a:.3f}x")
    ratios = sorted(b / a for b, a in pairs)
    print(
        f"  capture alone: median {statistics.median(ratios):.3f}x bare (goal 0.5x), "
        f"spread {ratios[0]:.3f}-{ratios[-1]:.3f}x; bare spread "
        f"{min(messages / b for b, _ in pairs):,.0f}-{max(messages / b for b, _ in pairs):,.0f} msgs/s"
    )
    print(f"  then understanding alone:  {messages / drain_s:,.0f} msgs/s ({drain_s:.1f} s, the next sync)")
    for n, secs in swept.items():
        line(f"capture alone, batch {n}:", secs, n=n)
    print(f"no-new-mail sync: {empty_s:.3f} s, median of {no_mail_runs} (1 capture + 2 route activities)")
    print(f"1,000 connections: {1000 * empty_s:.0f} s of sync time per 300 s window, run one at a time")


def mailbox(stack: Stack, settings: Settings, messages: int) -> tuple[str, str, str, str, int]:
    """A tenant with a filled, indexed mailbox and its connection: (tenant, connection id, user,
    password, bytes)."""
    tenant = f"bench-mail-{uuid.uuid4().hex[:8]}"
    user, password = f"{tenant}-inbox", uuid.uuid4().hex
    stack.add_mailbox(user, password)
    size = fill(stack, user, messages)
    with IMAPClient("127.0.0.1", port=stack.c.imap_port, ssl=False, timeout=600) as c:  # index, untimed
        c.login(user, password)
        c.select_folder("INBOX")  # read-write: Dovecot moves new/ to cur/, as after any client's visit
        assert len(c.search(["ALL"])) == messages
    op = {"Authorization": f"Bearer {mint_platform_token(settings, 'bench')}"}
    h = {"Authorization": f"Bearer {mint_token(settings, tenant, 'bench', ['admin'])}"}
    with httpx.Client(base_url=f"http://127.0.0.1:{stack.c.api_port}", timeout=60) as http:
        origin = f"http://127.0.0.1:{stack.c.imap_port}"
        http.post(
            "/api/admin/site-allowlist", headers=op, json={"tenant_id": tenant, "origin": origin}
        ).raise_for_status()
        body = {
            "host": "127.0.0.1",
            "port": stack.c.imap_port,
            "tls": "none",
            "username": user,
            "password": password,
        }
        conn = http.post("/api/inbox/connections", headers=h, json=body)
        conn.raise_for_status()
    asyncio.run(pause_schedules([(tenant, str(conn.json()["id"]))]))
    return tenant, str(conn.json()["id"]), user, password, size


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--messages", type=int, default=10_000)
    ap.add_argument("--batch", type=int, default=500, help="the sync's batch_size (and the bare chunk)")
    ap.add_argument("--sweep", default="", help="more batch sizes, capture alone each: e.g. 200,1000")
    ap.add_argument("--no-mail-runs", type=int, default=5)
    ap.add_argument("--port-offset", type=int, default=20, help="the bench stack's port shift")
    ap.add_argument("--rounds", type=int, default=3, help="interleaved bare/capture-alone pairs")
    a = ap.parse_args()
    sizes = [int(x) for x in a.sweep.split(",") if x]
    main(a.messages, a.batch, sizes, a.no_mail_runs, a.port_offset, a.rounds)
