"""Settings of the understanding of one inbound email (issue 13 Build 4, 7 and 8;
``activities/inbox``). A section of the one settings class: ``Settings.mailparse``, env prefix
``OMNIOPS_MAILPARSE__``."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class MailParseSettings(BaseModel):
    """Classification mode, the phone-number region hint and the text the model sees."""

    classifier: Literal["auto", "ai", "rules"] = "auto"
    """``auto``: the LLM tool call when an API key is configured, else rules; ``rules``: never the
    LLM. The deterministic detectors (DSN, auto-reply, unsubscribe) always run first.
    Env ``OMNIOPS_MAILPARSE__CLASSIFIER``."""
    default_region: str = Field(default="US", min_length=2, max_length=2)
    """ISO 3166-1 alpha-2 region for signature phone numbers written without ``+country``
    (``phonenumbers``' region hint). Env ``OMNIOPS_MAILPARSE__DEFAULT_REGION``."""
    llm_max_chars: int = Field(default=6000, ge=200, le=50_000)
    """Characters of the reply text (quoted thread removed) sent to the model at most."""
    llm_timeout_s: float = Field(default=30.0, gt=0)
    """Seconds one classification call may take before the rules answer instead."""
    unsubscribe_local_part: str = "unsubscribe"
    """The local part of the ``List-Unsubscribe`` mailto address (``unsubscribe+<token>@...``)."""
