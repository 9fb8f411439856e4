"""Screenshots and what the AI may see of a page.

Screenshots are JPEGs with the session's secret fields masked black, stored encrypted in the
object store; only their keys leave the activity. Masked: the definition's ``mask`` selectors,
and, whatever it says, every element that received a secret (``Session.secret_selectors`` and
the ``data-omniops-secret`` tag the firewall puts on it). The AI sees a masked screenshot, the
page's interactive elements (selectors and labels, never field values) and its visible text,
with every session secret scrubbed from both; a browser error page reads as unreachable (no
network detail).
"""

from __future__ import annotations

import asyncio

from playwright.async_api import Locator
from temporalio import activity

from activities.browser.firewall import page_path, scrub, secrets_of
from activities.browser.guarded import SECRET_ATTRIBUTE
from activities.browser.navigation import UNREACHABLE
from activities.browser.pool import Session
from core.objectstore import ObjectStore
from workflows.operation.browser_messages import Observation, ObserveInput, PageElement, StepInput

ERROR_PAGE = "chrome-error:"
"""Chromium's network error page (it shows the error code)."""
BLACKOUT = "html { background: #000 !important; } body { visibility: hidden !important; }"


def masked(s: Session) -> list[str]:
    """The selectors masked on the session's screenshots now."""
    return list(dict.fromkeys([*s.mask, *s.secret_selectors, f"[{SECRET_ATTRIBUTE}]"]))


async def shoot(store: ObjectStore, s: Session, key: str) -> str:
    """A masked JPEG of the page, stored (encrypted) under ``key``; returns the key."""
    union: Locator | None = None
    for m in masked(s):  # never empty: the secret attribute is always masked
        union = s.page.locator(m) if union is None else union.or_(s.page.locator(m))
    shot = await s.page.screenshot(
        type="jpeg",
        quality=70,
        mask=[union] if union is not None else [],  # one query for every masked element
        mask_color="#000000",
        style=BLACKOUT if s.page.url.startswith(ERROR_PAGE) else None,  # it names the network error
        timeout=10_000,
    )
    return await asyncio.to_thread(store.put, key, shot)  # the keyring may come from Vault: off the loop


async def step_screenshot(store: ObjectStore, s: Session, inp: StepInput, failed: bool = False) -> str:
    """``{tenant}/{operation}/step-NN-a{attempt}-t{activity attempt}[-failed].jpg``."""
    suffix = "-failed" if failed else ""
    key = (
        f"{inp.tenant_id}/{inp.operation_id}/step-{inp.step_number:02d}-a{inp.attempt}"
        f"-t{activity.info().attempt}{suffix}.jpg"
    )
    return await shoot(store, s, key)


async def observe(store: ObjectStore, s: Session, inp: ObserveInput) -> Observation:
    """The masked screenshot's key, up to 150 interactive elements and 3000 characters of text."""
    key = await shoot(
        store, s, f"{inp.tenant_id}/{inp.operation_id}/step-{inp.step_number:02d}-a{inp.attempt}-observe.jpg"
    )
    if s.page.url.startswith(ERROR_PAGE):  # Chromium's error page names the network error
        return Observation(screenshot_key=key, path="/", elements=[], page_text=UNREACHABLE)
    elements = await s.page.evaluate(ELEMENTS_JS)
    text = await s.page.evaluate("() => (document.body ? document.body.innerText : '').slice(0, 6000)")
    secrets = secrets_of(s)
    return Observation(
        screenshot_key=key,
        path=page_path(s.page.url),
        elements=[
            PageElement.model_validate(
                {**e, "selector": scrub(e["selector"], secrets), "text": scrub(e["text"], secrets)[:80]}
            )
            for e in elements
        ],
        page_text=scrub(text, secrets)[:3000],  # cut after scrubbing: no secret leaks in part
    )


ELEMENTS_JS = """() => {
  const path = (e) => {
    if (e.id) return '#' + CSS.escape(e.id);
    if (e.name) return e.tagName.toLowerCase() + '[name="' + e.name + '"]';
    const parts = [];
    for (let n = e; n && n.nodeType === 1 && parts.length < 6; n = n.parentElement) {
      if (n.id) { parts.unshift('#' + CSS.escape(n.id)); break; }
      let i = 1;
      for (let p = n.previousElementSibling; p; p = p.previousElementSibling) {
        if (p.tagName === n.tagName) i++;
      }
      parts.unshift(n.tagName.toLowerCase() + ':nth-of-type(' + i + ')');
    }
    return parts.join(' > ');
  };
  const out = [];
  // form controls first, then links: admin menus would otherwise crowd out the form
  const all = [...document.querySelectorAll('button,input,select,textarea,[role=button]'),
               ...document.querySelectorAll('a')];
  for (const e of all) {
    const r = e.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || e.type === 'hidden') continue;
    const isButton = ['submit', 'button', 'reset'].includes(e.type);
    const label = (e.labels && e.labels[0] ? e.labels[0].innerText : '')
      || e.getAttribute('aria-label') || e.getAttribute('placeholder') || (isButton ? e.value : '')
      || (e.tagName === 'INPUT' ? '' : e.innerText) || '';
    out.push({selector: path(e), tag: e.tagName.toLowerCase(), type: e.type || null,
              text: label.trim().slice(0, 400)});
    if (out.length >= 150) break;
  }
  return out;
}"""
