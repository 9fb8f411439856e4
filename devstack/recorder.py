"""The recorder: a Playwright Python script (as ``playwright codegen --target python`` writes it, or
a hand-written E2E test) becomes a draft operation definition: the seeds' "workflows extracted
from E2E tests" (seed 001, Workflow Registry).

    uv run python -m devstack.recorder script.py --service wordpress --operation x > x.yaml

It reads the script's syntax tree (nothing is executed):
- ``page.goto(url)`` -> navigate (the path; the first URL's origin is the site);
- ``page.locator(s).fill(v)`` / ``page.fill(s, v)`` -> fill, likewise click, press, select_option;
  ``page.get_by_role(r, name=n)`` / ``get_by_text(t)`` / ``get_by_label(l)`` -> Playwright selectors;
- ``expect(page.locator(s)).to_be_visible()`` / ``page.wait_for_selector(s)`` -> the previous step's
  expected result;
- ``x = page.locator(s).input_value()`` (or ``inner_text()``) -> extract, stored in Vault as ``x``.
Typed literals into password-like fields become ``{{credential.password}}`` and the field before
it ``{{credential.username}}``, so no secret is copied into the definition; the click that
follows the password is marked as a checkpoint. Review the intents before committing.
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from typing import Any
from urllib.parse import urlsplit

import yaml

from workflows.operation.definition import OperationDefinition

ACTIONS = {"fill": "fill", "click": "click", "press": "press", "select_option": "select"}
SECRET_FIELD = re.compile(
    r"(pass(word)?|pwd|secret)(?![a-z_])", re.I
)  # #user_pass, #pass1; not password_name
USER_FIELD = re.compile(r"user|login|email", re.I)


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
    return None


def record(source: str, service: str, operation: str, credential: str = "admin") -> OperationDefinition:
    """Convert a Playwright script to a definition. Raises RecorderError when nothing usable is found."""
    steps: list[dict[str, Any]] = []
    site: str | None = None
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
            parts = urlsplit(url)
            site = site or f"{parts.scheme}://{parts.netloc}"
            steps.append(
                {
                    "intent": f"Open {parts.path or '/'}",
                    "action": "navigate",
                    "target": (parts.path or "/") + (f"?{parts.query}" if parts.query else ""),
                }
            )
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
            steps.append(
                {
                    "intent": f"Extract {target_var} into Vault",
                    "action": "extract",
                    "target": sel,
                    "store_as": target_var,
                }
            )
        elif meth in ACTIONS:
            sel = _selector(owner)
            args = call.args
            if sel is None and isinstance(owner, ast.Name) and args:  # page.fill("#x", "v")
                sel, args = _str(args[0]), args[1:]
            if not sel:
                continue
            step: dict[str, Any] = {
                "intent": f"{ACTIONS[meth].capitalize()} {sel}",
                "action": ACTIONS[meth],
                "target": sel,
            }
            if meth != "click" and args:
                step["value"] = _str(args[0]) or ""
            steps.append(step)
    if not steps:
        raise RecorderError("no Playwright page actions found in the script")
    _placeholders(steps)
    return OperationDefinition.model_validate(
        {
            "service": service,
            "operation": operation,
            "version": 1,
            "credential": credential,
            "description": f"Recorded from a Playwright script (draft; site {site or 'unknown'}): "
            "review the intents.",
            "permissions": [f"{operation}"],
            "inputs": ["site_url"],
            "mask": ["input[type=password]", *(s["target"] for s in steps if s["action"] == "extract")],
            "steps": steps,
        }
    )


def _placeholders(steps: list[dict[str, Any]]) -> None:
    """Replace typed secrets by credential placeholders; mark the login submit as a checkpoint."""
    for i, s in enumerate(steps):
        if s["action"] == "fill" and SECRET_FIELD.search(s["target"]):
            s["value"] = "{{credential.password}}"
            for prev in reversed(steps[:i]):
                if (
                    prev["action"] == "fill"
                    and USER_FIELD.search(prev["target"])
                    and not SECRET_FIELD.search(prev["target"])
                ):
                    prev["value"] = "{{credential.username}}"
                    break
            nxt = next((n for n in steps[i + 1 :] if n["action"] == "click"), None)
            if nxt is not None:
                nxt["checkpoint"] = True


def to_yaml(d: OperationDefinition) -> str:
    text: str = yaml.safe_dump(
        {"schema_version": 1, **d.model_dump(mode="json", exclude_defaults=True)}, sort_keys=False
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
        d = record(fh.read(), a.service, a.operation, a.credential)
    yaml.safe_dump(
        d.model_dump(mode="json", exclude_defaults=True) | {"schema_version": 1}, sys.stdout, sort_keys=False
    )


if __name__ == "__main__":
    main()
