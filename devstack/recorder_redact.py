"""The recorder's secret pass over draft steps (issue 10, "the recorder keeps secrets out of
drafts"): every typed secret becomes a placeholder, and no removed literal survives anywhere.

For each ``fill``/``select`` (and a ``press`` whose key is a secret-shaped literal):
- a password field (``input[type=password]``, or a name in the password list of
  :mod:`devstack.recorder_secrets`) -> ``{{credential.password}}``; the nearest earlier fill on
  the same page into a username/e-mail field -> ``{{credential.username}}`` (the recorder sees no
  form, so this is its reading of "the text field of the form with the password"; other
  usernames are left alone); the next click is the login submit and becomes a checkpoint;
- a one-time-code field (``otp``, ``Bestätigungscode``, ``code de vérification``...) ->
  ``{{credential.totp}}``, the code made from the credential's TOTP seed; the first one becomes
  the definition's ``totp_field``;
- any other secret field (``api_key``, ``token``, ``PIN``...) or a secret-shaped literal typed
  into a plain field -> ``{{input.<field name>}}``, the name added to ``inputs``. Chosen over
  dropping so the draft still runs; the reviewer may move a long-lived secret into the
  credential (``{{credential.<name>}}``).
Each replacement is noted (field and placeholder only) in the draft's description.

Then every removed literal of :data:`SCRUB_MIN` characters or more (typed values, URL passwords
and secret query values) is searched in every step: a value holding one gets its placeholder,
an ``expected`` selector holding one is cleared and a step whose target holds one is dropped.
Shorter literals are not searched (``max`` or a 4-digit PIN would match unrelated selectors).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from devstack.recorder_secrets import field_kind, input_name, secret_literal, user_field

SCRUB_MIN = 6
PLACEHOLDER = {"password": "{{credential.password}}", "otp": "{{credential.totp}}"}


@dataclass
class Redaction:
    steps: list[dict[str, Any]]
    inputs: list[str] = field(default_factory=list)
    mask: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    totp_field: str | None = None
    secrets: dict[str, str] = field(default_factory=dict)
    """Removed literal -> the placeholder that replaced it."""


def _username_before(steps: list[dict[str, Any]], i: int) -> None:
    for prev in reversed(steps[:i]):
        if prev["action"] == "navigate":
            return
        value = prev.get("value") or ""
        if prev["action"] == "fill" and value and "{{" not in value and user_field(prev["target"]):
            if field_kind(prev["target"]) is None:
                prev["value"] = "{{credential.username}}"
                return


def _input(r: Redaction, target: str) -> str:
    name = input_name(target)
    r.inputs += [name] if name not in r.inputs else []
    return f"{{{{input.{name}}}}}"


def _replace(r: Redaction, i: int) -> bool:
    s = r.steps[i]
    value, target = s.get("value") or "", s["target"]
    kind = field_kind(target) if s["action"] != "press" else None
    if not value or (kind is None and not secret_literal(value)):
        return False
    if kind in PLACEHOLDER:
        s["value"] = PLACEHOLDER[kind]
        if kind == "password":
            _username_before(r.steps, i)
            nxt = next((n for n in r.steps[i + 1 :] if n["action"] == "click"), None)
            if nxt is not None:
                nxt["checkpoint"] = True
        elif r.totp_field is None:
            r.totp_field = target
    else:
        s["value"] = _input(r, target)
    r.secrets[value] = s["value"]
    r.mask += [target] if target not in r.mask else []
    why = "secret field" if kind else "secret-shaped literal"
    r.notes.append(f"{s['action']} {target}: typed value ({why}) -> {s['value']}")
    return True


def redact(steps: list[dict[str, Any]], url_secrets: set[str]) -> Redaction:
    """Replace typed secrets in ``steps`` (see the module docstring); ``url_secrets`` are the
    literals already removed from navigations."""
    r = Redaction(steps=steps)
    typed = ("fill", "select", "press")
    done = {id(s) for i, s in enumerate(steps) if s["action"] in typed and _replace(r, i)}
    removed = {u: "" for u in url_secrets} | r.secrets  # "": no placeholder yet, an input is made
    removed = {k: v for k, v in removed.items() if len(k) >= SCRUB_MIN}
    kept = []
    for s in steps:
        if any(x in s["target"] for x in removed):
            r.notes.append(f"a {s['action']} step dropped: its target held a removed secret")
            continue
        if s.get("expected") and any(x in s["expected"] for x in removed):
            del s["expected"]
            r.notes.append(f"{s['action']} {s['target']}: expected selector held a removed secret; cleared")
        value = s.get("value") or ""
        if id(s) not in done and (hit := next((x for x in removed if x in value), None)):
            s["value"] = removed[hit] or _input(r, s["target"])
            r.notes.append(f"{s['action']} {s['target']}: typed value held a removed secret -> {s['value']}")
        kept.append(s)
    r.steps = kept
    return r
