"""The recorder turns a codegen-style Playwright script into a draft definition, secrets removed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from devstack.recorder import RecorderError, _never_leaks, record, to_yaml
from devstack.recorder_secrets import field_kind, secret_literal
from workflows.operation.definition import OperationDefinition

SCRIPT = """
import re
from playwright.sync_api import Page, expect


def test_generate_app_password(page: Page) -> None:
    page.goto("http://localhost:8089/wp-login.php")
    page.locator("#user_login").fill("omniops-admin")
    page.fill("#user_pass", "hunter2-super-secret")
    page.get_by_role("button", name="Log In").click()
    expect(page.locator("#wpadminbar")).to_be_visible()
    page.goto("http://localhost:8089/wp-admin/profile.php")
    page.locator("#new_application_password_name").fill("recorded")
    page.locator("#do_new_application_password").click()
    page.wait_for_selector("#new-application-password-value")
    application_password = page.locator("#new-application-password-value").input_value()
"""


def test_script_becomes_a_definition_without_its_secrets() -> None:
    d = record(SCRIPT, "wordpress", "recorded_app_password")
    assert [(s.action, s.target) for s in d.steps] == [
        ("navigate", "/wp-login.php"),
        ("fill", "#user_login"),
        ("fill", "#user_pass"),
        ("click", 'role=button[name="Log In"]'),
        ("navigate", "/wp-admin/profile.php"),
        ("fill", "#new_application_password_name"),
        ("click", "#do_new_application_password"),
        ("extract", "#new-application-password-value"),
    ]
    assert d.steps[1].value == "{{credential.username}}" and d.steps[2].value == "{{credential.password}}"
    assert d.steps[3].expected == "#wpadminbar" and d.steps[3].checkpoint
    assert d.steps[6].expected == "#new-application-password-value"
    assert d.steps[7].store_as == "application_password"
    assert "hunter2" not in d.model_dump_json() and "#new-application-password-value" in d.mask


def test_a_script_without_page_actions_is_an_error() -> None:
    with pytest.raises(RecorderError, match="no Playwright page actions"):
        record("print('hello')", "svc", "op")


FIXTURES = Path(__file__).parent / "fixtures" / "recorder"


def _draft(name: str) -> tuple[OperationDefinition, list[str]]:
    """The draft of a recorded fixture, and every serialization of it a reviewer could see."""
    d = record((FIXTURES / name).read_text(), "svc", "recorded")
    text = to_yaml(d)
    return d, [text, d.model_dump_json(), json.dumps(yaml.safe_load(text), ensure_ascii=False)]


def _values(d: OperationDefinition) -> list[tuple[str | None, str | None]]:
    return [(s.target, s.value) for s in d.steps if s.action in ("fill", "select")]


def _absent(dumps: list[str], *secrets: str) -> None:
    for secret in secrets:
        assert not any(secret in text for text in dumps), secret


def test_german_login_password_code_and_pin_become_placeholders() -> None:
    d, dumps = _draft("login_de.py")
    assert _values(d) == [
        ('internal:label="Benutzername"', "{{credential.username}}"),
        ('internal:label="Passwort"', "{{credential.password}}"),
        ('internal:label="Bestätigungscode"', "{{credential.totp}}"),
        ('internal:label="PIN"', "{{input.pin}}"),
        ('internal:label="Neues Kennwort"', "{{credential.password}}"),
    ]
    assert d.totp_field == 'internal:label="Bestätigungscode"' and d.inputs == ["site_url", "pin"]
    assert 'internal:label="PIN"' in d.mask and d.steps[3].checkpoint
    _absent(dumps, "Sommer2024!Geheim", "492817", "4711", "Winter2025?Geheimer", "max.mustermann")


def test_french_login_and_secret_key_become_placeholders() -> None:
    d, dumps = _draft("login_fr.py")
    assert _values(d) == [
        ('internal:label="Identifiant"', "{{credential.username}}"),
        ('internal:label="Mot de passe"', "{{credential.password}}"),
        ('internal:label="Code de vérification"', "{{credential.totp}}"),
        ('internal:label="Clé secrète"', "{{input.cle_secrete}}"),
    ]
    assert d.totp_field == 'internal:label="Code de vérification"'
    assert d.inputs == ["site_url", "cle_secrete"] and d.steps[0].target == "/connexion?lang=fr"
    _absent(dumps, "Soleil-d'été-2024", "Soleil-d", "735194", "valeur-tres-privee", "jeanne.dupont")


def test_urls_lose_user_info_tokens_and_secret_paths() -> None:
    d, dumps = _draft("navigation.py")
    assert [(s.action, s.target) for s in d.steps] == [
        ("navigate", "/login?next=%2Fdashboard"),
        ("navigate", "/reports?view=monthly"),
        ("navigate", "/export?format=csv&page=2"),
        ("click", 'role=link[name="Monthly report"]'),
    ]  # the reset link with a token in its path is gone
    assert "site https://portal.example.com)" in d.description
    assert "query parameter access_token" in d.description and "path held a secret" in d.description
    _absent(
        dumps,
        "portal-ops",
        "Pr1vat3Pa55",
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9",
        "Sfl5kTq3xQ",
        "9f86d081884c7d659a2feaa0c55ad015",
        "AbCd1234EfGh",
        "Zx81kPq0LmW3vB7nT2rY9cXs",
        "Qm9iIHNlY3JldCBrZXkgMTIzNDU2Nzg5MA",
    )


def test_high_entropy_keys_in_plain_fields_become_inputs() -> None:
    d, dumps = _draft("api_key.py")
    assert _values(d) == [
        ("#integration_label", "Lagerbestand Sync"),
        ("#integration_value", "{{input.integration_value}}"),
        ("#notes", "{{input.notes}}"),
    ]
    assert d.inputs == ["site_url", "integration_value", "notes"]
    assert [s.action for s in d.steps] == [
        "navigate",
        "fill",
        "fill",
        "fill",
        "click",
    ]  # the text click on the key
    assert "target held a removed secret" in d.description
    _absent(dumps, "Xk9fPq2LmZ7vR4tW8yB1nC6dQe3", "ghp_R2d2C3poBb8Ewok1Han5olo9Leia7Luke3x")


def test_ordinary_values_are_kept() -> None:
    d, dumps = _draft("ordinary.py")
    assert _values(d) == [
        ("#blogname", "Bäckerei Müller – Frische Brötchen seit 1952"),
        ("#blogdescription", "Just another WordPress site"),
        ("#admin_email", "webmaster2024@baeckerei-mueller.de"),
        ("#home", "https://www.baeckerei-mueller.de/filialen/2024"),
        ("#new_application_password_name", "Application passwords"),
        ('[placeholder="Search"]', "Application passwords"),
        ("#postal_code", "80331"),
    ]
    assert d.steps[0].target == "/wp-admin/options-general.php?settings-updated=true"
    assert d.steps[5].target == "/wp-admin/profile.php?wp_http_referer=%2Fwp-admin%2Fusers.php"
    assert d.steps[6].target == 'role=link[name="Application passwords"]'
    assert d.inputs == ["site_url"] and d.totp_field is None and "Secrets removed" not in d.description
    assert "Bäckerei Müller" in dumps[0]


@pytest.mark.parametrize(
    ("selector", "kind"),
    [
        ("#user_pass", "password"),
        ("#pass1", "password"),
        ('input[type="password"][name=x]', "password"),
        ('internal:label="Passwort"', "password"),
        ('internal:label="Kennwort"', "password"),
        ("#neuesPasswort", "password"),
        ("#mot_de_passe", "password"),
        ('role=textbox[name="Contraseña"]', "password"),
        ("#senha", "password"),
        ('[placeholder="Wachtwoord"]', "password"),
        ('[autocomplete="current-password"]', "password"),
        ('[autocomplete="one-time-code"]', "otp"),
        ('internal:label="Bestätigungscode"', "otp"),
        ('internal:label="Code de vérification"', "otp"),
        ("#codigo_verificacao", "otp"),
        ('internal:label="Codice di verifica"', "otp"),
        ("#verificatiecode", "otp"),
        ("#2fa-code", "otp"),
        ("#TOTP", "otp"),
        ("#apiKey", "secret"),
        ('[name="x-api-key"]', "secret"),
        ("#client-secret", "secret"),
        ('internal:label="Private Key"', "secret"),
        ('internal:label="Geheim"', "secret"),
        ('internal:label="PIN"', "secret"),
        ("#access_token", "secret"),
        ("#new_application_password_name", None),
        ('internal:label="Nom du mot de passe"', None),
        ('[placeholder="Palabra clave"]', None),
        ("#postal_code", None),
        ("#pinned", None),
        ("#user_login", None),
        ("#search", None),
    ],
)
def test_secret_fields_in_seven_languages(selector: str, kind: str | None) -> None:
    assert field_kind(selector) == kind


@pytest.mark.parametrize(
    ("value", "secret"),
    [
        ("Xk9fPq2LmZ7vR4tW8yB1nC6d", True),
        ("sk-ant-api03-abcdefghijklmnop", True),
        ("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig", True),
        ("hvs.CAESIJ2xQ9v0ab1cd2ef3gh4ij5kl", True),
        ("AKIAIOSFODNN7EXAMPLE", True),
        ("a3f9c2e1b7d4f6a8c0e2b4d6f8a1c3e5", True),
        ("abcd EFGH 1jkl MNOP qr5t UVWX", True),  # a WordPress application password
        ("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjE=", True),
        ("Application passwords", False),
        ("Donaudampfschifffahrtsgesellschaft", False),
        ("Rechtschreibprüfung2023", False),
        ("WordPress2024SiteTitle", False),
        ("2024-11-22-my-blog-post-title-here", False),
        ("max.mustermann1987@example.de", False),
        ("https://example.com/path2024/xyz", False),
        ("550e8400-e29b-41d4-a716-446655440000", False),
        ("hunter2-super-secret", False),  # not random: caught only by its field's name
    ],
)
def test_secret_shaped_literals(value: str, secret: bool) -> None:
    assert secret_literal(value) is secret


def test_a_removed_literal_anywhere_in_the_draft_stops_the_recorder() -> None:
    draft = record('page.goto("https://h.test/")\npage.locator("#blogname").fill("Mein Blog")', "svc", "op")
    _never_leaks(draft, {"hunter2-super-secret", "Blog"})  # too short to search
    with pytest.raises(RecorderError, match="removed secret"):
        _never_leaks(draft, {"Mein Blog"})
