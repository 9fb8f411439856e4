"""Email address parsing (``email-validator``): the one place an address is judged, for the outbox
(activities/email.py) and for records and imports (schema/records.py)."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email


def parse_address(address: str) -> tuple[str, str] | None:
    """``(addr_spec, domain)`` of exactly one bare address (``local@domain``), lower-cased, the
    domain in its ASCII (punycode) form; None for anything else.

    Parsed by ``email-validator`` (RFC 5322/6531 syntax, no DNS lookups), not by splitting on
    "@": several addresses (``a@evil.com,b@allowed.com``), display names (``Bob <b@x.test>``),
    quoted local parts, comments, domain literals (``[127.0.0.1]``), non-ASCII local parts
    (SMTPUTF8) and special-use domains (``localhost``, ``local``, ``invalid``, ...) are refused.
    ``.test`` (RFC 2606) is accepted: the local stack and the tests use it.
    """
    try:
        v = validate_email(
            address.strip(),
            check_deliverability=False,
            allow_smtputf8=False,
            allow_quoted_local=False,
            allow_display_name=False,
            allow_domain_literal=False,
            allow_empty_local=False,
            test_environment=True,
        )
    except (EmailNotValidError, UnicodeError, ValueError):
        return None
    if not v.ascii_email or not v.ascii_domain:
        return None
    return v.ascii_email.lower(), v.ascii_domain.lower()
