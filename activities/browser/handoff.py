"""The credential hand-off to a browser session (issue 10, part 4): the admin credential reaches
the browser worker only as a single-use Vault wrapping token made by ``prepare_session`` (agent
worker), and is unwrapped here into the session, in this worker's memory only.

The wrapping token authenticates itself, so the worker needs no token that reads credentials. A
wrap is good once: a retry of ``open_session`` on the same worker reuses what it unwrapped for
that operation; one that was used elsewhere or expired is a non-retryable
``CredentialWrapSpent`` (the workflow prepares a new session).
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import OrderedDict

from temporalio.exceptions import ApplicationError

from core.failures import Failure
from core.vault import WrapSpent, unwrap

MAX_HELD = 64
"""Unwrapped credentials kept for retries (dropped when the session closes, oldest first)."""


class CredentialHandoff:
    def __init__(self, vault_addr: str) -> None:
        self._addr = vault_addr
        self._held: OrderedDict[str, tuple[str, dict[str, str]]] = OrderedDict()
        """Operation id -> (digest of the wrapping token, credential). The digest only tells a
        retry with the same token from a new one, in this process's memory: not a credential
        fingerprint (no key needed; the token is single-use and spent once unwrapped)."""

    async def take(self, op_id: str, wrap: str | None) -> dict[str, str]:
        """The credential behind ``wrap`` (empty without one). Raises ``CredentialWrapSpent``."""
        if not wrap:
            return {}
        key = hashlib.sha256(wrap.encode()).hexdigest()
        held = self._held.get(op_id)
        if held is not None and held[0] == key:
            return held[1]
        try:
            data = await asyncio.to_thread(unwrap, self._addr, wrap)
        except WrapSpent:
            raise ApplicationError(
                "the session's credential hand-off was already used or has expired",
                type=Failure.CREDENTIAL_WRAP_SPENT,
                non_retryable=True,
            ) from None
        credential = {str(k): str(v) for k, v in data.items()}
        self._held[op_id] = (key, credential)
        while len(self._held) > MAX_HELD:
            self._held.popitem(last=False)
        return credential

    def forget(self, op_id: str) -> None:
        self._held.pop(op_id, None)
