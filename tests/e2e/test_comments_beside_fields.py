"""A reviewer comments on a field from the review page; the editor finds the
thread beside that field in the wizard, follows the review page's link to it
(the field is highlighted), replies, and resolves with a last reply that is
kept (issue 11, item 4)."""

import re

import pytest
from playwright.sync_api import expect

from demo.workspace import load_demo
from filings.models import Algorithm
from reviews.models import CommentThread
from tests.e2e.helpers import login
from tests.factories import MembershipFactory, UserFactory
from workspaces.models import Role

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SUMMARY = "/providers/0/algorithms/0/summary"
HIGHLIGHT = "rgb(255, 246, 213)"  # .sb-field:has(.sb-thread:target) in suanbei.css


def test_a_comment_is_shown_beside_its_field_and_answered_there(live_server, page_factory):
    workspace = load_demo()
    alice, rita = UserFactory(username="alice"), UserFactory(username="rita")
    MembershipFactory(workspace=workspace, user=alice, role=Role.EDITOR)
    MembershipFactory(workspace=workspace, user=rita, role=Role.REVIEWER)
    algorithm = Algorithm.objects.get(name="示例出行智能派单算法")
    filing = algorithm.filings.get()
    review_url = f"{live_server.url}/w/demo/filings/{filing.pk}/review/"
    wizard_path = f"/w/demo/algorithms/{algorithm.pk}/edit/detail/"
    editor, reviewer = page_factory(locale="en-US"), page_factory(locale="en-US")
    login(editor, live_server.url, "alice")
    login(reviewer, live_server.url, "rita")

    # The reviewer comments on the summary from the review page.
    reviewer.goto(review_url)
    reviewer.select_option("#thread-form select[name=anchor]", SUMMARY)
    reviewer.fill("#thread-form textarea[name=body]", "请说明派单规则。")
    reviewer.click("#thread-form [type=submit]")
    expect(reviewer).to_have_url(re.compile(r"#thread-\d+$"))
    thread = CommentThread.objects.get(filing=filing, anchor=SUMMARY)
    target = f"#thread-{thread.pk}"

    # The editor opens the wizard: a marker with the count sits beside the summary.
    editor.goto(f"{live_server.url}{wizard_path}")
    field = editor.locator("[data-field=summary]")
    expect(field.locator("[data-thread-count]")).to_have_text("1 open comment")
    expect(editor.locator("[data-field=usage_scenario] [data-thread-count]")).to_have_count(0)
    expect(editor.locator(target)).to_be_hidden()  # folded until opened
    field.locator("summary").click()
    expect(editor.locator(target)).to_contain_text("请说明派单规则。")

    # From the review page, the thread's link lands on the field, highlighted.
    editor.goto(review_url)
    editor.locator(f"{target} [data-thread-link]").click()
    expect(editor).to_have_url(re.compile(re.escape(wizard_path + target) + "$"))
    thread_box = editor.locator(target)
    expect(thread_box).to_be_visible()
    expect(field).to_have_css("background-color", HIGHLIGHT)
    expect(editor.locator("[data-field=usage_scenario]")).not_to_have_css(
        "background-color", HIGHLIGHT
    )

    # Typing a reply is not an edit of the panel: nothing is autosaved.
    panel = editor.locator("form[data-panel^='algorithm-detail-']")
    expect(panel).to_have_attribute("data-save-state", "clean")
    thread_box.locator("textarea[name=body]").fill("已在简介中补充派单规则。")
    expect(panel).to_have_attribute("data-save-state", "clean")
    thread_box.locator("[data-thread-reply]").click()
    expect(editor).to_have_url(re.compile(re.escape(wizard_path + target) + "$"))
    expect(editor.locator(target)).to_contain_text("已在简介中补充派单规则。")
    expect(editor.locator("[data-field=summary] [data-thread-count]")).to_have_text(
        "1 open comment"
    )

    # Resolve with a typed reply: the reply is posted, then the thread resolved.
    editor.locator(f"{target} textarea[name=body]").fill("请复核。")
    editor.locator(f"{target} [data-thread-resolve]").click()
    expect(editor.locator(".alert")).to_contain_text("Reply posted and thread resolved.")
    expect(editor.locator("[data-field=summary] [data-thread-count]")).to_have_count(0)
    thread.refresh_from_db()
    assert thread.resolved_by == alice
    assert [c.body for c in thread.comments.order_by("pk")] == [
        "请说明派单规则。",
        "已在简介中补充派单规则。",
        "请复核。",
    ]

    # The reviewer sees both replies and the thread resolved on the review page.
    reviewer.goto(review_url)
    expect(reviewer.locator(f"{target} [data-resolved]")).to_be_visible()
    expect(reviewer.locator(target)).to_contain_text("请复核。")
