"""Pure follow-up rules: keyword sentiment (seed 004 P1.3 fallback), quote urgency (P1.5), deal
escalation (P1.4)."""

from __future__ import annotations

import pytest

from workflows.followups.rules import deal_follow_up, keyword_sentiment, quote_follow_up


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Great work, thank you!", "positive"),
        ("The report was late and wrong.", "negative"),
        ("Thanks, but the appraisal was late and had mistakes.", "negative"),
        ("Received.", "neutral"),
        ("", "neutral"),
    ],
)
def test_keyword_sentiment(text: str, label: str) -> None:
    assert keyword_sentiment(text) == label


def test_quote_follow_ups_escalate_and_the_fourth_is_final() -> None:
    subjects = [quote_follow_up(n, 1250.0)[0] for n in range(1, 5)]
    assert len(set(subjects)) == 4
    assert subjects[0].startswith("Following up") and subjects[3].startswith("Final notice")
    assert "$1,250.00" in quote_follow_up(1, 1250.0)[1]
    assert "$" not in quote_follow_up(1, None)[1]


def test_deal_follow_ups_turn_high_priority_after_three() -> None:
    assert [deal_follow_up(n, "Acme", 3)[2] for n in range(1, 6)] == ["normal"] * 3 + ["high"] * 2
