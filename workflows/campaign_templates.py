"""Campaign subject and body templates (seed 004 P1.2 "template system"): a tiny, explicit
substitution, never an expression language.

Pure: no I/O. A placeholder is ``{{name}}`` or ``{{name|fallback}}`` (spaces around the parts are
ignored); ``name`` is one of :data:`PLACEHOLDERS`. ``fallback`` is literal text (no braces or
``|``), used when the value is empty: ``Hello {{contact.first_name|there}}``. Substitution is one
pass, so a value that itself looks like a placeholder is inserted as text, never expanded.
Values have their control characters (CR, LF, tabs...) replaced by spaces, so a contact's name
cannot add a header line to a subject.

The records API validates a campaign's templates at create time with :func:`unknown`; the
broadcast runner renders them per contact with :func:`render`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

PLACEHOLDERS: tuple[str, ...] = ("contact.name", "contact.first_name", "account.name")
"""Every placeholder a template may use: the contact's full name, its first word, the name of the
contact's account (empty when the contact has none)."""

PATTERN = re.compile(r"\{\{\s*([^{}|]*?)\s*(?:\|\s*([^{}|]*?)\s*)?\}\}")
"""``{{ name }}`` or ``{{ name | fallback }}``; group 1 the name, group 2 the fallback."""
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")


class TemplateError(ValueError):
    """A template uses a placeholder outside :data:`PLACEHOLDERS`; ``names`` lists them."""

    def __init__(self, names: list[str]) -> None:
        self.names = names
        super().__init__("unknown placeholder(s): " + ", ".join("{{" + n + "}}" for n in names))


def placeholders(template: str | None) -> list[str]:
    """The placeholder names ``template`` uses, each once, in order of first use (``[]`` for
    None or no placeholder). Example: ``"Hi {{ contact.name }}"`` -> ``["contact.name"]``."""
    out: list[str] = []
    for m in PATTERN.finditer(template or ""):
        if m.group(1) not in out:
            out.append(m.group(1))
    return out


def unknown(template: str | None) -> list[str]:
    """The placeholder names in ``template`` that are not in :data:`PLACEHOLDERS` (``[]`` when
    every one is known): what a create or update must refuse, naming the field."""
    return [n for n in placeholders(template) if n not in PLACEHOLDERS]


def values_for(contact_name: str | None, account_name: str | None) -> dict[str, str]:
    """The placeholder values of one contact: ``contact.first_name`` is the first word of its name."""
    name = (contact_name or "").strip()
    return {
        "contact.name": name,
        "contact.first_name": name.split()[0] if name else "",
        "account.name": (account_name or "").strip(),
    }


def render(template: str, values: Mapping[str, str]) -> str:
    """``template`` with every placeholder replaced by its value from ``values`` (missing or empty:
    the placeholder's fallback, else ""), control characters in values replaced by a space.

    Raises:
        TemplateError: a placeholder is not in :data:`PLACEHOLDERS` (nothing is rendered).
    """
    bad = unknown(template)
    if bad:
        raise TemplateError(bad)

    def one(m: re.Match[str]) -> str:
        value = _CONTROL.sub(" ", values.get(m.group(1)) or "").strip()
        return value or (m.group(2) or "")

    return PATTERN.sub(one, template)
