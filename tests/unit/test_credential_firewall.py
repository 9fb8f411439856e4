"""The credential firewall's pure rules (activities/browser/firewall.py) and placeholder resolution
from the session's in-memory credential (activities/browser/placeholders.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pyotp
import pytest
from temporalio.exceptions import ApplicationError

from activities.browser.firewall import (
    Element,
    check_credential_use,
    kind_rule,
    needs_confirmation,
    origin_rule,
    precheck_rule,
    scrub,
    secrets_of,
    submits_form,
)
from activities.browser.placeholders import credential_fields, resolve

ORIGIN = "http://localhost:8089"
PAGE = f"{ORIGIN}/wp-login.php"
PASSWORD = Element(tag="input", type="password", url=PAGE, in_form=True, form_has_password=True)
LOGIN = Element(tag="input", type="text", url=PAGE, in_form=True, form_has_password=True)
SEARCH = Element(tag="input", type="search", url=f"{ORIGIN}/", in_form=True)
SEARCH_TEXT = Element(tag="input", type="text", url=f"{ORIGIN}/", in_form=True)
COMMENT = Element(tag="textarea", type="textarea", url=f"{ORIGIN}/?p=1", in_form=True)
CODE = Element(tag="input", type="text", url=f"{ORIGIN}/2fa", in_form=True, totp_field=True)
SUBMIT = Element(tag="input", type="submit", url=PAGE, in_form=True, submit_control=True)


def rule(field_: str, el: Element, totp: str | None = "#code") -> str | None:
    return kind_rule(field_, el, totp)


def test_the_password_goes_only_into_a_password_field() -> None:
    assert rule("password", PASSWORD) is None
    for el in (LOGIN, SEARCH, SEARCH_TEXT, COMMENT, CODE, SUBMIT, Element(tag="div")):
        assert rule("password", el) == "the password goes only into a password field"


def test_the_username_goes_only_into_a_text_or_email_field_of_a_login_form() -> None:
    assert rule("username", LOGIN) is None
    assert rule("username", Element(tag="input", type="email", form_has_password=True)) is None
    for el in (SEARCH, SEARCH_TEXT, COMMENT, PASSWORD, Element(tag="input", type="text")):
        assert rule("username", el) is not None


def test_the_totp_code_goes_only_into_the_named_field() -> None:
    assert rule("totp", CODE) is None
    assert rule("totp", LOGIN) == "the TOTP code goes only into the definition's TOTP field"
    assert rule("totp", CODE, totp=None) == "the definition names no TOTP field"


def test_other_credential_fields_are_never_typed_by_the_ai() -> None:
    assert rule("site_url", LOGIN) is not None and rule("api_key", PASSWORD) is not None


def test_the_seed_and_credentials_in_key_presses_are_refused_before_the_page() -> None:
    assert precheck_rule("fill", ["totp_secret"]) == "the TOTP seed is never typed (use {{credential.totp}})"
    assert precheck_rule("fill", ["password", "totp_secret"]) is not None
    assert precheck_rule("press", ["password"]) == "a key press never carries a credential"
    assert precheck_rule("fill", ["password", "totp"]) is None and precheck_rule("press", []) is None


def test_credentials_resolve_only_on_their_registered_origin_in_the_top_page() -> None:
    assert origin_rule(ORIGIN, PAGE, PASSWORD) is None
    wrong = "the page is not on the credential's registered origin"
    assert origin_rule(ORIGIN, "http://localhost:18931/login", PASSWORD) == wrong
    assert origin_rule(ORIGIN, "https://localhost:8089/", PASSWORD) == wrong  # scheme counts
    assert origin_rule(ORIGIN, PAGE, Element(tag="input", type="password", url="about:srcdoc")) == wrong
    framed = Element(tag="input", type="password", url=PAGE, framed=True)
    assert origin_rule(ORIGIN, PAGE, framed) == "credentials are typed only into the top-level page"
    assert origin_rule(None, PAGE, PASSWORD) == "the session has no registered origin"


def test_deterministic_steps_skip_the_kind_check_but_not_the_origin() -> None:
    kw: dict[str, Any] = {"origin": ORIGIN, "page_url": PAGE, "totp_field": None}
    check_credential_use(["password"], SEARCH, mode="deterministic", **kw)  # the definition's own target
    with pytest.raises(ApplicationError) as e:
        check_credential_use(["password"], SEARCH, mode="ai", **kw)
    assert e.value.type == "CredentialBlocked" and e.value.non_retryable
    assert e.value.message == "credential blocked: the password goes only into a password field"
    with pytest.raises(ApplicationError) as e:
        check_credential_use(
            ["password"], PASSWORD, mode="deterministic", **{**kw, "page_url": "http://evil.test/"}
        )
    assert e.value.type == "CredentialBlocked"


@pytest.mark.parametrize(
    ("action", "key", "el", "submits"),
    [
        ("click", "", SUBMIT, True),
        ("click", "", Element(tag="span", submit_control=True), True),  # inside a submit button
        ("click", "", Element(tag="button", type="button", in_form=True), False),
        ("click", "", Element(tag="a"), False),
        ("press", "Enter", LOGIN, True),  # Enter in a form field submits it
        ("press", "", LOGIN, True),  # a press without a key is Enter
        ("press", "NumpadEnter", LOGIN, True),
        ("press", "Enter", Element(tag="input", type="text"), False),  # no form
        ("press", "Enter", COMMENT, False),  # a newline in a textarea
        ("press", "Space", SUBMIT, True),
        ("press", "Tab", LOGIN, False),
        ("fill", "", SUBMIT, False),
    ],
)
def test_form_submit_detection(action: str, key: str, el: Element, submits: bool) -> None:
    assert submits_form(action, key, el) is submits


def test_an_ai_submit_needs_confirmation_only_on_unnamed_pages() -> None:
    named = ["/wp-login.php", "/wp-admin/profile.php"]
    assert not needs_confirmation("click", "", SUBMIT, named_paths=named, origin=ORIGIN)
    other = Element(tag="input", type="submit", url=f"{ORIGIN}/wp-admin/users.php", submit_control=True)
    assert needs_confirmation("click", "", other, named_paths=named, origin=ORIGIN)
    elsewhere = Element(tag="input", type="submit", url="http://other.test/wp-login.php", submit_control=True)
    assert needs_confirmation("click", "", elsewhere, named_paths=named, origin=ORIGIN)
    assert not needs_confirmation(
        "click", "", Element(tag="a", url=f"{ORIGIN}/x"), named_paths=[], origin=ORIGIN
    )


@dataclass
class FakeSession:
    credential: dict[str, str]
    typed_secrets: list[str] = field(default_factory=list)


def test_scrubbing_removes_every_secret_longest_first_and_keeps_the_username() -> None:
    s = FakeSession(
        {"username": "admin", "password": "hunter22", "totp_secret": "JBSWY3DP"}, ["hunter2", "123456"]
    )
    secrets = secrets_of(s)
    assert set(secrets) == {"hunter22", "JBSWY3DP", "hunter2", "123456"}
    text = "Howdy, admin. pw hunter22, code 123456, seed JBSWY3DP"
    assert scrub(text, secrets) == "Howdy, admin. pw ***, code ***, seed ***"
    assert scrub("nothing here", ["", *secrets]) == "nothing here"


def test_placeholders_resolve_from_the_session_credential_and_remember_secrets() -> None:
    seed = pyotp.random_base32()
    cred = {"username": "admin", "password": "pw-1", "totp_secret": seed}
    typed: list[str] = []
    assert credential_fields("{{credential.username}}:{{ credential.totp }}{{input.x}}") == [
        "username",
        "totp",
    ]
    assert resolve(
        "{{credential.username}}/{{credential.password}}/{{input.x}}", {"x": "1"}, cred, typed
    ) == ("admin/pw-1/1")
    code = resolve("{{credential.totp}}", {}, cred, typed)
    assert pyotp.TOTP(seed).verify(code) and typed == ["pw-1", code]


@pytest.mark.parametrize(
    ("template", "credential", "failure"),
    [
        ("{{credential.totp_secret}}", {"password": "x", "totp_secret": "JBSWY3DP"}, "CredentialBlocked"),
        ("{{credential.password}}", {}, "CredentialMissing"),  # a session from before issue 10
        ("{{credential.totp}}", {"password": "x"}, "CredentialMissing"),
        ("{{credential.nope}}", {"password": "x"}, "InvalidStep"),
        ("{{input.nope}}", {}, "InvalidStep"),
    ],
)
def test_placeholders_that_never_resolve(template: str, credential: dict[str, str], failure: str) -> None:
    typed: list[str] = []
    with pytest.raises(ApplicationError) as e:
        resolve(template, {}, credential, typed)
    assert e.value.type == failure and e.value.non_retryable and typed == []
    assert "JBSWY3DP" not in e.value.message
