"""``{{input.x}}`` and ``{{credential.x}}`` placeholders in a step's value.

Credentials come from the session's in-memory admin credential (``Session.credential``, unwrapped
by ``open_session``), never from Vault: the browser worker cannot read Vault. They are typed into
the page and never returned, logged or put in an error message; each secret value resolved is
added to ``typed`` so the caller can scrub it from whatever it reports. ``{{credential.totp}}``
is the current TOTP code of the credential's ``totp_secret`` (made here; it never leaves the
activity); the seed itself never resolves (the firewall refuses it first; refused here too).
"""

from __future__ import annotations

import re

import pyotp
from temporalio.exceptions import ApplicationError

from activities.browser.firewall import PUBLIC_FIELDS, SEED_FIELD, blocked
from core.failures import Failure

PLACEHOLDER = re.compile(r"\{\{\s*(credential|input)\.([a-z_][a-z0-9_]*)\s*\}\}")


def credential_fields(template: str) -> list[str]:
    """The credential fields ``template`` names, in order (``totp`` for the TOTP code)."""
    return [m.group(2) for m in PLACEHOLDER.finditer(template) if m.group(1) == "credential"]


def missing(what: str) -> ApplicationError:
    return ApplicationError(what, type=Failure.CREDENTIAL_MISSING, non_retryable=True)


def remember(typed: list[str], secret: str) -> None:
    if secret and secret not in typed:
        typed.append(secret)


def resolve(template: str, inputs: dict[str, str], credential: dict[str, str], typed: list[str]) -> str:
    """``template`` with its placeholders substituted. Raises non-retryable ``CredentialMissing``
    (no credential in the session, or no TOTP secret), ``CredentialBlocked`` (the TOTP seed) or
    ``InvalidStep`` (an unknown field)."""
    if credential_fields(template) and not credential:
        raise missing("no admin credential was handed to this browser session")

    def sub(m: re.Match[str]) -> str:
        kind, key = m.group(1), m.group(2)
        if kind == "input":
            if key not in inputs:
                raise ApplicationError(
                    f"unknown input field {key!r}", type=Failure.INVALID_STEP, non_retryable=True
                )
            return inputs[key]
        if key == SEED_FIELD:
            raise blocked("the TOTP seed is never typed (use {{credential.totp}})")
        if key == "totp":
            if not credential.get(SEED_FIELD):
                raise missing("the credential has no TOTP secret")
            code = pyotp.TOTP(credential[SEED_FIELD]).now()  # made here; never leaves the activity
            remember(typed, code)
            return code
        if key not in credential:
            raise ApplicationError(
                f"unknown credential field {key!r}", type=Failure.INVALID_STEP, non_retryable=True
            )
        if key not in PUBLIC_FIELDS:
            remember(typed, credential[key])
        return credential[key]

    return PLACEHOLDER.sub(sub, template)


SELECTOR_SAFE = re.compile(r"^[A-Za-z0-9_.:@ -]{1,200}$")
"""What an ``{{input.x}}`` value may hold inside a selector (issue 15: a credential's site name,
e.g. ``omniops-{uuid}``): no quotes, brackets or combinators, so an input never changes what a
selector means."""


def resolve_target(target: str, inputs: dict[str, str]) -> str:
    """A step target with its ``{{input.x}}`` placeholders substituted (a credential never
    resolves in a selector). Raises non-retryable ``InvalidStep`` for a credential placeholder,
    an unknown input or a value :data:`SELECTOR_SAFE` refuses."""

    def sub(m: re.Match[str]) -> str:
        kind, key = m.group(1), m.group(2)
        value = inputs.get(key) if kind == "input" else None
        if value is None or not SELECTOR_SAFE.fullmatch(value):
            raise ApplicationError(
                f"placeholder {kind}.{key} cannot be used in a selector",
                type=Failure.INVALID_STEP,
                non_retryable=True,
            )
        return value

    return PLACEHOLDER.sub(sub, target)
