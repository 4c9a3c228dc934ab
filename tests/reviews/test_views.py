"""Each review view: login required, another workspace's objects 404, and who may do what (403)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.urls import reverse

from filings.choices import FilingStatus as S
from reviews import services
from reviews.models import CommentThread, Decision, ReviewSettings
from tests.factories import FilingFactory
from tests.reviews.helpers import decide, seen
from workspaces.models import Role

pytestmark = pytest.mark.django_db

FILING_NUMBER = "网信算备110108823483901230031号"


@dataclass
class Action:
    url: str  # URL name; its pk is the filing's, or the thread's for thread actions
    status: str  # the filing's status before the action
    data: Callable  # team -> POST data
    allowed: frozenset  # roles that may
    after: Callable  # (filing, thread) -> True when the action took effect
    on_thread: bool = False


def _reviewed(filing, team):
    """In review, asked of the owner and a reviewer (by the editor)."""
    services.review_request_create(
        filing=filing, by=team.editor, reviewers=[team.owner, team.reviewer]
    )


ACTIONS = {
    "request review": Action(
        "reviews:request",
        S.DRAFT,
        lambda team: {"reviewers": [team.reviewer.pk], "note": "请审阅。"},
        frozenset({Role.OWNER, Role.EDITOR}),
        lambda filing, thread: filing.status == S.IN_REVIEW,
    ),
    "comment": Action(
        "reviews:thread-create",
        S.IN_REVIEW,
        lambda team: {"anchor": "/providers/0/algorithms/0/summary", "body": "摘要需要更具体。"},
        frozenset({Role.OWNER, Role.EDITOR, Role.REVIEWER}),
        lambda filing, thread: CommentThread.objects.filter(filing=filing).count() == 2,
    ),
    "reply": Action(
        "reviews:thread-reply",
        S.IN_REVIEW,
        lambda team: {"body": "已修改。"},
        frozenset({Role.OWNER, Role.EDITOR, Role.REVIEWER}),
        lambda filing, thread: thread.comments.count() == 2,
        on_thread=True,
    ),
    "resolve": Action(
        "reviews:thread-resolve",
        S.IN_REVIEW,
        lambda team: {},
        frozenset({Role.OWNER, Role.EDITOR, Role.REVIEWER}),
        lambda filing, thread: thread.is_resolved,
        on_thread=True,
    ),
    "approve": Action(
        "reviews:decide",
        "reviewed",
        lambda team: {"verdict": "approve"},
        frozenset({Role.OWNER, Role.REVIEWER}),
        lambda filing, thread: Decision.objects.filter(verdict="approve").exists(),
    ),
    "request changes": Action(
        "reviews:decide",
        "reviewed",
        lambda team: {"verdict": "request_changes", "note": "请补充风险防范措施。"},
        frozenset({Role.OWNER, Role.REVIEWER}),
        lambda filing, thread: filing.status == S.CHANGES_REQUESTED,
    ),
    "record submission": Action(
        "reviews:submission",
        S.APPROVED,
        lambda team: {"submitted_on": "2025-03-03"},
        frozenset({Role.OWNER, Role.EDITOR}),
        lambda filing, thread: filing.status == S.SUBMITTED,
    ),
    "record return": Action(
        "reviews:return",
        S.SUBMITTED,
        lambda team: {
            "returned_on": "2025-03-10",
            "cac-TOTAL_FORMS": "1",
            "cac-INITIAL_FORMS": "0",
            "cac-0-anchor": "/providers/0/algorithms/0/summary",
            "cac-0-body": "算法简介不规范。",
        },
        frozenset({Role.OWNER, Role.EDITOR}),
        lambda filing, thread: filing.status == S.RETURNED,
    ),
    "record filing": Action(
        "reviews:filed",
        S.SUBMITTED,
        lambda team: {"filing_number": FILING_NUMBER, "filed_on": "2025-04-01"},
        frozenset({Role.OWNER, Role.EDITOR}),
        lambda filing, thread: filing.status == S.FILED,
    ),
}


@pytest.fixture
def prepare(filing, team):
    def make(action: Action):
        if action.status == "reviewed":
            _reviewed(filing, team)
        else:
            filing.status = action.status
            if action.status in (S.SUBMITTED,):
                filing.submitted_on = "2025-03-03"
            filing.save()
        thread = services.thread_create(
            filing=filing, by=team.reviewer, anchor="", body="整体意见。"
        )
        args = [filing.workspace.slug, thread.pk if action.on_thread else filing.pk]
        return reverse(action.url, args=args), thread

    return make


def _post_data(action: Action, team, filing) -> dict:
    """What the page's form posts: a decision carries the version shown and,
    with the checks' warnings open, the reviewer's acknowledgement of them."""
    data = action.data(team)
    if action.url == "reviews:decide":
        data = {**data, "seen_digest": seen(filing), "acknowledge_warnings": "on"}
    return data


CASES = [
    (name, role)
    for name in ACTIONS
    for role in (Role.OWNER, Role.EDITOR, Role.REVIEWER, Role.VIEWER)
]


@pytest.mark.parametrize(("name", "role"), CASES)
def test_who_may_do_what(client, filing, team, prepare, name, role):
    action = ACTIONS[name]
    url, thread = prepare(action)
    client.force_login(team.by_role(role))
    response = client.post(url, _post_data(action, team, filing))
    filing.refresh_from_db()
    thread.refresh_from_db()
    if role in action.allowed:
        assert response.status_code == 302, response.content.decode()[:2000]
        assert action.after(filing, thread)
    else:
        assert response.status_code == 403
        assert not action.after(filing, thread)


@pytest.mark.parametrize("name", list(ACTIONS))
def test_each_action_needs_a_login(client, filing, team, prepare, name):
    url, _thread = prepare(ACTIONS[name])
    response = client.post(url, ACTIONS[name].data(team))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("name", list(ACTIONS))
def test_another_workspaces_filing_is_a_404(client, team, other_workspace_filing, name):
    """The user's own workspace in the URL, another workspace's object: not found."""
    action = ACTIONS[name]
    slug = team.owner.memberships.get(role="owner").workspace.slug
    other = other_workspace_filing
    pk = other.pk
    if action.on_thread:
        pk = CommentThread.objects.create(workspace=other.workspace, filing=other).pk
    client.force_login(team.owner)
    assert client.post(reverse(action.url, args=[slug, pk]), action.data(team)).status_code == 404


@pytest.mark.parametrize("name", list(ACTIONS))
def test_a_workspace_the_user_is_not_in_is_a_404(
    client, filing, team, prepare, name, member_factory
):
    url, _thread = prepare(ACTIONS[name])
    client.force_login(member_factory(FilingFactory().workspace, Role.OWNER))
    assert client.post(url, ACTIONS[name].data(team)).status_code == 404


PAGES = {
    "review": lambda filing: reverse("reviews:review", args=[filing.workspace.slug, filing.pk]),
    "history": lambda filing: reverse(
        "reviews:history", args=[filing.workspace.slug, filing.algorithm_id]
    ),
    "activity": lambda filing: reverse("reviews:activity", args=[filing.workspace.slug]),
}


@pytest.mark.parametrize("page", list(PAGES))
@pytest.mark.parametrize("role", [Role.OWNER, Role.EDITOR, Role.REVIEWER, Role.VIEWER])
def test_every_member_reads_the_pages(client, filing, team, page, role):
    client.force_login(team.by_role(role))
    assert client.get(PAGES[page](filing)).status_code == 200


@pytest.mark.parametrize("page", list(PAGES))
def test_pages_need_a_login_and_membership(client, filing, member_factory, page):
    url = PAGES[page](filing)
    assert client.get(url)["Location"].startswith(reverse("account_login"))
    client.force_login(member_factory(FilingFactory().workspace, Role.OWNER))
    assert client.get(url).status_code == 404


def test_another_workspaces_filing_and_algorithm_are_404(client, team, other_workspace_filing):
    slug = team.owner.memberships.get(role="owner").workspace.slug
    client.force_login(team.owner)
    other = other_workspace_filing
    assert client.get(reverse("reviews:review", args=[slug, other.pk])).status_code == 404
    assert (
        client.get(reverse("reviews:history", args=[slug, other.algorithm_id])).status_code == 404
    )


def test_get_is_refused_on_actions(client, filing, team):
    client.force_login(team.owner)
    url = reverse("reviews:request", args=[filing.workspace.slug, filing.pk])
    assert client.get(url).status_code == 405


class TestReviewSettings:
    def test_an_owner_sets_the_threshold(self, client, team, workspace):
        client.force_login(team.owner)
        url = reverse("reviews:settings", args=[workspace.slug])
        assert client.get(url).status_code == 200
        assert client.post(url, {"required_approvals": "2"}).status_code == 302
        assert ReviewSettings.objects.get(workspace=workspace).required_approvals == 2
        client.post(url, {"required_approvals": ""})
        assert ReviewSettings.objects.get(workspace=workspace).required_approvals is None

    def test_zero_is_refused(self, client, team, workspace):
        client.force_login(team.owner)
        url = reverse("reviews:settings", args=[workspace.slug])
        assert client.post(url, {"required_approvals": "0"}).status_code == 400

    @pytest.mark.parametrize("role", [Role.EDITOR, Role.REVIEWER, Role.VIEWER])
    def test_other_roles_may_not(self, client, team, workspace, role):
        client.force_login(team.by_role(role))
        url = reverse("reviews:settings", args=[workspace.slug])
        assert client.get(url).status_code == 403
        assert client.post(url, {"required_approvals": "1"}).status_code == 403
        assert not ReviewSettings.objects.exists()


class TestReviewPage:
    def test_it_shows_reviewers_and_their_decisions(self, client, filing, team):
        _reviewed(filing, team)
        request = services.open_request(filing)
        decide(review_request=request, by=team.reviewer, verdict="approve")
        client.force_login(team.editor)
        body = client.get(
            reverse("reviews:review", args=[filing.workspace.slug, filing.pk]),
            HTTP_ACCEPT_LANGUAGE="en",
        ).content.decode()
        assert 'data-reviewer="rita" data-decision="approve"' in body
        assert 'data-reviewer="olivia" data-decision="none"' in body
        assert "Approvals on the current data: 1 of 2 needed." in body
        assert 'id="decision-form"' not in body  # the editor was not asked

    def test_a_requested_reviewer_gets_the_decision_form(self, client, filing, team):
        _reviewed(filing, team)
        client.force_login(team.reviewer)
        body = client.get(
            reverse("reviews:review", args=[filing.workspace.slug, filing.pk])
        ).content.decode()
        assert 'id="decision-form"' in body and 'id="request-form"' not in body

    def test_an_editor_chooses_reviewers_among_reviewers_and_owners(self, client, filing, team):
        client.force_login(team.editor)
        body = client.get(
            reverse("reviews:review", args=[filing.workspace.slug, filing.pk])
        ).content.decode()
        assert 'id="request-form"' in body
        for user in (team.owner, team.reviewer, team.reviewer2):
            assert f'value="{user.pk}"' in body
        for user in (team.editor, team.viewer):
            assert f'name="reviewers" value="{user.pk}"' not in body

    def test_a_request_without_reviewers_shows_the_form_again(self, client, filing, team):
        client.force_login(team.editor)
        response = client.post(
            reverse("reviews:request", args=[filing.workspace.slug, filing.pk]), {}
        )
        assert response.status_code == 400
        filing.refresh_from_db()
        assert filing.status == S.DRAFT

    def test_request_changes_needs_a_note(self, client, filing, team):
        _reviewed(filing, team)
        client.force_login(team.reviewer)
        url = reverse("reviews:decide", args=[filing.workspace.slug, filing.pk])
        assert client.post(url, {"verdict": "request_changes"}).status_code == 400
        filing.refresh_from_db()
        assert filing.status == S.IN_REVIEW

    def test_a_move_the_status_does_not_allow_is_explained(self, client, filing, team):
        client.force_login(team.editor)
        response = client.post(
            reverse("reviews:submission", args=[filing.workspace.slug, filing.pk]),
            {"submitted_on": "2025-03-03"},
            follow=True,
            HTTP_ACCEPT_LANGUAGE="en",
        )
        assert "cannot go from Draft to Submitted" in response.content.decode()
        filing.refresh_from_db()
        assert filing.status == S.DRAFT

    def test_a_decision_on_a_round_closed_meanwhile_is_explained(self, client, filing, team):
        _reviewed(filing, team)
        decide(
            review_request=services.open_request(filing),
            by=team.owner,
            verdict="request_changes",
            note="先改。",
        )
        client.force_login(team.reviewer)
        response = client.post(
            reverse("reviews:decide", args=[filing.workspace.slug, filing.pk]),
            {"verdict": "approve"},
            follow=True,
            HTTP_ACCEPT_LANGUAGE="en",
        )
        assert "This review is closed." in response.content.decode()
        assert not Decision.objects.filter(reviewer=team.reviewer).exists()

    def test_a_viewer_sees_no_forms(self, client, filing, team):
        _reviewed(filing, team)
        client.force_login(team.viewer)
        body = client.get(
            reverse("reviews:review", args=[filing.workspace.slug, filing.pk])
        ).content.decode()
        assert "<form" not in body.split('id="main-content"')[1]


def test_the_algorithm_page_shows_the_open_thread_count(client, filing, team):
    services.thread_create(filing=filing, by=team.reviewer, anchor="", body="一")
    services.thread_create(filing=filing, by=team.reviewer, anchor="basic", body="二")
    resolved = services.thread_create(filing=filing, by=team.reviewer, anchor="", body="三")
    services.thread_resolve(thread=resolved, by=team.editor)
    client.force_login(team.viewer)
    body = client.get(
        reverse("filings:algorithm", args=[filing.workspace.slug, filing.algorithm_id])
    ).content.decode()
    assert 'data-open-threads="2"' in body
    assert reverse("reviews:review", args=[filing.workspace.slug, filing.pk]) in body
