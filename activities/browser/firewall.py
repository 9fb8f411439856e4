"""The credential firewall (issue 10, part 3): where a ``{{credential.x}}`` placeholder may be
typed, and which AI actions need a person's confirmation. Pure rules over an :class:`Element`
(what one ``evaluate`` read of the target element); :mod:`.guarded` applies them in the page.

Rules, checked before anything is typed; a violation is a non-retryable ``CredentialBlocked``
naming the rule, never the value (the AI driver does not retry it: the operation fails closed):
- the TOTP seed (``totp_secret``) is never resolvable; ``{{credential.totp}}`` is its code;
- a key press never carries a credential;
- a credential resolves only when the page and the element's own document are on the
  credential's registered origin (``Session.origin``), and only in the top-level page
  (screenshot masks do not reach into frames);
- deterministic steps type only into the element the definition declares; AI steps also by kind:
  the password only into ``input[type=password]``, the username only into a text or email input
  of a form with a password field, the TOTP code only into the definition's ``totp_field``;
  any other credential field never.
An AI click or Enter that submits a form on a page the definition does not name raises
``ConfirmationRequired`` until a person confirmed it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

import ada_url
from temporalio.exceptions import ApplicationError

from core.failures import Failure
from core.targets import same_origin

SEED_FIELD = "totp_secret"
PUBLIC_FIELDS = frozenset({"username", "site_url"})
"""Credential fields that are not secret: typed only where the rules allow, but not scrubbed
from page text (the username is on every admin page)."""
SUBMIT_KEYS = frozenset({"Enter", "NumpadEnter"})


@dataclass(frozen=True)
class Element:
    """The target element as :data:`INSPECT_JS` reads it."""

    tag: str = ""
    type: str = ""
    """The element's ``type`` property: ``text`` for an input without one, ``submit`` for a button."""
    url: str = ""
    """The URL of the element's own document (a frame's, not the page's)."""
    framed: bool = False
    in_form: bool = False
    form_has_password: bool = False
    totp_field: bool = False
    """The element matches the definition's ``totp_field`` selector."""
    submit_control: bool = False
    """The element is (or is inside) a submit button or image input of a form."""
    holds_secret: bool = False
    """A password input, or an element the firewall tagged after typing a secret into it."""


def blocked(rule: str) -> ApplicationError:
    """The firewall's refusal: names the rule, never the value."""
    return ApplicationError(
        f"credential blocked: {rule}", type=Failure.CREDENTIAL_BLOCKED, non_retryable=True
    )


def precheck_rule(action: str, fields: Iterable[str]) -> str | None:
    """Rules that need no page: the seed, and credentials in key presses."""
    fields = list(fields)
    if SEED_FIELD in fields:
        return "the TOTP seed is never typed (use {{credential.totp}})"
    if fields and action == "press":
        return "a key press never carries a credential"
    return None


def origin_rule(origin: str | None, page_url: str, el: Element) -> str | None:
    """Credentials go only to their registered origin, in the top-level page."""
    if origin is None:
        return "the session has no registered origin"
    if not (same_origin(page_url, origin) and same_origin(el.url, origin)):
        return "the page is not on the credential's registered origin"
    if el.framed:
        return "credentials are typed only into the top-level page"
    return None


def kind_rule(field: str, el: Element, totp_field: str | None) -> str | None:
    """AI mode: whether credential ``field`` fits the element's kind."""
    if field == "password":
        ok = el.tag == "input" and el.type == "password"
        return None if ok else "the password goes only into a password field"
    if field == "username":
        ok = el.tag == "input" and el.type in ("text", "email") and el.form_has_password
        return None if ok else "the username goes only into a text or email field of a login form"
    if field == "totp":
        if not totp_field:
            return "the definition names no TOTP field"
        return None if el.totp_field else "the TOTP code goes only into the definition's TOTP field"
    return f"the credential's {field} field is not typed by the AI"


def check_credential_use(
    fields: Iterable[str],
    el: Element,
    *,
    mode: str,
    origin: str | None,
    page_url: str,
    totp_field: str | None,
) -> None:
    """Raise ``CredentialBlocked`` if any rule refuses typing ``fields`` into ``el``."""
    rule = origin_rule(origin, page_url, el)
    if rule is None and mode != "deterministic":
        rule = next((r for f in dict.fromkeys(fields) if (r := kind_rule(f, el, totp_field))), None)
    if rule is not None:
        raise blocked(rule)


def submits_form(action: str, key: str, el: Element) -> bool:
    """A click on a submit control, Enter or Space on one, or Enter in an input of a form."""
    last = key.split("+")[-1] if key else "Enter"
    if action == "click":
        return el.submit_control
    if action == "press" and last in SUBMIT_KEYS:
        return el.submit_control or (el.tag == "input" and el.in_form)
    if action == "press" and last in (" ", "Space"):
        return el.submit_control
    return False


def page_path(url: str) -> str:
    try:
        return ada_url.URL(url).pathname or "/"
    except ValueError:
        return "/"


def needs_confirmation(
    action: str, key: str, el: Element, *, named_paths: Iterable[str], origin: str | None
) -> bool:
    """An AI form submit on a page the definition does not name (by path, on the registered origin)."""
    if not submits_form(action, key, el):
        return False
    on_site = origin is None or same_origin(el.url, origin)
    return not (on_site and page_path(el.url) in set(named_paths))


def confirmation_required(action: str) -> ApplicationError:
    return ApplicationError(
        f"the AI's {action} would submit a form on a page the definition does not name: "
        "it waits for a person's confirmation",
        type=Failure.CONFIRMATION_REQUIRED,
        non_retryable=True,
    )


class _Secrets(Protocol):
    credential: dict[str, str]
    typed_secrets: list[str]


def secrets_of(s: _Secrets) -> list[str]:
    """Every secret of a session: the credential's secret fields and every secret value typed
    or extracted (TOTP codes included)."""
    return [v for k, v in s.credential.items() if k not in PUBLIC_FIELDS and v] + s.typed_secrets


def scrub(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret replaced by ``***`` (longest first, so none leaks in part)."""
    for s in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(s, "***")
    return text


INSPECT_JS = """(e, totp) => {
  const form = e.form || e.closest('form');
  const control = e.closest('button, input');
  let totpField = false;
  try { totpField = !!totp && e.matches(totp); } catch (_) {}
  return {
    tag: e.tagName.toLowerCase(),
    type: typeof e.type === 'string' ? e.type.toLowerCase() : '',
    url: e.ownerDocument.URL,
    framed: e.ownerDocument.defaultView !== e.ownerDocument.defaultView.top,
    in_form: !!form,
    form_has_password: !!form && [...form.elements].some((x) => x.type === 'password'),
    totp_field: totpField,
    submit_control: !!control && !!control.form && ['submit', 'image'].includes(control.type),
    holds_secret: e.type === 'password' || e.hasAttribute('data-omniops-secret'),
  };
}"""
"""One read of the target element for the rules above (run on its element handle)."""
