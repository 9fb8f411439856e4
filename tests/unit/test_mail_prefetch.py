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

    def sizes(self, uids: list[int]) -> dict[int, int]:
        self.calls.append(("sizes", uids))
        return {u: s for u, s in self._sizes.items() if u in uids}

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
    s = _Session({u: 10 for u in range(1, 8)})
    chunks = _read(s, list(range(1, 8)), batch=3)
    assert [sorted(c.bodies) for c in chunks] == [[1, 2, 3], [4, 5, 6], [7]]
    assert [c.ends_batch for c in chunks] == [True, True, True]
    assert s.calls[0] == ("sizes", list(range(1, 8)))  # one size FETCH for the session's whole range
    assert s.threads == {"imap-prefetch"}  # the bodies are read on the reader's own thread
    assert chunks[0].bodies[1] == (b"x" * 10, b"Message-ID: <1@x>")  # body and id in one FETCH


def test_an_oversized_message_is_fetched_by_header_only_and_big_batches_split_by_budget() -> None:
    s = _Session({1: 60, 2: 5000, 3: 60, 4: 60})
    chunks = _read(s, [1, 2, 3, 4], batch=4, limit=1000, budget=100)
    assert chunks[0].oversized == {2: (5000, b"Subject: big\r\n", b"Message-ID: <2@x>")}
    assert [sorted(c.bodies) for c in chunks[1:]] == [[1], [3], [4]]
    assert [c.ends_batch for c in chunks] == [False, False, False, True]
    assert ("bodies", [2]) not in s.calls and all(2 not in u for k, u in s.calls if k == "bodies")


def test_no_uids_reads_nothing() -> None:
    s = _Session({})
    assert _read(s, [], batch=5) == [] and s.calls == []


def test_the_readers_error_is_raised_in_the_consumer() -> None:
    s = _Session({u: 10 for u in range(1, 10)}, fail_at=5)
    with pytest.raises(ConnectionResetError):
        _read(s, list(range(1, 10)), batch=2)


def test_a_consumer_that_stops_early_stops_the_reader() -> None:
    s = _Session({u: 10 for u in range(1, 101)})
    with Prefetch(cast(MailboxSession, s), list(range(1, 101)), 1, 1000, 10_000) as p:
        first = next(iter(p.chunks(lambda: None, 0.01)))
    assert sorted(first.bodies) == [1]
    fetched = sum(1 for k, _ in s.calls if k == "bodies")
    assert fetched <= 5  # the one taken, at most DEPTH queued, one in flight when it stopped


def test_idle_is_called_while_the_consumer_waits() -> None:
    gate = threading.Event()
    idles: list[int] = []

    class _Slow(_Session):
        def bodies(self, uids: list[int]) -> dict[int, tuple[bytes, bytes]]:
            gate.wait(5)
            return super().bodies(uids)

    def idle() -> None:
        idles.append(1)
        if len(idles) >= 3:
            gate.set()

    with Prefetch(cast(MailboxSession, _Slow({1: 10})), [1], 10, 1000, 10_000) as p:
        got = list(p.chunks(idle, 0.01))
    assert len(idles) >= 3 and sorted(got[0].bodies) == [1]
