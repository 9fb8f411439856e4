"""The capture's IMAP reader (activities/inbox/prefetch.py): chunks in UID order with each batch's
end marked, oversized messages by header only, FETCHes within the byte budget, the reader's error
raised in the consumer, and a consumer that stops early stopping the reader. The IMAP session is
a stand-in of our own ``MailboxSession`` (the real one: tests/integration/test_mailsync.py)."""

from __future__ import annotations

import threading
from typing import Any, cast

import pytest

from activities.inbox.imap import MailboxSession
from activities.inbox.prefetch import Chunk, Prefetch, groups


class _Session:
    def __init__(self, sizes: dict[int, int], fail_at: int | None = None) -> None:
        self._sizes, self._fail_at = sizes, fail_at
        self.calls: list[tuple[str, Any]] = []
        self.threads: set[str] = set()

    def sized_bodies(self, uids: list[int], prefix: int) -> dict[int, tuple[int, bytes]]:
        self.threads.add(threading.current_thread().name)
        self.calls.append(("sized", (uids, prefix)))
        if self._fail_at is not None and self._fail_at in uids:
            raise ConnectionResetError("server went away")
        raw = {u: (b"Message-ID: <%d@x>\r\n\r\n" % u).ljust(s, b"x") for u, s in self._sizes.items()}
        return {u: (self._sizes[u], raw[u][:prefix]) for u in uids if u in self._sizes}

    def heads(self, uids: list[int]) -> dict[int, tuple[bytes, bytes]]:
        self.calls.append(("heads", uids))
        return {u: (b"Subject: big\r\n", f"Message-ID: <{u}@x>".encode()) for u in uids}

    def bodies(self, uids: list[int]) -> dict[int, tuple[bytes, bytes]]:
        self.threads.add(threading.current_thread().name)
        self.calls.append(("bodies", uids))
        if self._fail_at is not None and self._fail_at in uids:
            raise ConnectionResetError("server went away")
        return {u: (b"x" * self._sizes[u], f"Message-ID: <{u}@x>".encode()) for u in uids}


def _read(s: _Session, uids: list[int], batch: int, limit: int = 1000, budget: int = 10_000) -> list[Chunk]:
    with Prefetch(cast(MailboxSession, s), uids, batch, limit, budget) as p:
        return list(p.chunks(lambda: None, 0.01))


def test_groups_keep_each_fetch_within_the_byte_budget() -> None:
    sizes = {1: 40, 2: 40, 3: 40, 4: 200, 5: 10}
    assert list(groups([1, 2, 3, 4, 5], sizes, 100)) == [[1, 2], [3], [4], [5]]


def test_chunks_come_in_uid_order_with_each_batch_end_marked() -> None:
    s = _Session({u: 40 for u in range(1, 8)})
    chunks = _read(s, list(range(1, 8)), batch=3)
    assert [sorted(c.bodies) for c in chunks] == [[1, 2, 3], [4, 5, 6], [7]]
    assert [c.ends_batch for c in chunks] == [True, True, True]
    # one FETCH a batch, sizes and bodies together (no size FETCH), each capped at budget / batch
    assert s.calls == [("sized", ([1, 2, 3], 3333)), ("sized", ([4, 5, 6], 3333)), ("sized", ([7], 10_000))]
    assert s.threads == {"imap-prefetch"}  # the bodies are read on the reader's own thread
    raw = b"Message-ID: <1@x>\r\n\r\n".ljust(40, b"x")
    assert chunks[0].bodies[1] == (raw, b"Message-ID: <1@x>\r\n")  # the id cut from the body


def test_oversized_by_header_only_and_a_message_longer_than_the_prefix_fetched_again() -> None:
    s = _Session({1: 60, 2: 5000, 3: 60, 4: 66, 5: 250, 6: 250})
    chunks = _read(s, [1, 2, 3, 4, 5, 6], batch=6, limit=1000, budget=400)  # prefix 66
    assert chunks[0].oversized == {2: (5000, b"Subject: big\r\n", b"Message-ID: <2@x>")}
    assert [sorted(c.bodies) for c in chunks[1:]] == [[1, 3], [4, 5], [6]]  # 4: exactly 66, again
    assert [c.ends_batch for c in chunks] == [False, False, False, True]
    assert [c for c in s.calls if c[0] != "sized"] == [("heads", [2]), ("bodies", [4, 5]), ("bodies", [6])]
    assert len(chunks[1].bodies[1][0]) == 60 and chunks[2].bodies[4][0] == b"x" * 66


def test_no_uids_reads_nothing() -> None:
    s = _Session({})
    assert _read(s, [], batch=5) == [] and s.calls == []


def test_the_readers_error_is_raised_in_the_consumer() -> None:
    s = _Session({u: 40 for u in range(1, 10)}, fail_at=5)
    with pytest.raises(ConnectionResetError):
        _read(s, list(range(1, 10)), batch=2)


def test_a_consumer_that_stops_early_stops_the_reader() -> None:
    s = _Session({u: 40 for u in range(1, 101)})
    with Prefetch(cast(MailboxSession, s), list(range(1, 101)), 1, 1000, 10_000) as p:
        first = next(iter(p.chunks(lambda: None, 0.01)))
    assert sorted(first.bodies) == [1]
    fetched = sum(1 for k, _ in s.calls if k == "sized")
    assert fetched <= 5  # the one taken, at most DEPTH queued, one in flight when it stopped


def test_idle_is_called_while_the_consumer_waits() -> None:
    gate = threading.Event()
    idles: list[int] = []

    class _Slow(_Session):
        def sized_bodies(self, uids: list[int], prefix: int) -> dict[int, tuple[int, bytes]]:
            gate.wait(5)
            return super().sized_bodies(uids, prefix)

    def idle() -> None:
        idles.append(1)
        if len(idles) >= 3:
            gate.set()

    with Prefetch(cast(MailboxSession, _Slow({1: 40})), [1], 10, 1000, 10_000) as p:
        got = list(p.chunks(idle, 0.01))
    assert len(idles) >= 3 and sorted(got[0].bodies) == [1]


def test_a_message_whose_bytes_the_server_did_not_answer_is_fetched_whole() -> None:
    class _NoPartial(_Session):
        def sized_bodies(self, uids: list[int], prefix: int) -> dict[int, tuple[int, bytes | None]]:
            got: dict[int, tuple[int, bytes | None]] = dict(super().sized_bodies(uids, prefix))
            got[2] = (got[2][0], None)
            return got

    s = _NoPartial({1: 40, 2: 40})
    chunks = _read(s, [1, 2], batch=2)
    assert [sorted(c.bodies) for c in chunks] == [[1], [2]] and ("bodies", [2]) in s.calls
