"""A change filing (变更备案) as a workflow, in two browsers: a filed algorithm
is edited in a field the CAC treats as a change; the dashboard lists it under
"needs attention" with the deadline; the editor starts the change filing from
the algorithm page, a reviewer approves it in her own browser, the editor
records submission and filing; the baseline moves and the dashboard no longer
asks for a change filing."""

import pytest
from playwright.sync_api import expect

from demo.workspace import load_demo
from filings import changes
from filings.choices import FilingKind, FilingStatus
from filings.models import Filing
from tests.e2e.helpers import login
from tests.factories import MembershipFactory, UserFactory
from workspaces.models import Role

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NEW_PURPOSE = "应用于新闻资讯推荐场景，根据用户兴趣和所选频道为用户推荐新闻资讯和本地生活信息。"


def test_change_filing_from_dashboard_to_new_baseline(live_server, page_factory):
    workspace = load_demo()
    alice, rita = UserFactory(username="alice"), UserFactory(username="rita")
    MembershipFactory(workspace=workspace, user=alice, role=Role.EDITOR)
    MembershipFactory(workspace=workspace, user=rita, role=Role.REVIEWER)
    initial = Filing.objects.get(workspace=workspace, status=FilingStatus.FILED)
    algorithm = initial.algorithm
    assert initial.filed_version_id and changes.change_status(algorithm) is None
    base = live_server.url
    dashboard = f"{base}/w/demo/"
    editor, reviewer = page_factory(locale="en-US"), page_factory(locale="en-US")
    login(editor, base, "alice")
    login(reviewer, base, "rita")

    # Nothing asks for a change filing while the data is as filed.
    editor.goto(dashboard)
    expect(editor.locator(f"#attention a[href$='/algorithms/{algorithm.pk}/']")).to_have_count(0)

    # Alice edits a row of the 拟公示内容 (a 变更 field); autosave stores it.
    editor.goto(f"{base}/w/demo/algorithms/{algorithm.pk}/edit/disclosure/")
    editor.fill("textarea[name$='-purpose']", NEW_PURPOSE)
    expect(editor.locator("form[data-panel^='disclosure-']")).to_have_attribute(
        "data-save-state", "saved"
    )
    status = changes.change_status(algorithm)
    assert status is not None
    due = f"{status.deadline.due:%Y-%m-%d}"

    # The dashboard lists it under "needs attention" with the change-filing deadline.
    editor.goto(dashboard)
    item = editor.locator(
        "#attention li", has=editor.locator(f"a[href$='/algorithms/{algorithm.pk}/']")
    )
    expect(item).to_contain_text("Change filing due")
    expect(item).to_contain_text(due)

    # From the dashboard to the algorithm page, where she starts the change filing.
    item.locator("a").click()
    editor.wait_for_load_state()
    expect(editor.locator("#change-filing")).to_contain_text(due)
    editor.click("[data-testid=start-change-filing]")
    editor.wait_for_url(f"{base}/w/demo/filings/*/review/")
    change = Filing.objects.get(algorithm=algorithm, kind=FilingKind.CHANGE)
    assert change.status == FilingStatus.DRAFT
    assert "目的意图" in change.change_summary and "本地生活信息" in change.change_summary
    review_url = f"{base}/w/demo/filings/{change.pk}/review/"

    # She asks Rita to review it.
    editor.check(f"#request-form input[name=reviewers][value='{rita.pk}']")
    editor.click("#request-form [type=submit]")
    editor.wait_for_load_state()
    change.refresh_from_db()
    assert change.status == FilingStatus.IN_REVIEW

    # Rita, in her own browser, approves (acknowledging the open warnings).
    reviewer.goto(review_url)
    acknowledge = reviewer.locator("#decision-form input[name=acknowledge_warnings]")
    if acknowledge.count():
        acknowledge.check()
    reviewer.click("#decision-form button[value=approve]")
    reviewer.wait_for_load_state()
    change.refresh_from_db()
    assert change.status == FilingStatus.APPROVED, reviewer.locator("main").inner_text()

    # Alice records the submission and the filing; the number stays the algorithm's.
    editor.goto(review_url)
    editor.click("#submission-form [type=submit]")
    editor.wait_for_load_state()
    expect(editor.locator("#filed-form input[name=filing_number]")).to_have_value(
        initial.filing_number
    )
    editor.click("#filed-form [type=submit]")
    editor.wait_for_load_state()
    change.refresh_from_db()
    assert change.status == FilingStatus.FILED
    assert change.filing_number == initial.filing_number

    # The baseline moved to the change's version: nothing is due any more.
    assert change.filed_version_id == change.approved_version_id
    assert changes.last_filed(algorithm) == change
    assert changes.change_status(algorithm) is None
    editor.goto(dashboard)
    expect(editor.locator("#algorithms")).to_contain_text(algorithm.name)
    expect(editor.locator(f"#attention a[href$='/algorithms/{algorithm.pk}/']")).to_have_count(0)
    editor.goto(f"{base}/w/demo/algorithms/{algorithm.pk}/")
    expect(editor.locator("#change-filing")).to_have_count(0)
