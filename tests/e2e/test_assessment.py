"""A user completes a self-assessment in the browser, relying on autosave."""

import pytest
from playwright.sync_api import expect

from assessments.catalogue import ensure_loaded
from assessments.models import Answer, Assessment
from demo.workspace import load_demo
from filings.models import Algorithm
from tests.factories import MembershipFactory, UserFactory
from workspaces.models import Role

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def all_saved(page):
    """Wait until no panel on the page holds input that is not saved yet."""
    expect(
        page.locator(
            "form[data-panel][data-save-state=dirty], form[data-panel][data-save-state=saving]"
        )
    ).to_have_count(0)
    expect(page.locator("form[data-panel][data-save-state=error]")).to_have_count(0)


def test_a_user_completes_an_assessment(live_server, page_factory):
    ensure_loaded()
    workspace = load_demo()
    MembershipFactory(workspace=workspace, user=UserFactory(username="counsel"), role=Role.EDITOR)
    algorithm = Algorithm.objects.get(name="示例大模型开放平台算法")
    page = page_factory(locale="en-US")
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", "counsel")
    page.fill("input[name=password]", "pw-for-tests")
    page.click("[data-testid=login-form] [type=submit]")
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/w/demo/algorithms/{algorithm.pk}/assessment/")

    expect(page.locator("#from-filing")).to_contain_text("示例大模型开放平台算法")
    items = page.locator("section[data-item]")
    count = items.count()
    assert count >= 5
    for i in range(count):
        item = items.nth(i)
        if i == 0:
            item.locator("select[name$='-status']").select_option("not_applicable")
            item.locator("textarea[name$='-justification']").fill(
                "本算法不直接面向公众提供服务，由调用方履行该义务。"
            )
        else:
            item.locator("select[name$='-status']").select_option("compliant")
        item.locator("textarea[name$='-measures']").fill(
            f"已建立第{i + 1}项对应的制度和技术措施，并留存记录。"
        )
    page.fill("input[name$='-assessed_on']", "2026-11-20")
    page.fill("input[name$='-report_date']", "2026-11-23")
    all_saved(page)

    # The risks autosave like every other answer: no button to press.
    risks = page.locator("form[action$='/risks/']")
    risks.locator("textarea[name$='-abuse']").fill("客户滥用接口批量生成违法信息。")
    expect(risks).to_have_attribute("data-save-state", "saved")
    page.fill("textarea[name$='-conclusion']", page.locator("#suggested-conclusion").inner_text())
    all_saved(page)

    page.reload()
    expect(page.locator("[data-completeness]")).to_have_attribute("data-completeness", "100")
    expect(page.locator("#gaps")).to_have_count(0)  # the 不适用 answer has its justification
    assessment = Assessment.objects.get(algorithm=algorithm)
    assert assessment.conclusion.startswith("经对“示例大模型开放平台算法”开展算法安全自评估")
    assert str(assessment.assessed_on) == "2026-11-20"
    answered = Answer.objects.filter(assessment=assessment).exclude(status="")
    assert (
        answered.count() == count and answered.filter(status="not_applicable").get().justification
    )
    assert assessment.risks.get(kind="abuse").description.startswith("客户滥用")
