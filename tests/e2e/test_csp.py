"""Under the enforced Content-Security-Policy every main page loads without a
violation or an uncaught script error (tests/e2e/browser_errors.py fails the
test on either), and what used to be inline (confirmations, progress bars,
htmx's settings) still works from our static files."""

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from playwright.sync_api import expect

from demo.workspace import DEMO_REVIEWER, DEMO_USERNAME, load_demo
from filings.models import Algorithm, Filing
from filings.wizard import STEP_CODES
from workspaces.models import Membership

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_owner(live_server, page_factory):
    """The demo owner, signed in, and also a superuser so that the admin opens.

    The session is made here and handed to the browser: the sign-in pages
    are visited like any other page, not relied upon to get in."""
    workspace = load_demo()
    user = get_user_model().objects.get(username=DEMO_USERNAME)
    user.is_staff = user.is_superuser = True
    user.save(update_fields=["is_staff", "is_superuser"])
    page = page_factory(locale="zh-CN")
    for name in ("account_login", "account_signup", "account_reset_password"):
        visit(page, f"{live_server.url}{reverse(name)}")
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": session.key, "value": session.value, "url": live_server.url}]
    )
    return page, workspace


def visit(page, url):
    """Open a page and wait until its htmx requests (sidebars, summaries) are answered."""
    response = page.goto(url)
    assert response is not None and response.ok, url
    page.wait_for_load_state("networkidle")


def test_the_main_pages_load_under_the_policy(live_server, demo_owner):
    page, workspace = demo_owner
    base = f"{live_server.url}/w/{workspace.slug}"
    algorithm = Algorithm.objects.filter(workspace=workspace).order_by("pk").first()
    filing = Filing.objects.filter(algorithm__workspace=workspace).order_by("pk").first()
    pages = [
        f"{base}/",
        f"{base}/algorithms/{algorithm.pk}/",
        *(f"{base}/algorithms/{algorithm.pk}/edit/{step}/" for step in STEP_CODES),
        f"{base}/algorithms/{algorithm.pk}/assessment/",
        f"{base}/algorithms/{algorithm.pk}/copy-sheet/",
        f"{base}/algorithms/{algorithm.pk}/history/",
        f"{base}/filings/{filing.pk}/review/",
        f"{base}/activity/",
        f"{base}/members/",
        f"{base}/documents/algorithms/{algorithm.pk}/",
        f"{live_server.url}/registry/",
        *(
            f"{live_server.url}{reverse(name)}"
            for name in ("account_email", "account_change_password", "mfa_index")
        ),
        f"{live_server.url}/admin/",
        f"{live_server.url}/admin/filings/algorithm/{algorithm.pk}/change/",
        f"{live_server.url}/admin/filings/provider/{algorithm.provider_id}/change/",
        f"{live_server.url}/admin/workspaces/workspace/{workspace.pk}/change/",
        f"{live_server.url}/admin/workdays/calendarday/",
    ]
    for url in pages:
        visit(page, url)

    # The header is the enforced one on what the live server answers.
    response = page.goto(f"{base}/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert "content-security-policy-report-only" not in response.headers
    # htmx runs without eval and without the <style> it would inject.
    assert page.evaluate("[htmx.config.includeIndicatorStyles, htmx.config.allowEval]") == [
        False,
        False,
    ]
    # Progress bars carry their value as an attribute, not as an inline width.
    bar = page.locator("#algorithms progress.sb-progress").first
    expect(bar).to_have_attribute("max", "100")
    assert 0 < bar.evaluate("el => el.position") <= 1


def test_removing_a_member_asks_first(live_server, demo_owner):
    """data-confirm (static JS) replaced the inline onsubmit="return confirm(…)"."""
    page, workspace = demo_owner
    visit(page, f"{live_server.url}/w/{workspace.slug}/members/")
    reviewer = Membership.objects.get(workspace=workspace, user__username=DEMO_REVIEWER)
    remove = page.locator(f"form[action$='/members/{reviewer.pk}/remove/'] [type=submit]")

    questions = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    remove.click()
    expect(remove).to_be_visible()  # dismissed: still on the page, nothing posted
    assert questions == ["确定将此成员移出工作区？"]
    assert Membership.objects.filter(pk=reviewer.pk).exists()

    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        remove.click()
    expect(page.locator(f"form[action$='/members/{reviewer.pk}/remove/']")).to_have_count(0)
    assert not Membership.objects.filter(pk=reviewer.pk).exists()


def test_a_violation_fails_the_test(live_server, demo_owner, browser_errors):
    """The watcher hears what the policy refuses: a style attribute put in by markup."""
    page, workspace = demo_owner
    visit(page, f"{live_server.url}/w/{workspace.slug}/")
    with page.expect_console_message(lambda m: "Content Security Policy" in m.text):
        page.evaluate(
            "document.body.insertAdjacentHTML('beforeend', '<p style=\"color: red\">x</p>')"
        )
    assert any("style-src" in seen for seen in browser_errors.seen)
    browser_errors.seen.clear()  # seen on purpose: this test passes
