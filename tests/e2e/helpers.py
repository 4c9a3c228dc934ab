"""Steps the browser tests share."""

from tests.factories import PASSWORD as TEST_PASSWORD


def login(page, base_url, username, password=TEST_PASSWORD):
    """Sign in through the login form and wait for the page it leads to."""
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("[data-testid=login-form] [type=submit]")
    page.wait_for_load_state()
