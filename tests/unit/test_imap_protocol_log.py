"""The capture's IMAP session never formats the mail it reads into log strings (session 30:
``activities.inbox.imap.quiet_protocol_log``; imaplib's trace at ``debug`` 5 cost the reader about
27 us a message and carries raw mail and the LOGIN line). A one-connection stand-in server on
loopback speaks just enough IMAP for login, a read-only select and one FETCH."""

from __future__ import annotations

import logging
import socket
import threading

import pytest

from activities.inbox.imap import MailboxSession

BODY = b"Message-ID: <m1@x.example>\r\nSubject: private words\r\n\r\nthe client's secret plan\r\n"


def _serve(server: socket.socket) -> None:
    conn, _ = server.accept()
    with conn, conn.makefile("rb") as f:
        conn.sendall(b"* OK [CAPABILITY IMAP4rev1] stand-in ready\r\n")
        while line := f.readline():
            tag, command = line.split(b" ", 2)[:2]
            command = command.upper()
            if command == b"EXAMINE":
                conn.sendall(b"* 1 EXISTS\r\n* OK [UIDVALIDITY 7] v\r\n* OK [UIDNEXT 2] n\r\n")
                conn.sendall(tag + b" OK [READ-ONLY] done\r\n")
            elif command == b"UID":
                conn.sendall(b"* 1 FETCH (UID 1 BODY[] {%d}\r\n" % len(BODY) + BODY + b")\r\n")
                conn.sendall(tag + b" OK done\r\n")
            elif command == b"LOGOUT":
                conn.sendall(b"* BYE bye\r\n" + tag + b" OK done\r\n")
                return
            else:
                conn.sendall(tag + b" OK done\r\n")


def test_no_mail_and_no_password_reach_the_protocol_log(caplog: pytest.LogCaptureFixture) -> None:
    server = socket.create_server(("127.0.0.1", 0))
    thread = threading.Thread(target=_serve, args=(server,), daemon=True)
    thread.start()
    caplog.set_level(logging.DEBUG)
    with server, MailboxSession("127.0.0.1", server.getsockname()[1], "none", 5) as m:
        m.login("dana", "pa55-word")
        assert m.select("INBOX") == (7, 2)
        assert m.bodies([1]) == {1: (BODY, b"Message-ID: <m1@x.example>\r\n")}
    thread.join(5)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "secret plan" not in logged and "private words" not in logged and "pa55-word" not in logged
    assert any(r.name == "imapclient.imapclient" for r in caplog.records)  # its command log stays
