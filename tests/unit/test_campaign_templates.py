"""Campaign templates (seed 004 P1.2): the placeholder set, fallbacks, one-pass substitution."""

from __future__ import annotations

import pytest

from workflows.campaign_templates import (
    PLACEHOLDERS,
    TemplateError,
    placeholders,
    render,
    unknown,
    values_for,
)


def test_every_placeholder_renders_from_the_contact_and_its_account() -> None:
    v = values_for("Ada  Lovelace", "Analytical Engines Ltd")
    text = "Hi {{contact.first_name}} ({{ contact.name }}) at {{account.name}}"
    assert render(text, v) == "Hi Ada (Ada  Lovelace) at Analytical Engines Ltd"
    assert placeholders(text) == ["contact.first_name", "contact.name", "account.name"]
    assert set(PLACEHOLDERS) == set(placeholders(text)) and unknown(text) == []


def test_empty_values_use_the_fallback_or_nothing() -> None:
    v = values_for("", None)
    assert render("Hello {{contact.first_name|there}},", v) == "Hello there,"
    assert render("Hello {{ contact.first_name | there }},", v) == "Hello there,"
    assert render("Team {{account.name}}!", v) == "Team !"
    assert render("Hello {{contact.first_name|there}},", values_for("Bo", None)) == "Hello Bo,"


def test_unknown_placeholders_are_named_and_nothing_renders() -> None:
    bad = "Hi {{contact.email}} {{ user.password }} {{contact.name}} {{}}"
    assert unknown(bad) == ["contact.email", "user.password", ""]
    with pytest.raises(TemplateError) as e:
        render(bad, values_for("A", "B"))
    assert e.value.names == ["contact.email", "user.password", ""]
    assert "{{contact.email}}" in str(e.value)


def test_no_expression_is_evaluated_and_values_are_not_expanded_again() -> None:
    assert unknown("{{ 7*7 }} {{ contact.name.__class__ }}") == ["7*7", "contact.name.__class__"]
    v = values_for("{{account.name}}", "Secret Corp")
    assert render("Dear {{contact.name}}", v) == "Dear {{account.name}}"
    x = values_for("X", None)
    assert render("{not a placeholder} {{{contact.name}}}", x) == "{not a placeholder} {X}"


def test_control_characters_in_values_cannot_add_lines() -> None:
    v = values_for("Eve\r\nBcc: victim@example.test", None)
    assert render("Offer for {{contact.name}}", v) == "Offer for Eve Bcc: victim@example.test"
    assert "\n" not in render("{{contact.name}}", v)


def test_a_template_without_placeholders_is_itself() -> None:
    assert placeholders(None) == [] and unknown("") == []
    assert render("Plain text, {curly} and }} too", {}) == "Plain text, {curly} and }} too"
