"""The quote's tracked link in its emails (issue 12, Build 5): absolute, and only when given."""

from __future__ import annotations

from core.settings import FollowUpSettings
from workflows.followups.inputs import quote_input, quote_view_url
from workflows.followups.rules import quote_follow_up, with_view_link


def test_the_link_is_absolute_under_the_public_url() -> None:
    assert quote_view_url("https://api.example.test/", "tok_1") == "https://api.example.test/t/q/tok_1"
    assert quote_view_url("http://localhost:18000", "a-b") == "http://localhost:18000/t/q/a-b"


def test_the_link_goes_on_its_own_line_and_only_when_there_is_one() -> None:
    _, body = quote_follow_up(2, 100.0)
    assert with_view_link(body, None) == body
    linked = with_view_link(body, "https://api.example.test/t/q/x")
    assert linked.startswith(body) and linked.endswith("\n\nView your quote: https://api.example.test/t/q/x")


def test_the_input_carries_the_link_and_defaults_to_none() -> None:
    f = FollowUpSettings()
    assert quote_input("t1", "q1", "a@example.test", 10, f).view_url is None
    url = quote_view_url("https://api.example.test", "tok")
    assert quote_input("t1", "q1", "a@example.test", 10, f, url).view_url == url
