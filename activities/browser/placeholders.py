"""``{{input.x}}`` and ``{{credential.x}}`` placeholders in a step's value.

Credentials are read from Vault here, typed into the page and never returned, logged or put in
an error message: every resolved secret is added to ``secrets`` so the caller can scrub it from
whatever it reports. ``{{credential.totp}}`` is the current TOTP code of the credential's
``totp_secret`` (made here; it never leaves the activity).
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pyotp
from temporalio.exceptions import ApplicationError

from core.failures import Failure
from core.vault import VaultStore, credential_path
from workflows.operation.browser_messages import StepInput

PLACEHOLDER = re.compile(r"\{\{\s*(credential|input)\.([a-z_][a-z0-9_]*)\s*\}\}")


async def resolve(vault: VaultStore, inp: StepInput, template: str, secrets: list[str]) -> str:
    """``template`` with its placeholders substituted. Raises non-retryable ``CredentialMissing``
    (no credential, or no TOTP secret) or ``InvalidStep`` (an unknown field)."""
    cred: dict[str, Any] = {}
    if any(m.group(1) == "credential" for m in PLACEHOLDER.finditer(template)):
        path = credential_path(inp.tenant_id, inp.service, inp.credential)
        cred = await asyncio.to_thread(vault.read, path) or {}
        if not cred:
            raise ApplicationError(
                f"no {inp.service} {inp.credential} credential in Vault for this tenant",
                type=Failure.CREDENTIAL_MISSING,
                non_retryable=True,
            )

    def sub(m: re.Match[str]) -> str:
        kind, key = m.group(1), m.group(2)
        source = inp.inputs if kind == "input" else cred
        if kind == "credential" and key == "totp":
            if not source.get("totp_secret"):
                raise ApplicationError(
                    "the credential has no TOTP secret in Vault",
                    type=Failure.CREDENTIAL_MISSING,
                    non_retryable=True,
                )
            code = pyotp.TOTP(str(source["totp_secret"])).now()  # made here; never leaves the activity
            secrets.extend([code, str(source["totp_secret"])])
            return code
        if key not in source:
            raise ApplicationError(
                f"unknown {kind} field {key!r}", type=Failure.INVALID_STEP, non_retryable=True
            )
        if kind == "credential":
            secrets.append(str(source[key]))
        return str(source[key])

    return PLACEHOLDER.sub(sub, template)
