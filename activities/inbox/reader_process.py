"""The capture's IMAP session in a process of its own (issue 13, session 29): imaplib's and
imapclient's pure-Python reading and parsing no longer share one GIL with the thread that seals,
hashes and inserts (nor with the worker's event loop).

``with ReaderProcess(host, port, tls, timeout) as m:`` offers what the capture uses of
:class:`activities.inbox.imap.MailboxSession`: ``login``, ``oauth2_login``, ``select``,
``uids_after``, and ``prefetch(uids, batch_size, max_message_bytes, fetch_bytes)``, whose
``chunks(idle, idle_s)`` yields the :class:`activities.inbox.prefetch.Chunk` s the child's own
:class:`~activities.inbox.prefetch.Prefetch` reads ahead, pickled over a ``multiprocessing`` pipe.

- **Secrets** (the password or access token) go to the child over that pipe only: never argv,
  environment or logs. The child is forked from the worker (``_FORK``): about a millisecond a
  page table, no interpreter start, no imports.
- **Errors** are raised in the activity as the session would raise them: ``MailboxAuthError``
  (same status), ``MailboxLimitError``, ``IMAPClientError`` (the server's words: quota answers are
  told apart by ``imap.provider_limit`` as before), anything else (socket, protocol) as
  ``OSError`` with its type and message: retried like before. A child that dies is an ``EOFError``
  (retried).
- **Lifetime:** leaving the ``with`` closes the pipe: the child's next receive or send fails and
  it logs out and exits (killed after 2 s, e.g. in a FETCH); a child whose worker died finds the
  pipe broken the same way (its FETCH in flight is bounded by the socket timeout).
- **Flow:** the pipe's buffer and one chunk being pickled bound the read-ahead (within the child,
  ``prefetch.DEPTH`` more), so memory stays a few FETCHes.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from typing import Any

from imapclient.exceptions import IMAPClientError

from activities.inbox.imap import MailboxAuthError, MailboxLimitError, MailboxSession
from activities.inbox.prefetch import Chunk, Prefetch

_CALLS = ("login", "oauth2_login", "select", "uids_after")
_FORK = multiprocessing.get_context("fork")
"""Fork, not spawn or forkserver: either re-runs the worker's main module in the child
(``multiprocessing.spawn.prepare``), and importing ``workers.run`` took 11 s of CPU, 35 s at a load
of 8 (session 29): longer than the capture's 30 s heartbeat timeout. A forked child touches none
of the worker's other threads' state: only imapclient, its socket and the pipe."""


def _error(e: BaseException) -> tuple[str, Any]:
    if isinstance(e, MailboxAuthError):
        return "auth", (e.status, str(e))
    if isinstance(e, MailboxLimitError):
        return "limit", str(e)
    if isinstance(e, IMAPClientError):
        return "imap", str(e)
    return "other", f"{type(e).__name__}: {e}"


def _raise(kind: str, detail: Any) -> None:
    if kind == "auth":
        raise MailboxAuthError(*detail)
    if kind == "limit":
        raise MailboxLimitError(detail)
    if kind == "imap":
        raise IMAPClientError(detail)
    raise OSError(detail)


def _serve(pipe: Connection, parents: Connection) -> None:
    """The child: open the session, answer calls, stream a prefetch; every answer is
    ``("ok", value)``, ``("chunk", Chunk)``, ``("end", None)`` or ``("err", (kind, detail))``.
    ``parents`` (the activity's end, inherited by the fork) is closed first: the activity closing
    its end must be the pipe's end."""
    parents.close()
    try:
        host, port, tls, timeout = pipe.recv()
        with MailboxSession(host, port, tls, timeout) as m:
            pipe.send(("ok", None))
            while True:
                op, args = pipe.recv()
                if op in _CALLS:
                    pipe.send(("ok", getattr(m, op)(*args)))
                    continue
                with Prefetch(m, *args) as p:
                    for chunk in p.chunks(lambda: None, 3600.0):
                        pipe.send(("chunk", chunk))
                pipe.send(("end", None))
    except (EOFError, BrokenPipeError):
        return  # the activity (or its worker) went away
    except BaseException as e:  # noqa: BLE001 - handed to the activity, which raises it
        try:
            pipe.send(("err", _error(e)))
        except (BrokenPipeError, OSError):
            return


class ReaderProcess:
    """An IMAP session in a child process (module docstring)."""

    def __init__(self, host: str, port: int, tls: str, timeout: float) -> None:
        self._pipe, child = _FORK.Pipe()
        self._proc = _FORK.Process(target=_serve, args=(child, self._pipe), name="imap-reader", daemon=True)
        self._proc.start()
        child.close()
        try:
            self._pipe.send((host, port, tls, timeout))
            self._answer()
        except BaseException:
            self.__exit__()
            raise

    def __enter__(self) -> ReaderProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self._pipe.close()  # the child's next recv or send fails: it logs out and exits
        self._proc.join(2.0)
        if self._proc.is_alive():
            self._proc.kill()
            self._proc.join()

    def _answer(self) -> Any:
        kind, value = self._pipe.recv()
        if kind == "err":
            _raise(*value)
        return value

    def _call(self, op: str, *args: Any) -> Any:
        self._pipe.send((op, args))
        return self._answer()

    def login(self, username: str, password: str) -> None:
        self._call("login", username, password)

    def oauth2_login(self, username: str, access_token: str) -> None:
        self._call("oauth2_login", username, access_token)

    def select(self, folder: str) -> tuple[int, int]:
        return tuple(self._call("select", folder))  # type: ignore[return-value]

    def uids_after(self, last_uid: int) -> list[int]:
        return list(self._call("uids_after", last_uid))

    def prefetch(self, uids: list[int], batch_size: int, max_message_bytes: int, fetch_bytes: int) -> _Stream:
        self._pipe.send(("prefetch", (uids, batch_size, max_message_bytes, fetch_bytes)))
        return _Stream(self)


class _Stream:
    """``Prefetch``'s consumer side over the pipe: ``with m.prefetch(...) as p: p.chunks(...)``."""

    def __init__(self, reader: ReaderProcess) -> None:
        self._r = reader

    def __enter__(self) -> _Stream:
        return self

    def __exit__(self, *exc: object) -> None:
        return None  # a stream left early: the session is not reused, ReaderProcess ends it

    def chunks(self, idle: Callable[[], None], idle_s: float) -> Iterator[Chunk]:
        pipe = self._r._pipe
        while True:
            if not pipe.poll(idle_s):
                idle()
                continue
            kind, value = pipe.recv()
            if kind == "end":
                return
            if kind == "err":
                _raise(*value)
            yield value


def read_ahead(
    m: MailboxSession | ReaderProcess, uids: list[int], batch_size: int, max_bytes: int, fetch_bytes: int
) -> Prefetch | _Stream:
    """The chunks of ``uids`` read ahead by the session's reader: its child process, or a thread."""
    if isinstance(m, ReaderProcess):
        return m.prefetch(uids, batch_size, max_bytes, fetch_bytes)
    return Prefetch(m, uids, batch_size, max_bytes, fetch_bytes)
