"""How this worker starts Chromium: sandbox on, unprivileged, minimal environment, pinned
(issue 10, parts 1 and 4; shared/PROVISIONING.md "Keep Chromium's sandbox on").

- Chromium's own sandbox stays on: Playwright's ``chromium_sandbox=True`` (without it Playwright
  adds the switch that turns the sandbox off); a settings arg that turns it off stops the launch.
- A worker running as root cannot keep the sandbox (Chromium refuses to start as root with it),
  so Chromium is started through ``deploy/browser/chromium-as-user``: it hands Playwright's
  profile dir to ``settings.run_as_user`` and execs Chromium as that user with no_new_privs, no
  capabilities and a cleared environment. A non-root worker starts Chromium directly with the
  minimal environment of :func:`browser_env`.
- Either way Chromium never sees ``OMNIOPS_*``, a Vault token, the JWT key or a database URL.
- ``rules`` is ``core.targets.resolver_rules`` of the session's pins: Chromium resolves only the
  pinned ``host:port`` pairs, to their vetted addresses, and nothing else.
"""

from __future__ import annotations

import os
from pathlib import Path

from playwright.async_api import Browser, Playwright

from core.settings import BrowserSettings

WRAPPER = Path(__file__).resolve().parents[2] / "deploy" / "browser" / "chromium-as-user"
"""Starts Chromium as the unprivileged user when the worker is root."""

SANDBOX_OFF = {"--no-sandbox", "--disable-setuid-sandbox", "--no-zygote", "--single-process"}
"""Switches that take Chromium's sandbox (or its process isolation) away: refused."""

SAFE_VARS = ("PATH", "HOME", "TMPDIR", "LANG", "TZ", "FONTCONFIG_PATH")
"""The only variables a non-root worker passes on to Chromium."""


def browser_env(environ: dict[str, str] | os._Environ[str] | None = None) -> dict[str, str]:
    """The minimal environment Chromium starts with: :data:`SAFE_VARS` that are set, no others."""
    env = os.environ if environ is None else environ
    return {k: env[k] for k in SAFE_VARS if k in env}


def sandboxed_args(settings: BrowserSettings) -> list[str]:
    """``settings.args``. Raises ``ValueError`` if one of them is in :data:`SANDBOX_OFF`."""
    args = list(settings.args)
    if any(a.split("=", 1)[0] in SANDBOX_OFF for a in args):
        raise ValueError("browser.args would turn Chromium's sandbox off; run the worker unprivileged")
    return args


async def launch(pw: Playwright, settings: BrowserSettings, rules: str) -> Browser:
    """A new Chromium (sandboxed, unprivileged, minimal environment), pinned to ``rules``
    (``--host-resolver-rules``; empty: unpinned, for sessions of pre-issue-10 histories)."""
    args = sandboxed_args(settings)
    if rules:
        args.append(f"--host-resolver-rules={rules}")
    env: dict[str, str | float | bool]
    if os.geteuid() == 0:
        executable = str(WRAPPER)
        env = {
            "PATH": "/usr/bin:/bin:/usr/sbin:/sbin",
            "CHROMIUM_AS_USER": settings.run_as_user,
            "CHROMIUM_BINARY": settings.executable_path,
        }
    else:
        executable, env = settings.executable_path, dict(browser_env())
    return await pw.chromium.launch(
        executable_path=executable,
        headless=settings.headless,
        args=args,
        env=env,
        chromium_sandbox=True,
    )
