"""Browser tests: Playwright drives Debian's Chromium (/usr/bin/chromium) headless.

Playwright's sync API runs an event loop in the test thread; the ORM calls
the tests make there (creating data) are synchronous and safe, so Django's
async guard is lifted for these tests only.
"""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest

# Autouse: a Content-Security-Policy violation or an uncaught script error fails the test.
from tests.e2e.browser_errors import browser_errors  # noqa: F401

CHROMIUM = os.environ.get("SUANBEI_CHROMIUM", "/usr/bin/chromium")
# Without the background-networking flags Chromium keeps trying hosts this closed network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(
            f"{CHROMIUM} is missing: `make test` installs Debian's chromium package (apt-get install chromium)"
        )
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="suanbei-chromium-")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()
    shutil.rmtree(profile, ignore_errors=True)


# What the user waits for ("saved", a row, a URL) may take longer than
# Playwright's 5 s default on a loaded 2-core CI machine: assertions wait as
# long as actions do.
expect_timeout_ms = 15_000


@pytest.fixture(autouse=True, scope="session")
def _expect_waits_like_actions():
    from playwright.sync_api import expect

    expect.set_options(timeout=expect_timeout_ms)


@pytest.fixture
def page_factory(browser):
    contexts = []

    def make(locale: str = "zh-CN"):
        context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900})
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
