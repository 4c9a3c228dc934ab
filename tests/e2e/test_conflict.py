"""Two people edit the same step at once, in two browsers. Edits of different
fields merge by themselves; only a field both changed is a conflict, shown at
the top of the panel and beside the field, and resolved with "Keep mine",
"Use theirs", "Merge", "Save my version" or "Use theirs for all". Nothing is
ever reverted."""

import pytest
from playwright.sync_api import expect

from demo.workspace import load_demo
from filings.models import Algorithm
from tests.e2e.helpers import login
from tests.factories import MembershipFactory, UserFactory
from workspaces.models import Role

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PANEL = "form[data-panel^='algorithm-detail-']"


def settle(page, state="saved"):
    """Wait for the panel's autosave to answer (no fixed delay)."""
    expect(page.locator(PANEL)).to_have_attribute("data-save-state", state)


def field(name):
    return f"{PANEL} [name$='-{name}']"


def edit_at_once(page, values):
    """Type into several fields of the panel, then let autosave send them in one save."""
    page.evaluate(
        """([panel, values]) => {
            const form = document.querySelector(panel);
            for (const [name, value] of Object.entries(values)) {
                form.querySelector(`[name$='-${name}']`).value = value;
            }
            form.dispatchEvent(new Event("change", { bubbles: true }));
        }""",
        [PANEL, values],
    )


def box(page, name):
    return page.locator(f"{PANEL} .sb-field-conflict[data-conflict-field={name}]")


@pytest.fixture
def two_editors(live_server, page_factory):
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
    settle(alice, "clean")
    settle(bob, "clean")
    return algorithm, url, alice, bob


def test_edits_of_different_fields_are_both_kept(two_editors):
    algorithm, _url, alice, bob = two_editors
    alice.fill(field("summary"), "爱丽丝写的简介。")
    settle(alice)
    bob.fill(field("usage_scenario"), "鲍勃写的场景。")
    settle(bob)  # saved, not a conflict
    expect(bob.locator(".sb-conflict")).to_have_count(0)
    expect(bob.locator(field("summary"))).to_have_value("爱丽丝写的简介。")  # shown now
    algorithm.refresh_from_db()
    assert (algorithm.summary, algorithm.usage_scenario) == ("爱丽丝写的简介。", "鲍勃写的场景。")

    # The next autosaves on either side are no false conflict, and revert nothing.
    bob.fill(field("strategy"), "鲍勃写的策略。")
    settle(bob)
    alice.fill(field("data_sources"), "爱丽丝写的数据来源。")
    settle(alice)
    expect(alice.locator(".sb-conflict")).to_have_count(0)
    algorithm.refresh_from_db()
    assert (
        algorithm.summary,
        algorithm.usage_scenario,
        algorithm.strategy,
        algorithm.data_sources,
    ) == ("爱丽丝写的简介。", "鲍勃写的场景。", "鲍勃写的策略。", "爱丽丝写的数据来源。")


def test_same_field_conflicts_are_resolved_by_each_button(two_editors):
    algorithm, url, alice, bob = two_editors
    for name in ("summary", "usage_scenario", "data_sources"):
        alice.fill(field(name), f"爱丽丝的{name}。")
    settle(alice)

    bob.locator(field("infrastructure")).click()  # a user gesture: Chromium's prompt needs one
    # Bob's edits, all made before his first save leaves (each field's change
    # event would otherwise save it alone, and the answer would show him
    # Alice's values in the others before he typed there).
    edit_at_once(
        bob,
        {"infrastructure": "鲍勃的基础设施。"}  # only Bob changes this one
        | {name: f"鲍勃的{name}。" for name in ("summary", "usage_scenario", "data_sources")},
    )
    settle(bob, "conflict")
    notice = bob.locator(f"{PANEL} .sb-conflict")
    expect(notice).to_be_in_viewport()  # at the top of the panel, brought into view
    for name in ("summary", "usage_scenario", "data_sources"):
        expect(box(bob, name).locator("[data-theirs]")).to_have_text(f"爱丽丝的{name}。")
        expect(box(bob, name).locator("[data-mine]").first).to_have_text(f"鲍勃的{name}。")
        expect(box(bob, name)).to_contain_text("alice changed this field")
    algorithm.refresh_from_db()
    assert algorithm.infrastructure == "鲍勃的基础设施。"  # his other change is saved
    assert algorithm.summary == "爱丽丝的summary。"  # and nothing of hers is overwritten

    # Leaving with an unresolved conflict asks first; Bob stays.
    with bob.expect_event("dialog") as info:
        bob.close(run_before_unload=True)
    assert info.value.type == "beforeunload"
    info.value.dismiss()
    expect(box(bob, "summary")).to_have_count(1)
    assert not bob.is_closed()

    # Keep mine.
    box(bob, "summary").locator("[data-conflict-action=mine]").click()
    settle(bob, "conflict")
    expect(box(bob, "summary")).to_have_count(0)
    expect(box(bob, "usage_scenario")).to_have_count(1)
    # Use theirs.
    box(bob, "usage_scenario").locator("[data-conflict-action=theirs]").click()
    settle(bob, "conflict")
    expect(box(bob, "usage_scenario")).to_have_count(0)
    expect(bob.locator(field("usage_scenario"))).to_have_value("爱丽丝的usage_scenario。")
    # Merge: the field shows theirs, Bob's version stays beside it while he merges.
    box(bob, "data_sources").locator("[data-conflict-action=merge]").click()
    expect(bob.locator(field("data_sources"))).to_have_value("爱丽丝的data_sources。")
    expect(bob.locator(f"{PANEL} [data-merge-open] [data-mine]")).to_have_text(
        "鲍勃的data_sources。"
    )
    expect(notice).to_have_count(0)
    bob.locator(field("data_sources")).press("End")
    bob.locator(field("data_sources")).press_sequentially("鲍勃补充。")
    settle(bob)
    bob.locator("[data-merge-done]").click()
    algorithm.refresh_from_db()
    assert (
        algorithm.summary,
        algorithm.usage_scenario,
        algorithm.data_sources,
        algorithm.infrastructure,
    ) == (
        "鲍勃的summary。",
        "爱丽丝的usage_scenario。",
        "爱丽丝的data_sources。鲍勃补充。",
        "鲍勃的基础设施。",
    )

    # Alice's page is stale in turn. Her new summary conflicts with Bob's kept one;
    # her strategy merges; "Save my version" keeps hers for the summary only.
    alice.fill(field("strategy"), "爱丽丝的策略。")
    alice.fill(field("summary"), "爱丽丝的第二版。")
    settle(alice, "conflict")
    expect(box(alice, "summary").locator("[data-theirs]")).to_have_text("鲍勃的summary。")
    expect(box(alice, "summary")).to_contain_text("bob changed this field")
    expect(alice.locator(f"{PANEL} .sb-field-conflict")).to_have_count(1)
    # Bob's merged data sources came into her form; hers was never re-sent.
    expect(alice.locator(field("data_sources"))).to_have_value("爱丽丝的data_sources。鲍勃补充。")
    alice.locator(f"{PANEL} .sb-conflict [data-conflict-action=mine-all]").click()
    settle(alice)
    algorithm.refresh_from_db()
    assert (algorithm.summary, algorithm.strategy, algorithm.data_sources) == (
        "爱丽丝的第二版。",
        "爱丽丝的策略。",
        "爱丽丝的data_sources。鲍勃补充。",
    )

    # Bob edits the summary once more from his page: "Use theirs for all" keeps Alice's.
    bob.fill(field("summary"), "鲍勃的第三版。")
    settle(bob, "conflict")
    bob.locator(f"{PANEL} .sb-conflict [data-conflict-action=theirs-all]").click()
    settle(bob)
    expect(bob.locator(field("summary"))).to_have_value("爱丽丝的第二版。")
    algorithm.refresh_from_db()
    assert (algorithm.summary, algorithm.strategy, algorithm.usage_scenario) == (
        "爱丽丝的第二版。",
        "爱丽丝的策略。",
        "爱丽丝的usage_scenario。",
    )
    # Bob's page took Alice's strategy, and can leave without being asked.
    expect(bob.locator(field("strategy"))).to_have_value("爱丽丝的策略。")
