"""The recorder turns a codegen-style Playwright script into a draft definition, secrets removed."""

from __future__ import annotations

import pytest

from devstack.recorder import RecorderError, record

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
