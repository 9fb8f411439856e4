"""The capture's IMAP session in a child process (activities/inbox/reader_process.py): errors come
back as the in-process session raises them, and the child ends with the ``with``. A real child
process; the IMAP server is tests/integration/test_mailsync.py's."""

from __future__ import annotations

import multiprocessing
import socket
import threading

import pytest
from imapclient.exceptions import IMAPClientError

from activities.inbox.imap import MailboxAuthError, MailboxLimitError, provider_limit
from activities.inbox.reader_process import ReaderProcess, _error, _raise


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (MailboxAuthError("auth_failed", "the mail server refused"), MailboxAuthError),
        (MailboxLimitError("[OVERQUOTA] full"), MailboxLimitError),
        (IMAPClientError("[THROTTLED] slow down"), IMAPClientError),
        (TimeoutError("timed out"), OSError),
    ],
)
def test_an_error_in_the_child_is_raised_as_the_session_raises_it(error: Exception, expected: type) -> None:
    with pytest.raises(expected) as got:
        _raise(*_error(error))
    assert str(error) in str(got.value)
    if isinstance(error, MailboxAuthError):
        assert isinstance(got.value, MailboxAuthError) and got.value.status == "auth_failed"
    if isinstance(error, IMAPClientError):
        assert provider_limit(got.value) == "[THROTTLED] slow down"  # still told apart as a limit


def test_a_refused_connection_is_an_oserror_and_no_child_is_left() -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    before = set(multiprocessing.active_children())
    with pytest.raises(OSError, match="ConnectionRefusedError"):
        ReaderProcess("127.0.0.1", port, "none", 5)
    assert set(multiprocessing.active_children()) == before


def _greeter(server: socket.socket) -> None:
    """A stand-in IMAP server: a greeting, CAPABILITY and LOGOUT answered, nothing else."""
    conn, _ = server.accept()
    with conn, conn.makefile("rb") as lines:
        conn.sendall(b"* OK [CAPABILITY IMAP4rev1] ready\r\n")
        for line in lines:
            tag, command = line.split()[:2]
            if command.upper() == b"CAPABILITY":
                conn.sendall(b"* CAPABILITY IMAP4rev1\r\n" + tag + b" OK done\r\n")
            elif command.upper() == b"LOGOUT":
                conn.sendall(b"* BYE\r\n" + tag + b" OK bye\r\n")
                return


def test_leaving_the_with_ends_the_child() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        t = threading.Thread(target=_greeter, args=(server,), daemon=True)
        t.start()
        r = ReaderProcess("127.0.0.1", server.getsockname()[1], "none", 2)
        with r:
            assert r._proc.is_alive()
        assert not r._proc.is_alive() and r._proc.exitcode == 0
        t.join(2)
        assert not t.is_alive()  # the child logged out
