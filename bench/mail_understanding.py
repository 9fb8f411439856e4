"""Benchmark: the cost of understanding one email (rules classifier, no LLM) against the bare
stdlib parse of the same bytes, in one run.

    uv run python -m bench.mail_understanding [--rounds 200]

Each round parses every .eml fixture under tests/fixtures/mail/parse with
``email.message_from_bytes(policy=default)`` (the baseline the mailbox sync pays anyway), then
parses them as the sync does (:func:`activities.inbox.mime.parse`, the one parse) and understands
them (:class:`activities.inbox.understand.MailUnderstanding`: DSN,
auto-reply, unsubscribe, reply text, signature, signals, rule classification). Prints messages
per second for each and the ratio understood / bare (the sync's throughput goal is >= 0.5x of a
bare fetch; this says how much of that budget the understanding uses).
"""

from __future__ import annotations

import argparse
import asyncio
import email
import email.policy
import time
from email.message import EmailMessage
from typing import cast

from activities.inbox.mime import parse
from activities.inbox.understand import MailUnderstanding
from core.settings import Settings
from tests.unit.mail_fixtures import DIR


def _parse(raw: bytes) -> EmailMessage:
    return cast(EmailMessage, email.message_from_bytes(raw, policy=email.policy.default))


async def main(rounds: int) -> None:
    raws = [p.read_bytes() for p in sorted(DIR.glob("*.eml"))]
    settings = Settings()
    settings.mailparse.classifier = "rules"
    u = MailUnderstanding(settings)
    for raw in raws:  # warm caches (regexes, phone metadata)
        await u.understand(parse(raw))
    t0 = time.perf_counter()
    for _ in range(rounds):
        for raw in raws:
            _parse(raw).get_body(preferencelist=("plain", "html"))
    bare = time.perf_counter() - t0
    t0 = time.perf_counter()
    for _ in range(rounds):
        for raw in raws:
            await u.understand(parse(raw))
    full = time.perf_counter() - t0
    n = rounds * len(raws)
    print(f"messages: {n} ({len(raws)} fixtures x {rounds})")
    print(f"bare parse: {n / bare:,.0f} msg/s; parse + understand: {n / full:,.0f} msg/s")
    print(f"ratio understood/bare: {bare / full:.3f}x; understanding: {(full - bare) / n * 1e3:.2f} ms/msg")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=200)
    asyncio.run(main(ap.parse_args().rounds))
