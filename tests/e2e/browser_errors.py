"""Browser tests fail on a Content-Security-Policy violation or an uncaught script error.

Chromium logs each violation as a console error ("Refused to … because it
violates the following Content Security Policy directive …", with
"[Report Only]" in front under a report-only policy). The listeners sit on
every browser context a test opens, so they hear every page of it, popups
included; a test that saw any fails at teardown with what was seen.

Used by tests/e2e/conftest.py and by the browser tests elsewhere
(tests/documents/test_browser.py) by importing the fixture.
"""

from __future__ import annotations

import pytest


class BrowserErrors:
    """What the pages of one test reported."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def watch(self, context):
        context.on("console", self._console)
        context.on("weberror", self._uncaught)
        return context

    def _console(self, message) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            where = message.location.get("url") or (message.page.url if message.page else "")
            self.seen.append(f"{message.text} [{where}]")

    def _uncaught(self, error) -> None:
        where = error.page.url if error.page else ""
        self.seen.append(f"uncaught error: {error.error} [{where}]")


@pytest.fixture(autouse=True)
def browser_errors(monkeypatch):
    """Watches every context the test opens (Browser.new_context, Browser.new_page)."""
    from playwright.sync_api import Browser

    errors = BrowserErrors()
    new_context, new_page = Browser.new_context, Browser.new_page

    def watched_context(self, *args, **kwargs):
        return errors.watch(new_context(self, *args, **kwargs))

    def watched_page(self, *args, **kwargs):
        page = new_page(self, *args, **kwargs)
        errors.watch(page.context)
        return page

    monkeypatch.setattr(Browser, "new_context", watched_context)
    monkeypatch.setattr(Browser, "new_page", watched_page)
    yield errors
    if errors.seen:
        pytest.fail("The browser reported:\n" + "\n".join(errors.seen), pytrace=False)
