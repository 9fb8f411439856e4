"""``{{kind.name}}`` placeholders of definition data: HTTP sequences and stored-credential fields.

Kinds: ``credential.x`` (a credential's field), ``input.x`` (an operation input),
``steps.<step>.<var>`` (a value an earlier HTTP step extracted) and ``value`` (the value a browser
step extracted). The same syntax as the browser steps' placeholders (activities/browser/
placeholders.py); issue 15 Build 1. Rendering never logs; a missing name raises
:class:`TemplateError` naming the placeholder, never a value.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

PLACEHOLDER = re.compile(
    r"\{\{\s*(?:(credential|input)\.([A-Za-z_][A-Za-z0-9_]*)"
    r"|steps\.([a-z][a-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)|(value))\s*\}\}"
)
ANY_BRACES = re.compile(r"\{\{.*?\}\}")


class TemplateError(ValueError):
    """A placeholder names nothing known (the message names the placeholder only)."""


class Context:
    """What placeholders resolve to: ``credential``, ``input``, ``steps`` and ``value``."""

    def __init__(
        self,
        credential: Mapping[str, Any] | None = None,
        inputs: Mapping[str, str] | None = None,
        steps: Mapping[str, Mapping[str, str]] | None = None,
        value: str | None = None,
    ) -> None:
        self.credential = {k: str(v) for k, v in (credential or {}).items()}
        self.inputs = dict(inputs or {})
        self.steps = {k: dict(v) for k, v in (steps or {}).items()}
        self.value = value

    def secrets(self) -> list[str]:
        """Values never to report: the credential's fields, extracted values and ``value``."""
        out = [v for k, v in self.credential.items() if k not in ("username", "site_url") and v]
        out += [v for vs in self.steps.values() for v in vs.values() if v]
        return out + ([self.value] if self.value else [])


def references(template: str) -> Iterator[tuple[str, ...]]:
    """Each placeholder of ``template``: ("credential", x), ("input", x), ("steps", step, var) or
    ("value",). Raises TemplateError for a ``{{...}}`` that is none of these."""
    for m in ANY_BRACES.finditer(template):
        p = PLACEHOLDER.fullmatch(m.group(0))
        if p is None:
            raise TemplateError(f"unknown placeholder {m.group(0)}")
        if p.group(1):
            yield p.group(1), p.group(2)
        elif p.group(3):
            yield "steps", p.group(3), p.group(4)
        else:
            yield ("value",)


def render(template: str, ctx: Context) -> str:
    """``template`` with every placeholder substituted from ``ctx``."""
    list(references(template))  # every {{...}} is a known kind

    def sub(m: re.Match[str]) -> str:
        if m.group(1) == "credential":
            found = ctx.credential.get(m.group(2))
        elif m.group(1) == "input":
            found = ctx.inputs.get(m.group(2))
        elif m.group(3):
            found = ctx.steps.get(m.group(3), {}).get(m.group(4))
        else:
            found = ctx.value
        if found is None:
            raise TemplateError(f"{m.group(0)} has no value")
        return found

    return PLACEHOLDER.sub(sub, template)


def render_data(data: Any, ctx: Context) -> Any:
    """``render`` over every string of a JSON-like value (dicts, lists, scalars)."""
    if isinstance(data, str):
        return render(data, ctx)
    if isinstance(data, dict):
        return {k: render_data(v, ctx) for k, v in data.items()}
    if isinstance(data, list):
        return [render_data(v, ctx) for v in data]
    return data


def strings(data: Any) -> Iterator[tuple[str, str]]:
    """(location, string) of every string in a JSON-like value (for validation messages)."""
    if isinstance(data, str):
        yield "", data
    elif isinstance(data, dict):
        for k, v in data.items():
            for loc, s in strings(v):
                yield f".{k}{loc}", s
    elif isinstance(data, list):
        for i, v in enumerate(data):
            for loc, s in strings(v):
                yield f".{i}{loc}", s
