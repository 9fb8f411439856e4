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


def test_response_views_carry_every_column_of_their_rows() -> None:
    """The API's row views keep the JSON keys the rows had (a new column must be added to its
    view, or deliberately left out like the quote's tracked-link token)."""
    from api.schemas.deals import DealView
    from api.schemas.feedback import FeedbackRequestView
    from api.schemas.quotes import QuoteView
    from schema.business import Deal, Quote
    from schema.followups import FeedbackRequest

    assert list(FeedbackRequestView.model_fields) == list(FeedbackRequest.model_fields)
    assert list(DealView.model_fields) == list(Deal.model_fields)
    assert list(QuoteView.model_fields) == [f for f in Quote.model_fields if f != "view_token"]


def test_a_followup_state_lists_only_the_keys_that_apply() -> None:
    from api.schemas.feedback import DeliveredView, FeedbackStateView

    assert DeliveredView(workflow_id="w", started=False).model_dump(mode="json") == {
        "workflow_id": "w",
        "started": False,
    }
    ended = FeedbackStateView(workflow_id="w", execution="FAILED", failure="boom", feedback_request=None)
    assert ended.model_dump(mode="json") == {
        "workflow_id": "w",
        "execution": "FAILED",
        "failure": "boom",
        "feedback_request": None,
    }
