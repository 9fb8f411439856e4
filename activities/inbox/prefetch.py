"""The capture's IMAP reader (issue 13): fetches a session's batches on a thread of its own, ahead
of the thread that seals and commits them, so the IMAP wait overlaps the storage instead of adding
to it.

``Prefetch(session, uids, batch_size, max_message_bytes, fetch_bytes)`` is a context manager and
an iterator of :class:`Chunk`, in UID order:

1. per batch of ``batch_size`` UIDs, ONE ``UID FETCH (RFC822.SIZE BODY.PEEK[]<0.P>)`` with
   ``P = fetch_bytes // len(batch)`` (67 KB at 500 UIDs and 32 MiB): every message's size and
   its first ``P`` bytes, so that FETCH holds at most ``fetch_bytes`` whatever the mailbox holds.
   A message that came back shorter than ``P`` is whole: its body (with the Message-ID lines cut
   from its header block) is used as it is, nothing else is asked (session 29: no separate size
   FETCH; it cost about 107 us a message);
2. the messages over ``max_message_bytes`` (by RFC822.SIZE, as before): one FETCH of their header
   block and Message-ID lines (their prefixes are dropped, their bodies never fetched);
3. the rest (longer than ``P``, within the limit: rare): fetched whole again, in FETCHes of at
   most ``fetch_bytes`` declared bytes each. The last chunk of a batch has ``ends_batch``.

At most ``DEPTH`` chunks wait in the queue, so memory stays within about ``DEPTH + 2`` FETCHes
(one being fetched, the waiting ones, one being stored) whatever the batch size. The session is the
reader's alone while it runs: leaving the ``with`` stops it (after its FETCH in flight, which the
socket timeout bounds) before anyone else uses the session. An error of the reader (IMAP, socket)
is raised by the iterator, in the consumer's thread. ``idle`` is called every ``idle_s`` seconds
while the consumer waits (the activity heartbeats there).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from activities.inbox.imap import MailboxSession, message_id_lines

DEPTH = 2
"""FETCH results waiting for the storing thread at most."""


@dataclass
class Chunk:
    """One FETCH's messages: ``bodies`` ``{uid: (raw, Message-ID lines)}``, ``oversized``
    ``{uid: (size, header block, Message-ID lines)}``."""

    bodies: dict[int, tuple[bytes, bytes]] = field(default_factory=dict)
    oversized: dict[int, tuple[int, bytes, bytes]] = field(default_factory=dict)
    ends_batch: bool = False


def groups(uids: list[int], sizes: dict[int, int], budget: int) -> Iterator[list[int]]:
    """``uids`` in FETCH groups whose declared sizes add up to at most ``budget`` bytes (a message
    larger than the budget alone)."""
    group: list[int] = []
    used = 0
    for uid in uids:
        size = sizes.get(uid, 0)
        if group and used + size > budget:
            yield group
            group, used = [], 0
        group.append(uid)
        used += size
    if group:
        yield group


def _whole(raw: bytes | None, prefix: int) -> bool:
    """A partial answer shorter than asked is the whole message (RFC 3501 6.4.5)."""
    return raw is not None and len(raw) < prefix


class Prefetch:
    def __init__(
        self, m: MailboxSession, uids: list[int], batch_size: int, max_message_bytes: int, fetch_bytes: int
    ) -> None:
        self._m, self._uids, self._batch = m, uids, batch_size
        self._max, self._budget = max_message_bytes, fetch_bytes
        self._q: queue.Queue[Chunk | BaseException | None] = queue.Queue(DEPTH)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="imap-prefetch", daemon=True)

    def __enter__(self) -> Prefetch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        while self._thread.is_alive():
            try:  # unblock a reader waiting on a full queue
                self._q.get(timeout=0.05)
            except queue.Empty:
                continue
        self._thread.join()

    def chunks(self, idle: Callable[[], None], idle_s: float) -> Iterator[Chunk]:
        """The chunks in order until the range is done; raises the reader's error."""
        while True:
            try:
                item = self._q.get(timeout=idle_s)
            except queue.Empty:
                idle()
                continue
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            yield item

    def _put(self, item: Chunk | BaseException | None) -> bool:
        while not self._stop.is_set():
            try:
                self._q.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def _run(self) -> None:
        try:
            self._read()
        except BaseException as e:  # noqa: BLE001 - handed to the consumer, which raises it
            self._put(e)

    def _read(self) -> None:
        for i in range(0, len(self._uids), self._batch):
            batch = self._uids[i : i + self._batch]
            prefix = max(1, self._budget // len(batch))
            first = self._m.sized_bodies(batch, prefix)
            sizes = {u: size for u, (size, _) in first.items()}
            big = [u for u in batch if sizes.get(u, 0) > self._max]
            rest = [u for u, (size, raw) in first.items() if size <= self._max and not _whole(raw, prefix)]
            whole = {
                u: (raw, message_id_lines(raw))
                for u, (size, raw) in first.items()
                if size <= self._max and raw is not None and _whole(raw, prefix)
            }
            del first
            chunks: list[Chunk] = []
            if big:
                heads = self._m.heads(big)
                chunks.append(Chunk(oversized={u: (sizes[u], *heads[u]) for u in big if u in heads}))
            if whole:
                chunks.append(Chunk(bodies=whole))
            for group in groups(rest, sizes, self._budget):
                if self._stop.is_set():
                    return
                if chunks and not self._put(chunks.pop(0)):
                    return
                chunks.append(Chunk(bodies=self._m.bodies(group)))
            while len(chunks) > 1:
                if not self._put(chunks.pop(0)):
                    return
            last = chunks.pop() if chunks else Chunk()
            last.ends_batch = True
            if not self._put(last):
                return
        self._put(None)
