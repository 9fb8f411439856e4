"""Run a connection test's HTTP sequence (workflows/operation/http_sequence.py; issue 15 Build 1).

Each request is rendered from its templates, joined to the site URL by the WHATWG standard
(ada-url), refused unless it stays on the site's origin, aimed at the session's vetted address
(``aim``: connection.pinned_request) and sent without following redirects. The sequence stops
at the first request whose expectations fail.

Secrets: rendered requests, response bodies and extracted values are never logged or returned;
a step's detail is its status, the name of the expectation that failed and the ``describe``
value, scrubbed of every secret in the context.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from http.cookies import SimpleCookie
from typing import Any

import ada_url
import httpx
import jsonpointer

from core.targets import TargetRefused, parse_origin
from core.templates import Context, render, render_data
from workflows.operation.http_sequence import ConnectionTest, HttpStep, StepOutcome

Aim = Callable[[str], tuple[str, dict[str, str], dict[str, Any]]]
"""URL -> (url to connect to, extra headers, httpx extensions); raises TargetRefused."""
MISSING = object()


def pointer(doc: Any, ptr: str) -> Any:
    """The value at JSON pointer ``ptr`` in ``doc``, or ``MISSING``."""
    try:
        return jsonpointer.resolve_pointer(doc, ptr)
    except (jsonpointer.JsonPointerException, TypeError):
        return MISSING


def set_cookies(r: httpx.Response) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    for raw in r.headers.get_list("set-cookie"):
        with contextlib.suppress(Exception):  # a malformed cookie from an untrusted site is ignored
            jar.load(raw)
    return {k: m.value for k, m in jar.items()}


def _request(step: HttpStep, ctx: Context, site_url: str) -> tuple[str, dict[str, Any]]:
    """(absolute url, httpx request kwargs). Raises TemplateError or TargetRefused."""
    url = ada_url.join_url(site_url, render(step.path, ctx))
    if parse_origin(url) != parse_origin(site_url):
        raise TargetRefused("origin", f"step {step.name} leaves the site's origin")
    kw: dict[str, Any] = {"headers": {k: render(v, ctx) for k, v in step.headers.items()}}
    if step.form is not None:
        kw["data"] = render_data(step.form, ctx)
    if step.json_body is not None:
        kw["json"] = render_data(step.json_body, ctx)
    if step.basic_auth is not None:
        kw["auth"] = (render(step.basic_auth.username, ctx), render(step.basic_auth.password, ctx))
    return url, kw


def _check(step: HttpStep, r: httpx.Response, body: Any) -> str | None:
    """The first expectation ``r`` fails (named, no value), or None."""
    if r.status_code not in step.expect.status:
        return "status" + (" (a redirect, not followed)" if r.is_redirect else "")
    for ptr in step.expect.json_present:
        if pointer(body, ptr) is MISSING:
            return f"json_present {ptr}"
    for ptr, want in step.expect.json_equals.items():
        if pointer(body, ptr) != want:
            return f"json_equals {ptr}"
    return None


def _extract(step: HttpStep, r: httpx.Response, body: Any) -> dict[str, str] | str:
    """The step's extracted values, or the name of the one that is missing."""
    out: dict[str, str] = {}
    cookies = set_cookies(r) if any(e.cookie for e in step.extract.values()) else {}
    for var, e in step.extract.items():
        if e.json_pointer is not None:
            found = pointer(body, e.json_pointer)
            value = None if found is MISSING or isinstance(found, dict | list) else found
        elif e.header is not None:
            value = r.headers.get(e.header)
        else:
            value = cookies.get(e.cookie or "")
        if value is None:
            return f"extract {var}"
        out[var] = str(value)
    return out


def _describe(step: HttpStep, body: Any, ctx: Context) -> str:
    if step.describe is None:
        return ""
    found = pointer(body, step.describe)
    if found is MISSING or isinstance(found, dict | list):
        return ""
    text = str(found)[:80]
    return "" if any(s and (s in text or text in s) for s in ctx.secrets()) else f" as {text}"


def run_sequence(
    test: ConnectionTest, site_url: str, ctx: Context, client: httpx.Client, aim: Aim
) -> list[StepOutcome]:
    """Every request up to the first that fails. Raises TemplateError (a placeholder without a
    value), TargetRefused (a request off the site's origin or pins) or httpx.HTTPError."""
    outcomes: list[StepOutcome] = []
    for step in test.steps:
        url, kw = _request(step, ctx, site_url)
        target, headers, extensions = aim(url)
        r = client.request(
            step.method, target, headers={**kw.pop("headers"), **headers}, extensions=extensions, **kw
        )
        try:
            body: Any = r.json()
        except ValueError:
            body = None
        failed = _check(step, r, body)
        extracted = _extract(step, r, body) if failed is None else {}
        if isinstance(extracted, str):
            failed, extracted = extracted, {}
        ctx.steps[step.name] = extracted
        detail = f"HTTP {r.status_code}" + (f", failed {failed}" if failed else _describe(step, body, ctx))
        outcomes.append(
            StepOutcome(name=step.name, status_code=r.status_code, passed=failed is None, detail=detail)
        )
        if failed:
            break
    return outcomes
