"""Two people in two browsers take a filing from draft through comments and
changes to approval; afterwards they see what changed since approval and
since the last filing, and that a change filing is due."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from demo.assessment import answer_all
from demo.materials import attach_required_materials
from demo.workspace import load_demo
from filings.choices import FilingStatus
from filings.models import Activity, Algorithm, Disclosure, Service
from tests.e2e.helpers import login
from tests.factories import MembershipFactory, UserFactory
from workspaces.models import Role

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def settle(page):
    """Wait for the panel's autosave to answer (no fixed delay)."""
    expect(page.locator("form[data-panel^='algorithm-detail-']")).to_have_attribute(
        "data-save-state", "saved"
    )


def edit_detail(page, base_url, algorithm, field, text):
    page.goto(f"{base_url}/w/demo/algorithms/{algorithm.pk}/edit/detail/")
    page.fill(f"textarea[name$='-{field}']", text)
    settle(page)
    expect(page.locator("[id^='status-algorithm-detail-']")).to_contain_text("Saved")


def complete(algorithm):
    """What the demo leaves out of the dispatch algorithm, filled in: approval
    is refused while the checks report errors (its warnings stay open)."""
    Algorithm.objects.filter(pk=algorithm.pk).update(
        usage_scenario="示例出行APP乘客下单后的自动派单环节。",
        data_sources="乘客和驾驶员的实时位置、订单起终点、驾驶员服务分和历史接单记录。",
        data_contains_biometric=False,
        data_contains_identity=False,
        model_and_training_data="基于路网的预计到达时间模型与订单匹配优化模型，使用近一年脱敏订单数据训练。",
        strategy="以乘客等待时间最短和驾驶员空驶最少为目标匹配订单，派单规则向驾驶员公示。",
        risks_and_safeguards="防范派单不公和驾驶员过度劳动：派单规则公示、连续驾驶时长限制和申诉渠道。",
    )
    Disclosure.objects.create(
        workspace=algorithm.workspace,
        algorithm=algorithm,
        basic_principle="综合乘客位置、目的地、驾驶员位置和服务分，计算订单与驾驶员的匹配度。",
        operating_mechanism="乘客下单→筛选附近驾驶员→计算匹配度和预计到达时间→派单→驾驶员确认。",
        application_scenario="应用于示例出行APP的叫车派单功能。",
        purpose="应用于网约车派单场景，根据位置和服务分为乘客订单匹配合适的驾驶员。",
    )
    # The product's screening answered (drivers are workers), every required
    # material uploaded and every applicable item assessed.
    Service.objects.filter(deployments__algorithm=algorithm).update(
        public_opinion_attributes=True,
        social_mobilization=False,
        serves_minors=False,
        involves_workers=True,
        consumer_pricing=True,
    )
    attach_required_materials(algorithm)
    answer_all(
        algorithm,
        assessed_on=dt.date(2025, 5, 20),
        report_date=dt.date(2025, 5, 21),
        conclusion="经评估，该算法已落实适用事项的管理制度和技术措施，安全风险总体可控。",
    )


def approve(page):
    """The reviewer acknowledges the checks' open warnings, when there are any
    (the box is on the page only then), and approves."""
    button = page.locator("#decision-form button[value=approve]")
    expect(button).to_be_enabled()
    acknowledge = page.locator("#decision-form input[name=acknowledge_warnings]")
    if acknowledge.count():
        acknowledge.check()
    button.click()


def test_draft_to_approval_and_what_changed_since(live_server, page_factory):
    workspace = load_demo()
    alice, rita = UserFactory(username="alice"), UserFactory(username="rita")
    MembershipFactory(workspace=workspace, user=alice, role=Role.EDITOR)
    MembershipFactory(workspace=workspace, user=rita, role=Role.REVIEWER)
    algorithm = Algorithm.objects.get(name="示例出行智能派单算法")
    complete(algorithm)
    filing = algorithm.filings.get()
    review_url = f"{live_server.url}/w/demo/filings/{filing.pk}/review/"
    editor, reviewer = page_factory(locale="en-US"), page_factory(locale="en-US")
    login(editor, live_server.url, "alice")
    login(reviewer, live_server.url, "rita")

    # The editor asks Rita to review.
    editor.goto(review_url)
    editor.check(f"#request-form input[name=reviewers][value='{rita.pk}']")
    editor.click("#request-form [type=submit]")
    editor.wait_for_load_state()
    filing.refresh_from_db()
    assert filing.status == FilingStatus.IN_REVIEW

    # Rita comments on a field and requests changes.
    reviewer.goto(review_url)
    reviewer.select_option("#thread-form select[name=anchor]", "/providers/0/algorithms/0/summary")
    reviewer.fill("#thread-form textarea[name=body]", "请补充派单规则和司机收入的说明。")
    reviewer.click("#thread-form [type=submit]")
    reviewer.wait_for_load_state()
    reviewer.fill("#decision-form textarea[name=note]", "派单规则说明不足。")
    reviewer.click("#decision-form button[value=request_changes]")
    reviewer.wait_for_load_state()
    filing.refresh_from_db()
    assert filing.status == FilingStatus.CHANGES_REQUESTED

    # The editor reads it, answers, changes the field and asks again.
    editor.goto(review_url)
    expect(editor.locator("body")).to_contain_text("请补充派单规则和司机收入的说明。")
    editor.locator("textarea[name=body][id^=reply-]").first.fill("已补充派单规则。")
    editor.locator("form[action*='/reply/'] button[type=submit]").first.click()
    editor.wait_for_load_state()
    edit_detail(editor, live_server.url, algorithm, "summary",
                "综合乘客位置、目的地、驾驶员位置和服务分为订单匹配驾驶员；派单规则和收入规则向司机公示。")  # fmt: skip
    editor.goto(review_url)
    editor.check(f"#request-form input[name=reviewers][value='{rita.pk}']")
    editor.click("#request-form [type=submit]")
    editor.wait_for_load_state()

    # Rita approves: the data is frozen.
    reviewer.goto(review_url)
    approve(reviewer)
    reviewer.wait_for_load_state()
    filing.refresh_from_db()
    assert filing.status == FilingStatus.APPROVED and filing.approved_version is not None

    # A later change withdraws the approval and says so.
    edit_detail(
        editor, live_server.url, algorithm, "strategy", "高峰期对远距离订单加价并向乘客说明理由。"
    )
    filing.refresh_from_db()
    assert filing.status == FilingStatus.DRAFT
    assert Activity.objects.filter(filing=filing, verb=Activity.Verb.APPROVAL_WITHDRAWN).exists()
    reviewer.goto(f"{live_server.url}/w/demo/activity/")
    expect(reviewer.locator("body")).to_contain_text(re.compile("approval was withdrawn", re.I))

    # What changed since approval.
    editor.goto(f"{live_server.url}/w/demo/algorithms/{algorithm.pk}/history/")
    editor.click("[data-shortcut=approved]")
    editor.wait_for_load_state()
    expect(editor.locator("#comparison-result")).to_contain_text("高峰期对远距离订单加价")

    # Approved again, submitted and filed; a later change makes a change filing due.
    editor.goto(review_url)
    editor.check(f"#request-form input[name=reviewers][value='{rita.pk}']")
    editor.click("#request-form [type=submit]")
    editor.wait_for_load_state()
    reviewer.goto(review_url)
    approve(reviewer)
    reviewer.wait_for_load_state()
    editor.goto(review_url)
    editor.fill("#submission-form input[name=submitted_on]", "2026-11-02")
    editor.click("#submission-form [type=submit]")
    editor.wait_for_load_state()
    editor.fill("#filed-form input[name=filing_number]", "网信算备110108123456701260011号")
    editor.fill("#filed-form input[name=filed_on]", "2026-11-20")
    editor.click("#filed-form [type=submit]")
    editor.wait_for_load_state()
    expect(editor.locator("#display-snippet")).to_contain_text("网信算备110108123456701260011号")
    filing.refresh_from_db()
    assert filing.status == FilingStatus.FILED

    edit_detail(editor, live_server.url, algorithm, "strategy", "高峰期加价规则改为按里程分段。")
    editor.goto(f"{live_server.url}/w/demo/algorithms/{algorithm.pk}/history/")
    expect(editor.locator("#change-filing-due")).to_contain_text("change filing is due")
    editor.click("[data-shortcut=filed]")
    editor.wait_for_load_state()
    expect(editor.locator("#comparison-result")).to_contain_text("按里程分段")
