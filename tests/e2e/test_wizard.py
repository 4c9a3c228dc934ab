"""A new user goes from an empty workspace to a complete, consistent filing in
the browser, relying on autosave alone, and a reload mid-way loses nothing."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from filings.models import Algorithm
from tests.e2e.helpers import emailed_link

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)

ENTITY = {
    "name": "杭州测试网络科技有限公司",
    "uscc": "91110108MA01ABCD1E",
    "region_code": "330106",
    "registered_address": "浙江省杭州市西湖区文三路1号",
    "certificate_address": "浙江省杭州市西湖区文三路1号",
    "legal_rep_name": "王五",
    "legal_rep_id_number": "11010519491231002X",
    "officer_name": "赵六",
    "officer_id_number": "110108199003071238",
    "officer_mobile": "13900139000",
    "officer_email": "algo@example.cn",
    "mau": "800000",
    "icp_number": "浙ICP备12345678号",
}
ENTITY_SELECTS = {"entity_type": "enterprise", "certificate_type": "business_license",
                  "legal_rep_id_type": "resident_id", "officer_id_type": "resident_id"}  # fmt: skip


def panel(page, kind: str):
    return page.locator(f"form[data-panel^='{kind}-']").first


def fill(page, kind: str, values: dict, selects: dict | None = None):
    form = panel(page, kind)
    for name, value in values.items():
        form.locator(f"[name$='-{name}']").fill(value)
    for name, value in (selects or {}).items():
        form.locator(f"select[name$='-{name}']").select_option(value)
    settle(page, kind)


def settle(page, kind: str):
    """Wait until the panel says that what was typed is saved (the autosave
    sends it 700 ms after the last keystroke)."""
    expect(panel(page, kind)).to_have_attribute("data-save-state", "saved")


def step(page, code: str):
    page.click(f"a[data-step='{code}']")
    page.wait_for_load_state()


def test_from_an_empty_workspace_to_a_complete_filing(live_server, page_factory, tmp_path):
    page = page_factory(locale="en-US")
    page.goto(f"{live_server.url}/accounts/signup/")
    page.fill("input[name=email]", "lead@example.cn")
    page.fill("input[name=password1]", "Filing-Season-2026")
    page.fill("input[name=password2]", "Filing-Season-2026")
    page.click("[data-testid=signup-form] [type=submit]")
    expect(page.locator("[data-testid=verification-sent]")).to_be_visible()
    # The address is confirmed from the link in the email (the live server's mailbox).
    page.goto(live_server.url + emailed_link(mail.outbox[-1], "/accounts/confirm-email/"))
    page.click("main form [type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.fill("input[name=name]", "测试合规组")
    page.fill("input[name=slug]", "test-team")
    page.click("main form [type=submit]")
    page.wait_for_url(re.compile(r"/w/test-team/$"))
    page.click("[data-testid=new-algorithm]")
    page.wait_for_url(re.compile(r"/edit/entity/$"))

    # 主体信息, by autosave only; a typo is kept and flagged, then corrected.
    fill(page, "provider", {**ENTITY, "uscc": "91110108MA01ABCD1F"}, ENTITY_SELECTS)
    expect(panel(page, "provider").locator("[data-error]")).to_contain_text("check character")
    page.reload()
    form = panel(page, "provider")
    expect(form.locator("[name$='-uscc']")).to_have_value(
        "91110108MA01ABCD1F"
    )  # nothing typed is lost
    expect(form.locator("[name$='-name']")).to_have_value(ENTITY["name"])
    expect(form.locator("select[name$='-officer_id_type']")).to_have_value("resident_id")
    fill(page, "provider", {"uscc": "91110108MA01ABCD1E"})
    page.reload()
    expect(panel(page, "provider").locator("[data-error]")).to_have_count(0)

    step(page, "basic")
    fill(
        page,
        "algorithm-basic",
        {
            "name": "测试资讯个性化推荐算法",
            "application_domains": "新闻门户、用户内容生成(UGC)",
            "launch_date": "2026-11-02",
        },
        {"type": "personalized_push", "launch_status": "online"},
    )
    # The portal asks 填报角色 only for generation and synthesis.
    role = panel(page, "algorithm-basic").locator("[data-field=role]")
    expect(role).to_be_hidden()
    panel(page, "algorithm-basic").locator("select[name$='-type']").select_option(
        "generation_synthesis"
    )
    expect(role).to_be_visible()
    panel(page, "algorithm-basic").locator("select[name$='-type']").select_option(
        "personalized_push"
    )
    expect(role).to_be_hidden()
    settle(page, "algorithm-basic")

    step(page, "detail")
    fill(
        page,
        "algorithm-detail",
        {
            "summary": "根据用户在平台内的浏览、点赞、评论等行为数据和用户主动选择的兴趣标签，从候选资讯中召回、排序并推送用户可能感兴趣的内容。",
            "usage_scenario": "测试资讯APP首页“推荐”频道的信息流，用户下拉刷新时展示。",
            "output_formats": "json",
            "data_sources": "用户在本平台的浏览、点击、停留时长、点赞、评论行为数据，以及资讯的标题、正文和标签。",
            "model_and_training_data": "双塔召回模型与多目标排序模型，使用近九十天脱敏行为日志训练，每日增量更新一次。",
            "strategy": "首页首屏和热点榜单设置人工干预；同一来源内容打散，低质内容降权；提供关闭个性化推荐的开关和兴趣标签管理。",
            "risks_and_safeguards": "防范信息茧房、不良信息传播和诱导沉迷：多样性打散、内容安全审核、违法不良信息特征库过滤、未成年人模式。",
        },
        {"data_contains_biometric": "false", "data_contains_identity": "false"},
    )
    form = panel(page, "algorithm-detail")
    form.locator("input[name$='-input_modalities'][value=text]").check()
    form.locator("input[name$='-output_modalities'][value=text]").check()
    settle(page, "algorithm-detail")

    step(page, "products")
    page.click("text=Add a new product")
    page.wait_for_load_state()
    fill(
        page,
        "service",
        {"name": "测试资讯", "access_url": "https://test.example.cn/app", "launch_date": "2026-11-02",
         "target_users": "面向全国个人用户提供资讯浏览和评论服务。", "prior_licences": "浙ICP备12345678号",
         "dau": "100000", "mau": "600000"},
        {"form": "app", "status": "online", "real_name_required": "true", "public_opinion_attributes": "true",
         "social_mobilization": "false", "serves_minors": "false", "involves_workers": "false",
         "consumer_pricing": "false"},
    )  # fmt: skip
    panel(page, "service").locator("input[name$='-opinion_features'][value=comments]").check()
    settle(page, "service")
    fill(
        page,
        "deployment",
        {"function_name": "首页推荐", "access_path": "首页 > 推荐",
         "function_description": "用户打开测试资讯APP后，首页“推荐”频道按个性化排序展示资讯。"},
    )  # fmt: skip

    # A reload mid-way: everything typed on this step is still there.
    page.reload()
    expect(panel(page, "deployment").locator("[name$='-access_path']")).to_have_value("首页 > 推荐")
    expect(panel(page, "service").locator("[name$='-mau']")).to_have_value("600000")

    step(page, "disclosure")
    fill(
        page,
        "disclosure",
        {
            "basic_principle": "基于用户行为数据和资讯内容特征，通过召回、排序两阶段模型计算用户对资讯的兴趣程度。",
            "operating_mechanism": "用户请求→候选召回→安全过滤→多目标排序→打散与人工干预→展示，并根据用户反馈持续更新模型。",
            "application_scenario": "应用于测试资讯APP首页推荐频道。",
            "purpose": "应用于资讯推荐场景，根据用户兴趣为用户推荐可能感兴趣的资讯。",
        },
    )

    step(page, "attachments")
    flowchart = tmp_path / "flowchart.png"
    flowchart.write_bytes(PNG)
    upload = page.locator("form[action$='/attachments/']").filter(
        has=page.locator("select[name=slot] option[value=flowchart]")
    )
    upload.locator("select[name=slot]").select_option("flowchart")
    upload.locator("input[type=file]").set_input_files(str(flowchart))
    upload.locator("[type=submit]").click()
    page.wait_for_load_state()
    expect(page.locator("[data-slot=flowchart]")).to_contain_text("flowchart.png")

    step(page, "review")
    results = page.locator("#check-results")
    # The flowchart is in; what remains of the materials are the signed and
    # sealed scans, listed apart as blocking only the submission.
    expect(results.locator("[data-check=material_missing][data-blocks=approval]")).to_have_count(0)
    expect(
        results.locator("[data-group-list=submission] [data-check=material_missing]")
    ).to_have_count(7)
    for step_code in ("entity", "basic", "detail", "products", "disclosure"):
        expect(page.locator(f"a[data-step='{step_code}'] .text-bg-danger")).to_have_count(0)

    algorithm = Algorithm.objects.get(name="测试资讯个性化推荐算法")
    assert algorithm.provider.uscc == "91110108MA01ABCD1E"
    assert algorithm.deployments.get().access_path == ["首页", "推荐"]
    assert algorithm.disclosure.purpose.startswith("应用于")
