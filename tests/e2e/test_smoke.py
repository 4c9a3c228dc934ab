import pytest
from django.core.management import call_command

from demo.workspace import DEMO_PASSWORD, DEMO_USERNAME

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_demo_user_logs_in_sees_chinese_and_switches_to_english(live_server, page_factory):
    call_command("load_demo")
    page = page_factory(locale="zh-CN")
    page.goto(f"{live_server.url}/")
    assert "/accounts/login/" in page.url

    page.fill("input[name=login]", DEMO_USERNAME)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("[data-testid=login-form] [type=submit]")
    page.wait_for_url(f"{live_server.url}/w/demo/")

    assert page.locator("html").get_attribute("lang") == "zh-hans"
    table = page.locator("#algorithms")
    assert "示例新闻个性化推荐算法" in table.inner_text()
    assert "个性化推送类" in table.inner_text()
    assert "已备案" in table.inner_text()

    page.click("[data-lang=en]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Personalised push" in page.locator("#algorithms").inner_text()
    assert "Filed" in page.locator("#algorithms").inner_text()
    # The choice sticks on the next page.
    page.click("text=示例新闻个性化推荐算法")
    assert page.locator("html").get_attribute("lang") == "en"
