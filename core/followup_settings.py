"""Follow-up workflow durations (seed 004 P1.3, P1.4, P1.5): ``OMNIOPS_FOLLOWUPS__*``, a section
of ``core.settings.Settings``."""

from __future__ import annotations

from pydantic import BaseModel


class FollowUpSettings(BaseModel):
    """Durations of the follow-up workflows, in seconds (seed 004 P1.3, P1.4, P1.5)."""

    feedback_delay_s: int = 7 * 86_400
    feedback_open_case_recheck_s: int = 86_400
    feedback_open_case_max_wait_s: int = 7 * 86_400
    feedback_response_window_s: int = 14 * 86_400
    quote_follow_up_every_s: int = 3 * 86_400
    quote_max_follow_ups: int = 4
    deal_escalate_after: int = 3
    day_s: int = 86_400
    """Length of a "day" in deal stage thresholds (shorter in local demos and dev-server tests)."""
