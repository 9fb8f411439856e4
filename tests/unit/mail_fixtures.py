"""Load the realistic .eml fixtures under tests/fixtures/mail/parse as the mailbox sync would:
bytes parsed with ``email.policy.default``."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage
from pathlib import Path
from typing import cast

DIR = Path(__file__).resolve().parents[1] / "fixtures" / "mail" / "parse"


def load(name: str) -> EmailMessage:
    raw = (DIR / name).read_bytes()
    return cast(EmailMessage, email.message_from_bytes(raw, policy=email.policy.default))


def from_text(text: str) -> EmailMessage:
    """A message from RFC 5322 text (for header-only variations of a fixture)."""
    return cast(EmailMessage, email.message_from_string(text, policy=email.policy.default))
