"""Nothing typed is lost: not on a reload or a navigation right after typing
(inside the autosave's 700 ms delay), not on a tab switch, and leaving a page
whose input could not be saved asks first. The sidebars' progress follows
each save. No test waits a fixed time: each waits for the state the user
waits for (the panel's data-save-state, a URL, a value)."""

import re

import pytest
from playwright.sync_api import expect

from assessments.catalogue import ensure_loaded
from assessments.models import Risk
from demo.workspace import load_demo
from filings.models import Algorithm
from tests.e2e.helpers import login as sign_in
from tests.factories import MembershipFactory, UserFactory
from workspaces.models import Role

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

HIDE_PAGE = """() => {
    Object.defineProperty(document, "visibilityState", {value: "hidden", configurable: true});
    Object.defineProperty(document, "hidden", {value: true, configurable: true});
    document.dispatchEvent(new Event("visibilitychange"));
}"""


@pytest.fixture
def demo(live_server):
    ensure_loaded()
    workspace = load_demo()
    MembershipFactory(workspace=workspace, user=UserFactory(username="editor"), role=Role.EDITOR)
    return workspace


def login(page, base_url, username="editor"):
    sign_in(page, base_url, username)


def wizard_url(base_url, algorithm, step):
    return f"{base_url}/w/demo/algorithms/{algorithm.pk}/edit/{step}/"


def detail_form(page):
    return page.locator("form[data-panel^='algorithm-detail-']")


def test_a_reload_or_a_navigation_right_after_typing_keeps_the_text(
    live_server, page_factory, demo
):
    algorithm = Algorithm.objects.get(name="示例出行智能派单算法")
    page = page_factory(locale="en-US")
    login(page, live_server.url)
    page.goto(wizard_url(live_server.url, algorithm, "detail"))
    expect(detail_form(page)).to_have_attribute("data-save-state", "clean")

    # Typed, then reloaded at once: the autosave's delay has not passed.
    text = "立即重新加载前输入的简介。"
    page.locator("textarea[name$='-summary']").fill(text)
    expect(detail_form(page)).to_have_attribute("data-save-state", "dirty")
    page.reload()
    expect(page.locator("textarea[name$='-summary']")).to_have_value(text)
    algorithm.refresh_from_db()
    assert algorithm.summary == text

    # Typed, then a step link clicked at once.
    text = "立即切换步骤前输入的使用场景。"
    page.locator("textarea[name$='-usage_scenario']").fill(text)
    page.click("a[data-step='basic']")
    page.wait_for_url(re.compile(r"/edit/basic/$"))
    page.go_back()
    page.wait_for_url(re.compile(r"/edit/detail/$"))
    expect(page.locator("textarea[name$='-usage_scenario']")).to_have_value(text)
    algorithm.refresh_from_db()
    assert algorithm.usage_scenario == text


def test_a_risk_typed_just_before_a_reload_is_kept(live_server, page_factory, demo):
    algorithm = Algorithm.objects.get(name="示例新闻个性化推荐算法")
    page = page_factory(locale="zh-CN")
    login(page, live_server.url)
    url = f"{live_server.url}/w/demo/algorithms/{algorithm.pk}/assessment/"
    page.goto(url)
    risks = page.locator("form[action$='/risks/']")
    expect(risks).to_have_attribute("data-save-state", "clean")
    risks.locator("textarea[name$='-abuse']").fill("推荐结果过度集中，形成信息茧房。")
    page.reload()
    expect(page.locator("form[action$='/risks/'] textarea[name$='-abuse']")).to_have_value(
        "推荐结果过度集中，形成信息茧房。"
    )
    assert Risk.objects.get(assessment__algorithm=algorithm, kind="abuse").description.startswith(
        "推荐结果过度集中"
    )

    risks = page.locator("form[action$='/risks/']")
    risks.locator("textarea[name$='-data_leak']").fill("行为日志泄露。")
    expect(risks).to_have_attribute("data-save-state", "saved")
    expect(risks.locator("[id^='status-']")).to_contain_text(re.compile("已于.*保存"))


def test_a_refused_quantity_is_kept_with_its_message(live_server, page_factory, demo):
    algorithm = Algorithm.objects.get(name="示例AI助手生成合成算法")
    page = page_factory(locale="zh-CN")
    login(page, live_server.url)
    page.goto(f"{live_server.url}/w/demo/algorithms/{algorithm.pk}/assessment/")
    metrics = page.locator("form[action$='/metrics/']")
    rate = metrics.locator("input[name$='-corpus_manual_pass_rate']")
    rate.fill("101")
    expect(metrics).to_have_attribute("data-save-state", "saved")
    error = metrics.locator("[data-field=corpus_manual_pass_rate] [data-error]")
    expect(error).to_contain_text("100")
    page.reload()
    expect(page.locator("input[name$='-corpus_manual_pass_rate']")).to_have_value("101")
    expect(error).to_have_count(1)


def test_switching_tabs_sends_what_was_typed_at_once(live_server, page_factory, demo):
    algorithm = Algorithm.objects.get(name="示例出行智能派单算法")
    page = page_factory(locale="en-US")
    login(page, live_server.url)
    page.goto(wizard_url(live_server.url, algorithm, "detail"))
    expect(detail_form(page)).to_have_attribute("data-save-state", "clean")
    page.locator("textarea[name$='-summary']").fill("切换标签页前输入的简介。")
    # The page is hidden: the input goes out now (a keepalive fetch), not after the delay.
    with page.expect_response(
        lambda r: r.request.method == "POST" and r.request.resource_type == "fetch"
    ) as flushed:
        page.evaluate(HIDE_PAGE)
    assert flushed.value.ok
    expect(detail_form(page)).to_have_attribute("data-save-state", "saved")
    algorithm.refresh_from_db()
    assert algorithm.summary == "切换标签页前输入的简介。"
    expect(page.locator("[id^='status-algorithm-detail-']")).to_contain_text("Saved")


def test_leaving_with_a_failed_save_asks_first(live_server, page_factory, demo):
    algorithm = Algorithm.objects.get(name="示例出行智能派单算法")
    page = page_factory(locale="en-US")
    login(page, live_server.url)
    page.goto(wizard_url(live_server.url, algorithm, "detail"))
    expect(detail_form(page)).to_have_attribute("data-save-state", "clean")
    page.route("**/panels/**", lambda route: route.abort())  # the network is gone
    field = page.locator("textarea[name$='-summary']")
    field.click()
    field.press("End")
    page.keyboard.type("断网时输入。")
    expect(detail_form(page)).to_have_attribute("data-save-state", "error")
    expect(page.locator("[id^='status-algorithm-detail-']")).to_contain_text("Not saved")
    expect(field).to_have_value(re.compile("断网时输入。$"))  # the text stays in the field

    # Leaving asks first (Chromium shows the prompt only after a user gesture,
    # which the typing above was); the user stays.
    with page.expect_event("dialog") as prompt:
        page.close(run_before_unload=True)
    assert prompt.value.type == "beforeunload"
    prompt.value.dismiss()
    expect(field).to_have_value(re.compile("断网时输入。$"))
    assert not page.is_closed()

    # Back online: the next change saves, and leaving no longer asks.
    page.unroute("**/panels/**")
    field.press("End")
    page.keyboard.type("恢复。")
    expect(detail_form(page)).to_have_attribute("data-save-state", "saved")
    prompts = []
    page.on("dialog", lambda dialog: (prompts.append(dialog.type), dialog.accept()))
    with page.expect_event("close"):
        page.close(run_before_unload=True)
    assert prompts == []
    algorithm.refresh_from_db()
    assert algorithm.summary.endswith("断网时输入。恢复。")


def test_the_sidebars_progress_follows_each_save(live_server, page_factory, demo):
    algorithm = Algorithm.objects.get(name="示例出行智能派单算法")
    page = page_factory(locale="en-US")
    login(page, live_server.url)

    # The wizard: completeness and step badges follow the autosave.
    page.goto(wizard_url(live_server.url, algorithm, "entity"))
    progress = page.locator("#wizard-progress [data-completeness]")
    expect(progress).to_have_count(1)
    before = int(progress.get_attribute("data-completeness"))
    provider = page.locator("form[data-panel^='provider-']")
    provider.locator("[name$='-legal_rep_name']").fill("")
    # The demo's provider is shared with filed and approved algorithms: the
    # change is shown with its reach first, and saved once confirmed.
    expect(provider).to_have_attribute("data-save-state", "confirm")
    expect(progress).to_have_attribute("data-completeness", str(before))
    page.locator("[data-confirm-reach]").first.click()
    expect(provider).to_have_attribute("data-save-state", "saved")
    expect(progress).not_to_have_attribute("data-completeness", str(before))
    assert int(progress.get_attribute("data-completeness")) < before
    expect(page.locator("#badge-entity .text-bg-danger")).to_have_count(1)

    # The self-assessment: answered count and completeness follow each answer.
    page.goto(f"{live_server.url}/w/demo/algorithms/{algorithm.pk}/assessment/")
    summary = page.locator("#summary [data-completeness]")
    before = summary.get_attribute("data-completeness")
    unanswered = page.locator("section[data-item][data-status='']").first
    unanswered.locator("select[name$='-status']").select_option("compliant")
    expect(summary).not_to_have_attribute("data-completeness", before)
    assert int(summary.get_attribute("data-completeness")) > int(before)
