"""Two browsers, one filing in review: the lawyer approves only the version
she saw, and never while the checks report an error (issue 11)."""

import pytest
from playwright.sync_api import expect

from demo.workspace import DEMO_PASSWORD, DEMO_REVIEWER, DEMO_USERNAME, load_demo
from filings.choices import FilingStatus
from filings.models import Algorithm
from reviews.models import Decision
from tests.e2e.helpers import login as sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SEARCH = "示例新闻搜索算法"  # in review in the demo, asked of the lawyer


def login(page, base_url, username):
    sign_in(page, base_url, username, DEMO_PASSWORD)


def edit_detail(page, base_url, algorithm, field, text):
    """Type into a field of the detail step and wait for its autosave."""
    page.goto(f"{base_url}/w/demo/algorithms/{algorithm.pk}/edit/detail/")
    page.fill(f"textarea[name$='-{field}']", text)
    expect(page.locator("form[data-panel^='algorithm-detail-']")).to_have_attribute(
        "data-save-state", "saved"
    )


@pytest.fixture
def setting(live_server, page_factory):
    load_demo()
    algorithm = Algorithm.objects.get(name=SEARCH)
    filing = algorithm.filings.get()
    assert filing.status == FilingStatus.IN_REVIEW
    engineer, lawyer = page_factory(locale="en-US"), page_factory(locale="en-US")
    login(engineer, live_server.url, DEMO_USERNAME)
    login(lawyer, live_server.url, DEMO_REVIEWER)
    review_url = f"{live_server.url}/w/demo/filings/{filing.pk}/review/"
    return algorithm, filing, engineer, lawyer, review_url


def test_a_stale_approval_is_refused_and_shows_what_changed(live_server, setting):
    algorithm, filing, engineer, lawyer, review_url = setting

    # The lawyer reads the filing; the demo's open warnings need her acknowledgement.
    lawyer.goto(review_url)
    expect(lawyer.locator("#checks")).to_have_attribute("data-errors", "0")
    expect(lawyer.locator("#decision-form button[value=approve]")).to_be_enabled()

    # Meanwhile the engineer rewrites the usage scenario in his browser.
    new_text = "示例新闻APP和网站顶部的搜索框，以及搜索结果页的相关推荐。"
    edit_detail(engineer, live_server.url, algorithm, "usage_scenario", new_text)

    # Her approval, pressed on the page she read, is refused and shows the change.
    lawyer.check("#decision-form input[name=acknowledge_warnings]")
    lawyer.click("#decision-form button[value=approve]")
    expect(lawyer.locator("#approval-refused")).to_have_attribute("data-reason", "stale")
    diff = lawyer.locator("#stale-diff")
    expect(diff.locator("tr[data-pointer$='/usage_scenario']")).to_be_visible()
    expect(diff).to_contain_text("顶部的搜索框")
    filing.refresh_from_db()
    assert filing.status == FilingStatus.IN_REVIEW and filing.approved_version is None
    assert not Decision.objects.filter(review_request__filing=filing).exists()

    # Having seen it, she approves the version now shown.
    lawyer.check("#decision-form input[name=acknowledge_warnings]")
    lawyer.click("#decision-form button[value=approve]")
    expect(lawyer.locator("[data-decision=approve]")).to_be_visible()
    filing.refresh_from_db()
    assert filing.status == FilingStatus.APPROVED
    frozen = filing.approved_version.data["snapshot"]["providers"][0]["algorithms"][0]
    assert frozen["usage_scenario"] == new_text
    decision = Decision.objects.get(review_request__filing=filing)
    assert decision.acknowledged_warnings and decision.version == filing.approved_version


def test_approval_with_check_errors_is_refused(live_server, setting):
    algorithm, filing, engineer, lawyer, review_url = setting

    # The engineer empties a field the filing needs.
    edit_detail(engineer, live_server.url, algorithm, "strategy", "")

    # The lawyer sees the error, linked to the field, and no way to approve.
    lawyer.goto(review_url)
    checks = lawyer.locator("#checks")
    expect(checks).to_have_attribute("data-errors", "1")
    problem = checks.locator("li[data-severity=error][data-pointer$='/strategy']")
    expect(problem).to_be_visible()
    approve = lawyer.locator("#decision-form button[value=approve]")
    expect(approve).to_be_disabled()
    expect(lawyer.locator("#approve-blocked")).to_be_visible()

    # Pressed anyway (the button forced on, as a crafted request would), the server refuses.
    approve.evaluate("button => { button.disabled = false; }")
    approve.click()
    expect(lawyer.locator("#approval-refused")).to_have_attribute("data-reason", "errors")
    filing.refresh_from_db()
    assert filing.status == FilingStatus.IN_REVIEW and filing.approved_version is None

    # The link leads to the field in the wizard.
    lawyer.locator("#checks li[data-pointer$='/strategy'] a").click()
    expect(lawyer).to_have_url(f"{live_server.url}/w/demo/algorithms/{algorithm.pk}/edit/detail/"
                               f"#id_algorithm-detail-{algorithm.pk}-strategy")  # fmt: skip
    expect(lawyer.locator(f"#id_algorithm-detail-{algorithm.pk}-strategy")).to_be_visible()
