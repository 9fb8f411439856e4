"""The recorder: a Playwright Python script (as ``playwright codegen --target python`` writes it, or
a hand-written E2E test) becomes a draft operation definition: the seeds' "workflows extracted
from E2E tests" (seed 001, Workflow Registry).

    uv run python -m devstack.recorder script.py --service wordpress --operation x > x.yaml

It reads the script's syntax tree (nothing is executed):
- ``page.goto(url)`` -> navigate (the path; the first URL's origin is the site);
- ``page.locator(s).fill(v)`` / ``page.fill(s, v)`` -> fill (so do ``type``, ``press_sequentially``),
  likewise click, press, select_option; ``page.get_by_role(r, name=n)`` / ``get_by_text(t)`` /
  ``get_by_label(l)`` / ``get_by_placeholder`` / ``get_by_test_id`` / ``get_by_title`` -> selectors;
- ``expect(page.locator(s)).to_be_visible()`` / ``page.wait_for_selector(s)`` -> the previous step's
  expected result;
- ``x = page.locator(s).input_value()`` (or ``inner_text()``) -> extract, stored in Vault as ``x``.
No secret reaches the draft (issue 10, "the recorder keeps secrets out of drafts"): URLs lose
their user info, fragment and secret query parameters (:mod:`devstack.recorder_urls`); typed
passwords, one-time codes, other secret fields and secret-shaped literals become placeholders
(:mod:`devstack.recorder_redact`, the rules in :mod:`devstack.recorder_secrets`), noted in the
draft's description. Review the intents before committing.
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
from typing import Any

import yaml

from devstack.recorder_redact import SCRUB_MIN, redact
from devstack.recorder_urls import SecretInPath, clean_url
from workflows.operation.definition import OperationDefinition

ACTIONS = {
    "fill": "fill",
    "type": "fill",
    "press_sequentially": "fill",
    "click": "click",
    "press": "press",
    "select_option": "select",
}
ATTRIBUTES = {"get_by_placeholder": "placeholder", "get_by_test_id": "data-testid", "get_by_title": "title"}


class RecorderError(ValueError):
    pass


def _str(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _selector(node: ast.AST) -> str | None:
    """The selector of ``page.locator(...)``/``page.get_by_*(...)`` (possibly chained with ``.first``)."""
    if isinstance(node, ast.Attribute) and node.attr == "first":
        return _selector(node.value)
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
        return None
    name, args = node.func.attr, node.args
    kw = {k.arg: _str(k.value) for k in node.keywords}
    if name == "locator" and args:
        return _str(args[0])
    if name == "get_by_role" and args:
        return f"role={_str(args[0])}" + (f'[name="{kw["name"]}"]' if kw.get("name") else "")
    if name == "get_by_text" and args:
        return f"text={_str(args[0])}"
    if name == "get_by_label" and args:
        return f'internal:label="{_str(args[0])}"'
    if name in ATTRIBUTES and args:
        return f'[{ATTRIBUTES[name]}="{_str(args[0])}"]'
    return None


def record(source: str, service: str, operation: str, credential: str = "admin") -> OperationDefinition:
    """Convert a Playwright script to a definition. Raises RecorderError when nothing usable is found."""
    steps: list[dict[str, Any]] = []
    site: str | None = None
    notes: list[str] = []
    url_secrets: set[str] = set()
    statements = sorted(
        (n for n in ast.walk(ast.parse(source)) if isinstance(n, (ast.Expr, ast.Assign))),
        key=lambda n: (n.lineno, n.col_offset),
    )  # source order, whatever the nesting
    for node in statements:
        call, target_var = None, None
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            call = node.value
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and len(node.targets) == 1:
            call, target_var = node.value, getattr(node.targets[0], "id", None)
        if call is None or not isinstance(call.func, ast.Attribute):
            continue
        meth, owner = call.func.attr, call.func.value
        if meth == "goto" and call.args and (url := _str(call.args[0])):
            try:
                clean = clean_url(url, site)
            except SecretInPath:  # which segment is secret is a guess: the whole URL goes
                notes.append("a navigation dropped: its path held a secret-shaped literal")
                continue
            except ValueError:
                notes.append("a navigation dropped: its URL could not be parsed")
                continue
            site = site or clean.origin
            url_secrets |= clean.secrets
            if clean.dropped:
                notes.append(f"navigate {clean.target}: {', '.join(clean.dropped)} dropped")
            path = clean.target.partition("?")[0]
            steps.append({"intent": f"Open {path}"[:200], "action": "navigate", "target": clean.target})
        elif meth in ("to_be_visible", "wait_for_selector") and steps:
            inner = (
                owner.args[0]
                if meth == "to_be_visible" and isinstance(owner, ast.Call) and owner.args
                else None
            )
            sel = _selector(inner) if inner is not None else (_str(call.args[0]) if call.args else None)
            if sel:
                steps[-1]["expected"] = sel
        elif meth in ("input_value", "inner_text") and target_var and (sel := _selector(owner)):
            extract = {"intent": f"Extract {target_var} into Vault", "action": "extract", "target": sel}
            steps.append(extract | {"store_as": target_var})
        elif meth in ACTIONS:
            sel = _selector(owner)
            args = call.args
            if sel is None and isinstance(owner, ast.Name) and args:  # page.fill("#x", "v")
                sel, args = _str(args[0]), args[1:]
            if not sel:
                continue
            step: dict[str, Any] = {
                "intent": f"{ACTIONS[meth].capitalize()} {sel}"[:200],
                "action": ACTIONS[meth],
                "target": sel,
            }
            if meth != "click" and args:
                step["value"] = _str(args[0]) or ""
            steps.append(step)
    if not steps:
        raise RecorderError("no Playwright page actions found in the script")
    r = redact(steps, url_secrets)
    review = "; ".join(notes + r.notes)
    draft = OperationDefinition.model_validate(
        {
            "service": service,
            "operation": operation,
            "version": 1,
            "credential": credential,
            "description": f"Recorded from a Playwright script (draft; site {site or 'unknown'}): "
            "review the intents." + (f" Secrets removed: {review}." if review else ""),
            "permissions": [f"{operation}"],
            "inputs": ["site_url", *r.inputs],
            "mask": [
                "input[type=password]",
                *r.mask,
                *(s["target"] for s in r.steps if s["action"] == "extract"),
            ],
            "totp_field": r.totp_field,
            "steps": r.steps,
        }
    )
    _never_leaks(draft, set(r.secrets) | url_secrets)
    return draft


def _never_leaks(draft: OperationDefinition, removed: set[str]) -> None:
    """The last guard: no removed literal long enough to search is anywhere in the draft."""
    text = draft.model_dump_json()
    forms = {f for x in removed if len(x) >= SCRUB_MIN for f in (x, json.dumps(x, ensure_ascii=False)[1:-1])}
    if any(f in text for f in forms):
        raise RecorderError("a removed secret is still in the draft; record without it")


def to_yaml(d: OperationDefinition) -> str:
    text: str = yaml.safe_dump(
        {"schema_version": 1, **d.model_dump(mode="json", exclude_defaults=True)},
        sort_keys=False,
        allow_unicode=True,
    )
    return text


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("script")
    p.add_argument("--service", required=True)
    p.add_argument("--operation", required=True)
    p.add_argument("--credential", default="admin")
    a = p.parse_args()
    with open(a.script) as fh:
        sys.stdout.write(to_yaml(record(fh.read(), a.service, a.operation, a.credential)))


if __name__ == "__main__":
    main()
