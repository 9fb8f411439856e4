"""The one Anthropic client factory: every activity that calls the Messages API builds its client here.

``max_retries=0``: Temporal owns retries (the activity's named retry policy), so a failing call is
never retried twice over (temporalio/ai-cookbook, Claude recipe).
"""

from __future__ import annotations

import anthropic

from core.settings import LLMSettings


def anthropic_client(
    settings: LLMSettings, timeout_s: float | None = None
) -> anthropic.AsyncAnthropic | None:
    """An ``AsyncAnthropic`` with ``max_retries=0`` and ``timeout_s`` (default ``settings.timeout_s``,
    seconds), or None when no API key is configured (the callers then degrade: self-healing
    unavailable, rules-only planning, keyword sentiment)."""
    key = settings.api_key.get_secret_value() if settings.api_key else None
    if not key:
        return None
    return anthropic.AsyncAnthropic(
        api_key=key,
        base_url=settings.base_url,
        max_retries=0,
        timeout=settings.timeout_s if timeout_s is None else timeout_s,
    )
