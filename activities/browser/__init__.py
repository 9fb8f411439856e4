"""Browser session activities (Playwright over Debian Chromium), one browser per worker process.

- :mod:`.sessions`: the activities (``open_session``, ``run_step``, ``observe_page``,
  ``close_session``) on :class:`BrowserSessions`;
- :mod:`.pool`: the browser and the open sessions of this worker;
- :mod:`.actions`: one definition step on a page; :mod:`.placeholders`: credential and input
  placeholders resolved from the session's in-memory credential; :mod:`.firewall` (rules) and
  :mod:`.guarded` (in the page): the credential firewall; :mod:`.navigation`: the origin allowlist;
- :mod:`.screenshots`: masked, encrypted screenshots and what the AI may see of a page.
"""

from activities.browser.sessions import BrowserSessions

__all__ = ["BrowserSessions"]
