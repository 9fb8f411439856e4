"""Load the realistic .eml fixtures under tests/fixtures/mail/parse: as the mailbox sync parses
them (:func:`load_parsed`, the :class:`ParsedMail` the detectors and the understanding take), or
as a stdlib ``EmailMessage`` (``email.policy.default``: the DSN reader works on it inside the
parse)."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage
from pathlib import Path
from typing import cast

from activities.inbox.mime import ParsedMail, parse

DIR = Path(__file__).resolve().parents[1] / "fixtures" / "mail" / "parse"


def load(name: str) -> EmailMessage:
    raw = (DIR / name).read_bytes()
    return cast(EmailMessage, email.message_from_bytes(raw, policy=email.policy.default))


def from_text(text: str) -> EmailMessage:
    """A message from RFC 5322 text (for header-only variations of a fixture)."""
    return cast(EmailMessage, email.message_from_string(text, policy=email.policy.default))


def load_parsed(name: str) -> ParsedMail:
    return parse((DIR / name).read_bytes())


def parsed_text(text: str) -> ParsedMail:
    """:func:`from_text`, parsed as the sync does."""
    return parse(text.encode())
