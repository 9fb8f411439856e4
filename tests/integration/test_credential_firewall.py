"""The credential firewall on a real page (issue 10, part 3): real Chromium (sandboxed, as the
browser user), the real WordPress, real Vault wrapping. The browser session activities run in
process, built as workers/run.py builds them; each step is what the workflow would send, the AI's
steps with ``mode="ai"`` (the worst-case model: it obeys every injection).

Each attack asserts the refusal, its type and rule, and that nothing reached the page (the field
is still empty, the other origin got no form post).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pyotp
import pytest
from playwright.async_api import Page, async_playwright

from activities.browser import BrowserSessions
from activities.browser.navigation import UNREACHABLE
from activities.browser.pool import Session
from core.keys import load_keyring_sync
from core.objectstore import ObjectStore
from core.settings import get_settings
from core.targets import vet
from core.vault import VaultStore, WrapSpent, credential_path, unwrap
from devstack.stack import Stack
from tests.integration.firewall_helpers import (
    MEAN_JS,
    Harness,
    OtherOrigin,
    SilentPort,
    b64,
    chromium_launcher,
    is_root,
)
from tests.integration.helpers import wp_admin
from workflows.operation.browser_messages import CloseSessionInput, Observation, ObserveInput, SitePin

pytestmark = pytest.mark.stack
OTHER, REFUSING, SILENT, RESETTING = 18931, 18932, 18933, 18934
LOGIN = ["/wp-login.php"]


def pin(url: str) -> SitePin:
    p = vet(url, allowlisted=True)
    return SitePin(scheme=p.origin.scheme, host=p.origin.host, port=p.origin.port, address=p.address)


@pytest.fixture(scope="module")
def wp(infra: Stack) -> dict[str, str]:
    return infra.wordpress()


@pytest.fixture(scope="module")
def other() -> Iterator[OtherOrigin]:
    o = OtherOrigin(OTHER, away=f"http://localhost:{REFUSING}/")
    yield o
    o.stop()


@pytest.fixture(scope="module")
async def sessions(infra: Stack) -> AsyncIterator[BrowserSessions]:
    settings = get_settings()
    browser = settings.browser
    if is_root():
        browser = browser.model_copy(update={"executable_path": chromium_launcher(browser.run_as_user)})
    keyring = load_keyring_sync(settings)
    s = BrowserSessions(
        browser, VaultStore(settings), ObjectStore(settings.object_dir, keyring), "test-firewall"
    )
    yield s
    await s.shutdown()


@pytest.fixture(scope="module")
async def decoder() -> AsyncIterator[Page]:
    """A separate blank Chromium page that decodes screenshots (no network)."""
    settings = get_settings()
    exe = chromium_launcher(settings.browser.run_as_user) if is_root() else settings.browser.executable_path
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=exe, args=list(settings.browser.args))
        yield await browser.new_page()
        await browser.close()


@pytest.fixture
async def h(sessions: BrowserSessions, wp: dict[str, str], other: OtherOrigin) -> AsyncIterator[Harness]:
    """A session pinned to WordPress (the registered origin) and the other origins the tests use
    (as a definition's allowed_domains would be), holding the admin credential with a TOTP seed."""
    settings = get_settings()
    tenant, op = f"t-{uuid.uuid4().hex[:8]}", f"op-{uuid.uuid4().hex[:8]}"
    harness = Harness(
        sessions, ObjectStore(settings.object_dir, load_keyring_sync(settings)), tenant, op, wp["url"]
    )
    admin = wp_admin(wp)
    cred = {**admin, "site_url": wp["url"], "totp_secret": pyotp.random_base32()}
    wrap = VaultStore(settings).wrap(cred, 60)
    pins = [
        pin(wp["url"]),
        pin(other.url),
        *(pin(f"http://localhost:{p}") for p in (REFUSING, SILENT, RESETTING)),
    ]
    s = await harness.open(pins, wrap)
    with pytest.raises(WrapSpent):  # the wrapped credential unwraps once, into the session only
        unwrap(settings.vault.addr, wrap)
    assert s.origin == wp["url"] and s.credential["password"] == admin["password"]
    yield harness
    await sessions.close_session(CloseSessionInput(operation_id=op, tenant_id=tenant))


def session(h: Harness) -> Session:
    return h.sessions._pool.get(h.op)


async def value_of(h: Harness, selector: str) -> str:
    return await session(h).page.locator(selector).input_value()


async def observe(h: Harness) -> Observation:
    inp = ObserveInput(operation_id=h.op, tenant_id=h.tenant, step_number=h.n, attempt=1)
    return await h.env.run(h.sessions.observe_page, inp)


async def log_in(h: Harness) -> None:
    await h.step("navigate", "/wp-login.php", expected="#user_login")
    await h.step("fill", "#user_login", "{{credential.username}}")
    await h.step("fill", "#user_pass", "{{credential.password}}")
    await h.step("click", "#wp-submit", expected="#wpadminbar")


async def test_an_ai_cannot_type_the_password_into_the_admin_search_box(h: Harness, capfd: Any) -> None:
    await log_in(h)
    await h.step("navigate", "/wp-admin/edit.php", expected="#post-search-input")
    for field, rule in [
        ("password", "the password goes only into a password field"),
        ("username", "the username goes only into a text or email field of a login form"),
    ]:
        e = await h.refused("fill", "#post-search-input", f"{{{{credential.{field}}}}}", mode="ai")
        assert (e.type, e.non_retryable, e.message) == (
            "CredentialBlocked",
            True,
            f"credential blocked: {rule}",
        )
        assert await value_of(h, "#post-search-input") == ""
    assert "#post-search-input" not in session(h).secret_selectors
    out = capfd.readouterr()
    assert wp_admin_password(h) not in out.out + out.err


def wp_admin_password(h: Harness) -> str:
    return session(h).credential["password"]


async def test_the_totp_seed_is_never_typed_and_the_code_only_into_the_named_field(h: Harness) -> None:
    await h.step("navigate", "/wp-login.php", expected="#user_login")
    for mode in ("ai", "deterministic"):
        e = await h.refused("fill", "#user_pass", "x{{credential.totp_secret}}", mode=mode)
        assert e.type == "CredentialBlocked" and "TOTP seed is never typed" in e.message
        assert await value_of(h, "#user_pass") == ""
    e = await h.refused("fill", "#user_login", "{{credential.totp}}", mode="ai")
    assert e.message == "credential blocked: the definition names no TOTP field"
    await h.step("fill", "#user_login", "{{credential.totp}}", mode="ai", totp_field="#user_login")
    code = await value_of(h, "#user_login")
    assert pyotp.TOTP(session(h).credential["totp_secret"]).verify(code, valid_window=1)
    assert code in session(h).typed_secrets and "#user_login" in session(h).secret_selectors


async def test_no_credential_reaches_another_origin(h: Harness, other: OtherOrigin) -> None:
    other.requests.clear()
    await h.step("navigate", f"{other.url}/login", expected="#pw")
    for mode in ("deterministic", "ai"):
        for target, field in (("#pw", "password"), ("#user", "username")):
            e = await h.refused("fill", target, f"{{{{credential.{field}}}}}", mode=mode)
            assert e.message == "credential blocked: the page is not on the credential's registered origin"
            assert await value_of(h, target) == ""
    await h.refused("click", "#go", mode="ai")  # an AI submit here would also wait for a person
    assert ("GET", "/login", b"") in other.requests
    assert [r for r in other.requests if r[0] != "GET" or r[2]] == []  # no form post, no body


async def test_a_typed_password_is_masked_in_every_later_screenshot(h: Harness, decoder: Page) -> None:
    """The session's definition mask is empty: only the firewall masks the field."""
    await h.step("navigate", "/wp-login.php", expected="#user_login")
    before = await h.step("fill", "#user_login", "plain text")
    box = await session(h).page.locator("#user_pass").bounding_box()
    assert box is not None
    inner = {"x": box["x"] + 3, "y": box["y"] + 3, "width": box["width"] - 6, "height": box["height"] - 6}
    inner = {k: int(v) for k, v in inner.items()}

    async def brightness(key: str | None) -> float:
        assert key is not None
        return float(await decoder.evaluate(MEAN_JS, [b64(h.store.get(key)), inner]))

    assert await brightness(before.screenshot_key) > 150  # the empty field, unmasked
    keys = [(await h.step("fill", "#user_pass", "{{credential.password}}")).screenshot_key]
    keys.append((await h.step("wait", "body")).screenshot_key)
    keys.append((await observe(h)).screenshot_key)
    keys.append((await h.step("fill", "#user_login", "{{credential.username}}")).screenshot_key)
    for key in keys:
        assert await brightness(key) < 20, key  # the mask box is black
    assert await session(h).page.locator("#user_pass[data-omniops-secret]").count() == 1


async def test_secrets_are_scrubbed_from_what_the_ai_sees_and_from_errors(h: Harness, decoder: Page) -> None:
    """A definition that types the password as the username: WordPress echoes it back."""
    await h.step("navigate", "/wp-login.php", expected="#user_login")
    await h.step("fill", "#user_login", "{{credential.password}}")
    await h.step("fill", "#user_pass", "{{credential.password}}")
    e = await h.refused("click", "#wp-submit", expected="#wpadminbar", error_selector="#login_error")
    password = wp_admin_password(h)
    assert e.type == "InvalidCredentials" and "is not registered" in e.message and "***" in e.message
    assert password not in e.message
    obs = await observe(h)
    assert "is not registered" in obs.page_text and "***" in obs.page_text and password not in obs.page_text
    assert all(password not in el.text and password not in el.selector for el in obs.elements)


async def test_an_ai_form_submit_on_an_unnamed_page_waits_for_confirmation(h: Harness) -> None:
    await h.step("navigate", "/wp-login.php", expected="#user_login")
    e = await h.refused("click", "#wp-submit", mode="ai", named_paths=["/wp-admin/profile.php"])
    assert (e.type, e.non_retryable) == ("ConfirmationRequired", True)
    e = await h.refused("press", "#user_login", "Enter", mode="ai")
    assert e.type == "ConfirmationRequired"
    assert await session(h).page.locator("#login_error").count() == 0  # nothing was submitted
    await h.step("click", "#wp-submit", mode="ai", confirmed=True, expected="#login_error")
    await h.step("click", "#wp-submit", mode="ai", named_paths=LOGIN, expected="#login_error")
    await h.step("click", "#backtoblog a", mode="ai")  # a link is no form submit


async def test_extract_wraps_the_value_once_and_writes_no_vault(h: Harness) -> None:
    value = f"extracted-{uuid.uuid4().hex}"
    await h.step("navigate", "/wp-login.php", expected="#user_login")
    await h.step("fill", "#user_login", value)
    res = await h.step("extract", "#user_login", store_as="application_password")
    vault, settings = VaultStore(get_settings()), get_settings()
    path = credential_path(h.tenant, "wordpress", "application_password")
    assert res.credential_path == vault.full_path(path)
    assert res.credential_fingerprint is None  # keyed, so computed by the agent after the unwrap
    assert res.credential_wrap and value not in res.model_dump_json().replace(res.credential_wrap, "")
    assert vault.read(path) is None  # the browser worker wrote nothing
    assert unwrap(settings.vault.addr, res.credential_wrap) == {"password": value}
    with pytest.raises(WrapSpent):
        unwrap(settings.vault.addr, res.credential_wrap)
    await h.step("fill", "#user_pass", "{{credential.password}}")
    e = await h.refused("extract", "#user_pass", mode="ai", store_as="application_password")
    assert e.message == "credential blocked: the AI may not extract a field that holds a secret"


async def test_every_network_failure_reads_the_same(h: Harness, other: OtherOrigin, decoder: Page) -> None:
    """Refused, filtered (no answer) and reset connections: one reason, one blank page."""
    silent, resetting = SilentPort(SILENT), SilentPort(RESETTING, reset=True)
    errors, pages = [], []
    try:
        for port in (REFUSING, SILENT, RESETTING):
            await h.step("navigate", "/wp-login.php", expected="#user_login")
            errors.append(await h.refused("navigate", f"http://localhost:{port}/", timeout_s=3))
            pages.append(session(h).page.url)
    finally:
        silent.stop()
        resetting.stop()
    assert [(e.type, e.message) for e in errors] == [("StepFailed", UNREACHABLE)] * 3
    assert pages == ["about:blank"] * 3
    # a link into a refused origin leaves Chromium's error page, which names the error: the AI
    # reads the one reason and the screenshot is all mask
    await h.step("navigate", f"{other.url}/login", expected="#away")
    await h.step("click", "#away")
    await session(h).page.wait_for_url(lambda u: u.startswith("chrome-error:"))
    obs = await observe(h)
    assert obs.page_text == UNREACHABLE and obs.elements == []
    whole = {"x": 0, "y": 0, "width": 1280, "height": 900}
    assert await decoder.evaluate(MEAN_JS, [b64(h.store.get(obs.screenshot_key)), whole]) < 20


async def test_refused_requests_are_reported_per_step(h: Harness) -> None:
    await h.step("navigate", "/wp-login.php", expected="#user_login")
    session(h).egress.record("http://localhost:8200")
    res = await h.step("wait", "body")
    assert (res.blocked_requests, res.blocked_origins) == (1, ["http://localhost:8200"])
    assert (await h.step("wait", "body")).blocked_requests == 0
