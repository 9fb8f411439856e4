"""One-click unsubscribe (RFC 8058; issue 13 item 6, seed 004 P0.7.2): the token in every
outbound email's ``List-Unsubscribe`` URL (core/unsubscribe.py) is the only credential.

- ``POST /u/{token}`` suppresses the token's address for its tenant at once
  (``email_suppressions``, reason ``opt_out``, source ``one-click``); idempotent. The body
  (``List-Unsubscribe=One-Click``) is not needed: any body is accepted and none is read.
- ``GET /u/{token}`` only shows a page whose form POSTs: link scanners and prefetchers that
  follow the URL never unsubscribe anyone.
- An unknown or malformed token is the same 404 (every token is hashed and looked up, so a
  malformed one costs the same query); the page never shows the address. A token is 256 bits,
  so the lookup leaks nothing worth guessing. The per-IP rate limit (api/ratelimit.py) applies.
- The lookup by hash is a platform read (the caller has no tenant); the write is scoped to the
  token's tenant, so another tenant's same address is untouched.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import Engine

from api.errors import NotFoundException
from core import unsubscribe as links
from core.logging import get_logger
from core.settings import Settings
from schema.db import platform_transaction, tenant_transaction
from schema.repositories import unsubscribe as tokens

log = get_logger("api.unsubscribe")
UNKNOWN = "unknown unsubscribe link"
SOURCE = "one-click"
DONE = "You are unsubscribed: no more emails will be sent to this address.\n"
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex">
<title>Unsubscribe</title></head>
<body><p>Stop all emails to this address?</p>
<form method="post" action="{action}">
<input type="hidden" name="List-Unsubscribe" value="One-Click">
<button type="submit">Unsubscribe</button>
</form></body></html>
"""
HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
}
"""Response headers of both routes: the token never lands in a cache or a Referer."""


class UnsubscribeService:
    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine, self.settings = engine, settings

    async def page(self, token: str) -> str:
        """The confirmation page (HTML): a form that POSTs to the one-click URL. 404 if unknown."""
        await asyncio.to_thread(self._owner, token)
        return PAGE.format(action=links.one_click_url(self.settings.api_public_url, token))

    async def unsubscribe(self, token: str) -> str:
        """Suppress the token's address for its tenant (once); a short text. 404 if unknown."""
        return await asyncio.to_thread(self._unsubscribe, token)

    def _owner(self, token: str) -> tokens.TokenOwner:
        digest = links.token_hash(token)
        with platform_transaction(self.engine, "unsubscribe: the tenant of a token") as s:
            who = tokens.owner(s, digest)
        if who is None or not links.is_token(token):
            raise NotFoundException(UNKNOWN)
        return who

    def _unsubscribe(self, token: str) -> str:
        who = self._owner(token)
        with tenant_transaction(self.engine, who.tenant_id) as s:
            tokens.opt_out(s, who, links.token_hash(token), SOURCE, datetime.now(UTC))
        log.info("one-click unsubscribe", tenant_id=who.tenant_id)
        return DONE
