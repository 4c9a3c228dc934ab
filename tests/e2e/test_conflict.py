"""Two people edit the same step at once: the second save is refused, both
values are shown, and the second person merges and saves."""

import pytest
from playwright.sync_api import expect

from filings.demo import load_demo
from filings.models import Algorithm
from tests.factories import MembershipFactory, UserFactory
from workspaces.models import Role

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def login(page, base_url, username):
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pw-for-tests")
    page.click("[data-testid=login-form] [type=submit]")
    page.wait_for_load_state()


def settle(page, state="saved"):
    """Wait for the panel's autosave to answer (no fixed delay)."""
    expect(page.locator("form[data-panel^='algorithm-detail-']")).to_have_attribute(
        "data-save-state", state
    )


def test_the_second_editor_sees_both_values_and_merges(live_server, page_factory):
    workspace = load_demo()
    for name in ("alice", "bob"):
        MembershipFactory(workspace=workspace, user=UserFactory(username=name), role=Role.EDITOR)
    algorithm = Algorithm.objects.get(name="示例出行智能派单算法")
    url = f"{live_server.url}/w/demo/algorithms/{algorithm.pk}/edit/detail/"

    alice, bob = page_factory(locale="en-US"), page_factory(locale="en-US")
    login(alice, live_server.url, "alice")
    login(bob, live_server.url, "bob")
    alice.goto(url)
    bob.goto(url)  # both have the step open

    summary = "textarea[name$='-summary']"
    alice.fill(summary, "爱丽丝写的简介：综合乘客位置、目的地和驾驶员位置，为订单匹配驾驶员。")
    settle(alice)
    expect(alice.locator("[id^='status-algorithm-detail-']")).to_contain_text("Saved")

    bob.fill(summary, "鲍勃写的简介。")
    settle(bob, "conflict")
    conflict = bob.locator(".sb-conflict")
    expect(conflict).to_be_visible()
    expect(conflict.locator("[data-conflict-field=summary] [data-theirs]")).to_contain_text(
        "爱丽丝写的简介"
    )
    expect(conflict.locator("[data-conflict-field=summary] [data-mine]")).to_contain_text(
        "鲍勃写的简介"
    )
    algorithm.refresh_from_db()
    assert algorithm.summary.startswith("爱丽丝写的简介")  # nothing of bob's was saved

    # Bob merges: takes Alice's text, adds his sentence, and saves.
    conflict.locator("[data-conflict-field=summary] [data-use-theirs]").click()
    bob.locator(summary).press("End")
    bob.locator(summary).type("鲍勃补充：派单结果可解释。")
    bob.locator("[data-keep-mine]").click()
    settle(bob)
    expect(bob.locator(".sb-conflict")).to_have_count(0)
    algorithm.refresh_from_db()
    assert (
        algorithm.summary
        == "爱丽丝写的简介：综合乘客位置、目的地和驾驶员位置，为订单匹配驾驶员。鲍勃补充：派单结果可解释。"
    )

    # Alice's page is now stale in turn: her next save is refused the same way.
    alice.fill(summary, "爱丽丝的第二版。")
    settle(alice, "conflict")
    expect(alice.locator(".sb-conflict")).to_be_visible()
