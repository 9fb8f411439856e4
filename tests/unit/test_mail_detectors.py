"""DSN, auto-reply and unsubscribe detection on whole messages (issue 13 Build 4 and 6)."""

from __future__ import annotations

import pytest

from activities.inbox.auto_reply import detect_auto_reply
from activities.inbox.body import attachments, body_text
from activities.inbox.dsn import parse_dsn
from activities.inbox.optout import asks_to_unsubscribe, mailto_arrival
from tests.unit.mail_fixtures import from_text, load, load_parsed, parsed_text

PLAIN = "From: a@b.example\nTo: sales@acme-tools.example\nSubject: {subject}\n{extra}\nhello\n"


def test_a_postfix_hard_bounce_names_the_failed_recipient_and_our_message() -> None:
    b = parse_dsn(load("postfix_dsn_hard_511.eml"))
    assert b is not None and b.rfc3464 and b.reporting_mta == "mail.acme-tools.example"
    (r,) = b.recipients
    assert (r.recipient, r.action, r.status, r.severity) == (
        "j.doe@client-corp.example",
        "failed",
        "5.1.1",
        "hard",
    )
    assert r.remote_mta == "mx1.client-corp.example"
    assert r.diagnostic and "User unknown in virtual mailbox table" in r.diagnostic
    assert b.original_message_id == "<act-3f9c2a7e51b04d2c@acme-tools.example>"
    assert b.hard_recipients == ("j.doe@client-corp.example",)
    assert load_parsed("postfix_dsn_hard_511.eml").bounce == b, "the one parse carries the DSN facts"


def test_a_soft_bounce_is_soft_and_suppresses_nobody() -> None:
    b = parse_dsn(load("postfix_dsn_soft_422.eml"))
    assert b is not None
    (r,) = b.recipients
    assert (r.status, r.severity) == ("4.2.2", "soft") and "Mailbox full" in (r.diagnostic or "")
    assert b.hard_recipients == () and b.original_message_id == "<quote-q2291-send-1@acme-tools.example>"


def test_a_report_whose_recipients_were_delivered_is_not_a_bounce() -> None:
    raw = load("postfix_dsn_hard_511.eml").as_string().replace("Action: failed", "Action: delivered")
    raw = raw.replace("Status: 5.1.1", "Status: 2.0.0")
    raw = raw.replace(
        "Subject: Undelivered Mail Returned to Sender", "Subject: Successful Mail Delivery Report"
    )
    assert parse_dsn(from_text(raw)) is None


def test_a_broken_report_from_a_mailer_daemon_is_still_a_bounce_without_recipients() -> None:
    msg = from_text(
        "From: MAILER-DAEMON@mx.example\nSubject: Undelivered Mail Returned to Sender\nMIME-Version: 1.0\n"
        "Content-Type: multipart/report; report-type=delivery-status; boundary=b\n\n"
        "--b\nContent-Type: message/delivery-status\n\ngarbage\n--b--\n"
    )
    b = parse_dsn(msg)
    assert b is not None and not b.rfc3464 and b.hard_recipients == ()


def test_a_plain_text_bounce_is_a_bounce_without_recipients() -> None:
    msg = from_text(
        "From: MAILER-DAEMON@old-mta.example\nTo: sales@acme-tools.example\n"
        "Subject: failure notice\n\nSorry, we were unable to deliver your message.\n"
    )
    b = parse_dsn(msg)
    assert b is not None and not b.rfc3464 and b.recipients == ()


@pytest.mark.parametrize(
    "name", ["exchange_out_of_office.eml", "gmail_reply_signature.eml", "outlook_client_request.eml"]
)
def test_ordinary_and_auto_messages_are_not_bounces(name: str) -> None:
    assert parse_dsn(load(name)) is None


def test_the_exchange_out_of_office_reply_is_automatic_and_out_of_office() -> None:
    msg = load_parsed("exchange_out_of_office.eml")
    a = detect_auto_reply(msg, msg.text)
    assert a is not None and a.out_of_office and a.marker.startswith("Auto-Submitted: auto-generated")


@pytest.mark.parametrize(
    ("extra", "subject", "marker"),
    [
        ("Auto-Submitted: auto-replied", "Re: hi", "Auto-Submitted: auto-replied"),
        ("X-Autoreply: yes", "Re: hi", "X-Autoreply"),
        ("X-Autorespond: Out of office", "Re: hi", "X-Autorespond"),
        ("Precedence: bulk", "News", "Precedence: bulk"),
        ("Precedence: auto_reply", "Re: hi", "Precedence: auto_reply"),
        ("X-MS-Exchange-Inbox-Rules-Loop: a@b.example", "Re: hi", "X-MS-Exchange-Inbox-Rules-Loop"),
        ("X-Auto-Response-Suppress: OOF, AutoReply", "Re: hi", "X-Auto-Response-Suppress: OOF, AutoReply"),
        ("X-Other: 1", "Abwesenheitsnotiz: Ihre Anfrage", "out-of-office subject"),
        ("X-Other: 1", "Réponse automatique : devis", "out-of-office subject"),
        ("X-Other: 1", "Respuesta automática: pedido", "out-of-office subject"),
        ("X-Other: 1", "Risposta automatica: ordine", "out-of-office subject"),
        ("X-Other: 1", "Out of Office: quote Q-1", "out-of-office subject"),
    ],
)
def test_rfc3834_headers_and_out_of_office_subjects(extra: str, subject: str, marker: str) -> None:
    a = detect_auto_reply(parsed_text(PLAIN.format(subject=subject, extra=extra)))
    assert a is not None and a.marker == marker


@pytest.mark.parametrize(
    ("extra", "subject"),
    [
        ("Auto-Submitted: no", "Re: hi"),
        ("Precedence: list", "Re: hi"),
        ("X-Other: 1", "Re: the out of office policy we discussed"),
        ("X-Auto-Response-Suppress: DR", "Re: hi"),
    ],
)
def test_human_messages_are_not_auto_replies(extra: str, subject: str) -> None:
    assert detect_auto_reply(parsed_text(PLAIN.format(subject=subject, extra=extra))) is None


def test_a_gmail_mailto_unsubscribe_arrival_carries_its_token() -> None:
    hit = mailto_arrival(load_parsed("mailto_unsubscribe.eml"))
    assert hit is not None and hit.token == "7Qp2x" and hit.address == "unsubscribe+7qp2x@acme-tools.example"
    assert mailto_arrival(load_parsed("gmail_reply_signature.eml")) is None


@pytest.mark.parametrize(
    ("subject", "text", "hit"),
    [
        ("Unsubscribe", "", True),
        ("Re: Abmelden", "", True),
        ("Re: your offer", "Please remove me from your mailing list.", True),
        ("Re: your offer", "Stop emailing me.", True),
        ("Re: your offer", "I do not want to unsubscribe, keep the updates coming.", False),
        ("Re: your offer", "Thanks, the delivery arrived.", False),
        ("Re: your offer", "unsubscribe " + "x" * 500, False),
    ],
)
def test_unsubscribe_phrases(subject: str, text: str, hit: bool) -> None:
    assert (asks_to_unsubscribe(subject, text) is not None) is hit


def test_a_pdf_attachment_is_listed_and_the_body_is_the_text_part() -> None:
    msg = load("multipart_pdf_attachment.eml")
    (a,) = attachments(msg)
    assert (a.filename, a.content_type) == ("PO-5531.pdf", "application/pdf") and a.size == 1041
    assert body_text(msg).startswith("Hello,\n\nattached is our purchase order PO-5531")


def test_an_iso_8859_1_message_decodes_its_body_and_subject() -> None:
    msg = load("iso8859_1_german.eml")
    assert str(msg["Subject"]) == "Re: Lieferung Bestellung ORD-90 - Ladegeräte fehlen"
    text = body_text(msg)
    assert "vielen Dank für die schnelle Lieferung" in text and "Hauptstraße 12, 80331 München" in text


def test_a_mislabelled_charset_decodes_with_replacement_instead_of_failing() -> None:
    msg = from_text("From: a@b.example\nSubject: x\nContent-Type: text/plain; charset=x-no-such\n\nhallo\n")
    assert body_text(msg) == "hallo\n" or body_text(msg).startswith("hallo")


def test_an_html_only_body_becomes_text_without_styles() -> None:
    msg = from_text(
        "From: a@b.example\nSubject: x\nContent-Type: text/html; charset=utf-8\n\n"
        "<html><head><style>p{color:red}</style></head>"
        "<body><p>Hi&nbsp;there</p><p>Line 2</p></body></html>\n"
    )
    assert body_text(msg) == "Hi there\n\nLine 2"
