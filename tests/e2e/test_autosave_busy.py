"""The server answers an autosave with 503 and Retry-After when the database
stays locked (config.database_busy). The page keeps what was typed, says it
is retrying (data-save-state="retrying", never "saved" before the server has
it), sends it again after Retry-After and ends saved, with the value stored.

The 503 is the browser's side of the story, so it is played by page.route;
the server side is tested against a real lock in tests/config/test_database_busy.py.
"""

import pytest
from playwright.sync_api import expect

from filings.models import Algorithm
from tests.e2e.helpers import login
from tests.factories import AlgorithmFactory, DeploymentFactory, MembershipFactory, UserFactory
from workspaces.models import Role

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PANEL = "form[data-panel^='algorithm-detail-']"


@pytest.fixture
def algorithm(live_server):
    algorithm = DeploymentFactory(algorithm=AlgorithmFactory(name="繁忙测试算法")).algorithm
    MembershipFactory(
        workspace=algorithm.workspace, user=UserFactory(username="editor"), role=Role.EDITOR
    )
    return algorithm


def test_a_503_with_retry_after_is_sent_again_and_ends_saved(live_server, page_factory, algorithm):
    page = page_factory(locale="en-US")
    login(page, live_server.url, "editor")
    seen = []

    def busy_once(route):
        seen.append(route.request.method)
        if len(seen) == 1:
            route.fulfill(
                status=503,
                headers={"Retry-After": "1", "Content-Type": "text/plain"},
                body="busy",
            )
        else:
            route.continue_()

    page.route("**/panels/algorithm-detail/**", busy_once)
    page.goto(
        f"{live_server.url}/w/{algorithm.workspace.slug}/algorithms/{algorithm.pk}/edit/detail/"
    )
    form = page.locator(PANEL)
    expect(form).to_have_attribute("data-save-state", "clean")

    text = "服务器繁忙时输入的简介。"
    page.fill(f"{PANEL} textarea[name$='-summary']", text)
    expect(form).to_have_attribute("data-save-state", "retrying")
    status = page.locator(f"#status-{form.get_attribute('data-panel')}")
    expect(status).to_contain_text("The server is busy")
    assert Algorithm.objects.get(pk=algorithm.pk).summary != text
    expect(page.locator(f"{PANEL} textarea[name$='-summary']")).to_have_value(text)

    expect(form).to_have_attribute("data-save-state", "saved")
    assert seen == ["POST", "POST"]
    assert Algorithm.objects.get(pk=algorithm.pk).summary == text
