"""Follow-up timings live only in the settings and ``deal_stage_config`` (issue 9, part 7): no
module of the cycle repeats them as constants."""

from __future__ import annotations

import re
from pathlib import Path

from core.settings import FollowUpSettings
from workflows.followups.inputs import quote_input, stage_rules
from workflows.followups.rules import DEFAULT_STAGE_DAYS

ROOT = Path(__file__).resolve().parents[2]
CYCLE = [*ROOT.glob("activities/cycle/*.py"), *ROOT.glob("workflows/cycle/*.py")]
CYCLE += [
    ROOT / "schema/repositories" / f"{m}.py"
    for m in ("cycle_context", "cycle_facts", "follow_up_owners", "guard")
]
SUBJECT = r"(?:QUOTE|DEAL|FOLLOW_UP|STALLED|COMPLIANCE)"
WHEN = r"(?:EVERY|AFTER|WINDOW|MAX|INTERVAL|DAYS)"
TIMING = re.compile(
    rf"^\s*([A-Z_]*(?:{SUBJECT}[A-Z_]*{WHEN}|{WHEN}[A-Z_]*{SUBJECT})[A-Z_]*)\s*(?::[^=\n]+)?=\s*(?:timedelta\(|\d)",
    re.M,
)
"""A module-level duration or count of quote, deal, follow-up or compliance timing (the removed
ones were COMPLIANCE_WINDOW, QUOTE_FOLLOW_UP_EVERY, QUOTE_MAX_FOLLOW_UPS, DEAL_STALLED_AFTER)."""


def test_the_pattern_catches_the_removed_constants() -> None:
    old = "COMPLIANCE_WINDOW = timedelta(days=14)\nQUOTE_FOLLOW_UP_EVERY = timedelta(days=3)\n"
    old += "QUOTE_MAX_FOLLOW_UPS = 4\nDEAL_STALLED_AFTER = timedelta(days=14)\nCOMPLIANCE_MIN = 0.9\n"
    assert TIMING.findall(old) == [
        "COMPLIANCE_WINDOW",
        "QUOTE_FOLLOW_UP_EVERY",
        "QUOTE_MAX_FOLLOW_UPS",
        "DEAL_STALLED_AFTER",
    ]


def test_no_follow_up_timing_constant_in_the_cycle() -> None:
    assert CYCLE and all(p.exists() for p in CYCLE)
    found = {str(p.relative_to(ROOT)): TIMING.findall(p.read_text()) for p in CYCLE}
    assert {k: v for k, v in found.items() if v} == {}


def test_the_cycle_hands_off_with_the_settings_timings() -> None:
    f = FollowUpSettings(quote_follow_up_every_s=60, quote_max_follow_ups=2, day_s=10)
    q = quote_input("t1", "q1", "a@x.com", 12.5, f)
    assert (q.follow_up_every_s, q.max_follow_ups, q.amount) == (60, 2, 12.5)
    rules = stage_rules({"proposal": (1, 2)}, f.day_s)
    assert (rules["proposal"].stalled_after_s, rules["proposal"].follow_up_every_s) == (10, 20)
    lead_stalled, lead_every = DEFAULT_STAGE_DAYS["lead"]
    assert (
        rules["lead"].stalled_after_s == lead_stalled * 10
        and rules["lead"].follow_up_every_s == lead_every * 10
    )
