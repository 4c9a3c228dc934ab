"""Steps the browser tests share."""

import re

from tests.factories import PASSWORD as TEST_PASSWORD


def login(page, base_url, username, password=TEST_PASSWORD):
    """Sign in through the login form and wait for the page it leads to."""
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", password)
    page.click("[data-testid=login-form] [type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    page.wait_for_load_state()


def emailed_link(message, path_prefix: str) -> str:
    """The path of the link in an email (django.core.mail.outbox: the live
    server runs in the test's process) that starts with `path_prefix`."""
    match = re.search(rf"https?://[^/\s]+({re.escape(path_prefix)}\S*)", message.body)
    assert match, f"no {path_prefix} link in:\n{message.body}"
    return match.group(1)
