"""The MIME parser and the row builder of mailbox ingestion (issue 13 Build 2) on realistic whole
messages (tests/fixtures/mail/)."""

from __future__ import annotations

from pathlib import Path

import pytest

from activities.inbox.imap import header_end, message_id_lines
from activities.inbox.mime import MalformedMail, html_to_text, parse
from activities.inbox.rows import (
    captured_row,
    fill_understood,
    header_message_id,
    oversized_row,
    parsed_of,
    sha256,
)
from schema.inbox import InboundMessage

MAIL = Path(__file__).resolve().parents[1] / "fixtures" / "mail"


def eml(name: str) -> bytes:
    return (MAIL / name).read_bytes()


def test_a_gmail_reply_keeps_its_thread_headers_and_prefers_the_plain_part() -> None:
    m = parse(eml("gmail_reply.eml"))
    assert m.message_id == "<CAJx9fQ3h0Zr+kT5vXq2L8mN7bYcP1w@mail.gmail.com>"
    assert m.from_email == "dana.whitfield@northwind.example" and m.from_name == "Dana Whitfield"
    assert m.to == ["sales@example.test"]
    assert m.in_reply_to == "<b1c2d3e4-followup-1@example.test>"
    assert m.references == ["<quote-3f2a9c1e@example.test>", "<b1c2d3e4-followup-1@example.test>"]
    assert m.text.startswith("Hi team,\n\nThanks for sending this over. The pricing looks good \u2014")
    assert "> Following up on quote Q-1042" in m.text  # the quoted thread is kept (enrichment strips it)
    assert "<div" not in m.text and m.attachments == [] and m.auto_submitted is None
    assert m.date is not None and m.date.utcoffset() is not None


def test_a_multipart_with_a_pdf_gives_the_attachment_bytes() -> None:
    m = parse(eml("invoice_pdf.eml"))
    assert [(a.filename, a.content_type) for a in m.attachments] == [("INV-20931.pdf", "application/pdf")]
    assert m.attachments[0].data.startswith(b"%PDF-")
    assert "invoice INV-20931" in m.text


def test_a_windows_1252_message_decodes_its_headers_and_body() -> None:
    m = parse(eml("latin1_windows1252.eml"))
    assert m.subject == "Commande n\u00b0 4471 \u2013 livraison retard\u00e9e"
    assert m.from_name == "Mathilde Lef\u00e8vre"
    assert "arriv\u00e9e" in m.text and "1\u00a0250 \u20ac" in m.text and "\ufffd" not in m.text


def test_a_postfix_dsn_and_an_exchange_out_of_office_carry_auto_submitted() -> None:
    dsn = parse(eml("postfix_dsn.eml"))
    assert dsn.auto_submitted == "auto-replied" and dsn.from_email == "mailer-daemon@mx.example.test"
    assert "User unknown" in dsn.text
    assert dsn.headers["content-type"].startswith("multipart/report; report-type=delivery-status;")
    ooo = parse(eml("exchange_ooo.eml"))
    assert ooo.auto_submitted == "auto-replied"
    assert ooo.headers["x-ms-exchange-organization-autoresponsetype"] == "OOF"
    assert ooo.text.startswith("Vielen Dank f\u00fcr Ihre Nachricht")


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (eml("broken_multipart.eml"), "broken MIME structure"),
        (b"\x00\x01\x02 not a message at all", "no header block"),
    ],
)
def test_a_broken_structure_is_malformed_with_a_reason(raw: bytes, reason: str) -> None:
    with pytest.raises(MalformedMail, match=reason):
        parse(raw)


def test_html_only_mail_is_stripped_to_text() -> None:
    html = "<html><head><style>p{}</style></head><body><p>Hello&nbsp;there</p>"
    html += "<script>x()</script>Bye</body></html>"
    assert html_to_text(html) == "Hello there\nBye"


def _captured(tenant: str, uid: int, raw: bytes, mid_header: bytes) -> dict[str, object]:
    return captured_row(tenant, "c1", uid, raw, sha256(raw), f"{tenant}/mail/{sha256(raw)}", mid_header)


def test_captured_rows_dedupe_on_the_fetched_message_id_else_on_the_content_hash() -> None:
    raw = eml("gmail_reply.eml")
    parsed = parse(raw)
    header = f"Message-ID: {parsed.message_id}\r\n".encode()
    row = _captured("acme", 7, raw, header)
    assert row["message_id"] == parsed.message_id and row["status"] == "received"
    assert row["from_email"] == "" and row["raw_blob_key"] == f"acme/mail/{sha256(raw)}"
    assert _captured("acme", 99, raw, header)["id"] == row["id"]  # another UID: the same row
    assert _captured("globex", 7, raw, header)["id"] != row["id"]
    no_id = b"From: a@b.example\r\nSubject: hi\r\n\r\nbody\r\n"
    assert _captured("acme", 8, no_id, b"")["message_id"] == f"<sha256-{sha256(no_id)}@omniops.invalid>"


@pytest.mark.parametrize("name", sorted(p.name for p in MAIL.glob("*.eml")))
def test_the_message_id_cut_from_the_header_block_is_the_parsers(name: str) -> None:
    raw = eml(name)
    try:
        expected = parse(raw).message_id
    except MalformedMail:
        return
    assert header_message_id(message_id_lines(raw)) == expected


def test_message_id_lines_keep_folding_and_never_read_the_body() -> None:
    folded = b"From: a@x\r\nMessage-ID:\r\n <f@x>\r\nSubject: s\r\n\r\nMessage-ID: <body@x>\r\n"
    assert message_id_lines(folded) == b"Message-ID:\r\n <f@x>\r\n"
    assert message_id_lines(b"message-id: <a@b>\nX: y\n\nbody") == b"message-id: <a@b>\r\n"
    assert message_id_lines(b"Subject: s\r\nX-Message-ID: <no@x>\r\n\r\nMessage-ID: <b@x>\r\n") == b""


@pytest.mark.parametrize(
    ("raw", "end"),
    [
        (b"A: 1\r\nB: 2\r\n\r\nbody\r\n\r\n", 10),
        (b"A: 1\nB: 2\n\nbody\n\n", 9),
        (b"A: 1\r\n\nbody", 4),  # a CRLF line then a bare LF blank line
        (b"A: 1\n\r\nbody", 4),
        (b"A: 1\nB: 2\r\n\r\nC\n\nD", 9),  # the first blank line, whatever comes later
        (b"\r\n\r\nbody", 0),
        (b"A: 1\r\nB: 2", 10),  # no blank line: all header
    ],
)
def test_the_header_block_ends_at_the_first_blank_line(raw: bytes, end: int) -> None:
    assert header_end(raw) == end


def test_understanding_fills_a_captured_row_or_fails_a_malformed_one_with_the_reason() -> None:
    raw = eml("gmail_reply.eml")
    row = InboundMessage(**_captured("acme", 7, raw, b"Message-ID: <x@y.example>\r\n"))
    p = fill_understood(row, raw)
    assert p is not None and row.status == "ingested" and row.from_email == p.from_email
    assert row.subject == p.subject and row.parsed and parsed_of(row) is not None
    assert row.message_id == "<x@y.example>"  # the dedupe key stays the capture's
    broken_raw = eml("broken_multipart.eml")
    broken = InboundMessage(
        **_captured("acme", 9, broken_raw, b"Message-ID: <broken-structure-1@broken.example>\r\n")
    )
    assert fill_understood(broken, broken_raw) is None
    assert broken.status == "failed" and broken.message_id == "<broken-structure-1@broken.example>"
    assert broken.kind == "other" and str(broken.status_reason).startswith("broken MIME structure")


def test_an_oversized_message_is_failed_with_its_size_in_the_reason() -> None:
    r = oversized_row(
        "acme", "c1", 3, 31_457_280, 26_214_400, b"Subject: big\r\n", b"Message-ID: <big@x.example>\r\n"
    )
    assert r["status"] == "failed" and r["message_id"] == "<big@x.example>" and r["raw_blob_key"] is None
    assert r["status_reason"] == "message of 31457280 bytes is over the 26214400-byte limit"
