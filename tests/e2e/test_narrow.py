"""A phone, 390 px wide: the dashboard and the copy sheet fit the screen (cards,
stacked rows), with no table clipped or scrolled sideways."""

import pytest
from django.core.management import call_command

from demo.workspace import DEMO_PASSWORD, DEMO_USERNAME
from filings.models import Algorithm

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDTH = 390

# Every table, and every scrolling wrapper around one, ends inside the viewport
# and has nothing hidden to scroll to.
OVERFLOWS = """() => {
  const width = document.documentElement.clientWidth;
  const bad = [];
  for (const el of document.querySelectorAll('table, .table-responsive')) {
    const box = el.getBoundingClientRect();
    if (box.right > width + 1 || el.scrollWidth > el.clientWidth + 1) {
      bad.push((el.id || el.className) + ': right ' + Math.round(box.right) +
               ', scroll ' + el.scrollWidth + ' > ' + el.clientWidth);
    }
  }
  if (document.documentElement.scrollWidth > width + 1) bad.push('page scrolls sideways');
  return bad;
}"""


@pytest.fixture
def phone(browser, live_server):
    call_command("load_demo")
    contexts = []

    def open_as(language: str):
        context = browser.new_context(
            locale="zh-CN" if language == "zh-hans" else "en-US",
            viewport={"width": WIDTH, "height": 844},
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=login]", DEMO_USERNAME)
        page.fill("input[name=password]", DEMO_PASSWORD)
        page.click("[data-testid=login-form] [type=submit]")
        page.wait_for_url(f"{live_server.url}/w/demo/")
        context.add_cookies(
            [{"name": "django_language", "value": language, "url": live_server.url}]
        )
        return page

    yield open_as
    for context in contexts:
        context.close()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_dashboard_and_the_copy_sheet_fit_a_phone(phone, live_server, language):
    page = phone(language)
    page.goto(f"{live_server.url}/w/demo/")
    page.wait_for_selector("#algorithms tbody tr[data-algorithm]")
    assert page.evaluate(OVERFLOWS) == []
    # Each algorithm is a card: its name above its facts, each fact with its label.
    first = page.locator("#algorithms tbody tr[data-algorithm]").first
    assert first.locator("td.sb-stack-head a").is_visible()
    assert page.locator("#algorithms thead").is_hidden()
    assert page.locator("#f-sort").is_visible()  # sorting without the headers

    feed = Algorithm.objects.get(name="示例新闻个性化推荐算法")
    page.goto(f"{live_server.url}/w/demo/algorithms/{feed.pk}/copy-sheet/")
    page.wait_for_selector(".sb-copy-table")
    assert page.evaluate(OVERFLOWS) == []
    # The label sits above its text, and the copy button is on screen.
    row = page.locator(".sb-copy-table tr").first
    label, text = row.locator("th").bounding_box(), row.locator("td.sb-copy-text").bounding_box()
    assert label["y"] + label["height"] <= text["y"] + 1
    button = row.locator("button[data-copy-target]").bounding_box()
    assert button["x"] + button["width"] <= WIDTH
