"""The review workflow through its services: every status move it makes and who may make it."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from filings.choices import FilingStatus as S
from filings.models import Activity, InvalidTransition
from reviews import services
from reviews.models import Decision, ReviewRequest, ReviewSettings
from tests.reviews.helpers import decide

pytestmark = pytest.mark.django_db

APPROVE = Decision.Verdict.APPROVE
CHANGES = Decision.Verdict.REQUEST_CHANGES


def _status(filing) -> str:
    filing.refresh_from_db()
    return filing.status


def _request(filing, team, *reviewers):
    return services.review_request_create(
        filing=filing, by=team.editor, reviewers=reviewers or [team.reviewer, team.reviewer2]
    )


class TestRequestReview:
    @pytest.mark.parametrize("role", ["owner", "editor"])
    def test_editors_move_a_draft_into_review(self, filing, team, role):
        request = services.review_request_create(
            filing=filing, by=team.by_role(role), reviewers=[team.reviewer]
        )
        assert _status(filing) == S.IN_REVIEW
        assert list(request.reviewers.all()) == [team.reviewer]
        assert request.is_open and request.requested_by == team.by_role(role)
        activity = Activity.objects.get(verb=Activity.Verb.REVIEW_REQUESTED)
        assert activity.filing == filing and activity.data["review_request"] == request.pk

    @pytest.mark.parametrize("role", ["reviewer", "viewer"])
    def test_reviewers_and_viewers_may_not(self, filing, team, role):
        with pytest.raises(PermissionDenied):
            services.review_request_create(
                filing=filing, by=team.by_role(role), reviewers=[team.reviewer2]
            )
        assert _status(filing) == S.DRAFT
        assert not ReviewRequest.objects.exists()

    def test_only_reviewers_and_owners_other_than_the_requester_can_be_asked(self, filing, team):
        for wrong in ([team.editor], [team.viewer], []):
            with pytest.raises(ValidationError):
                services.review_request_create(filing=filing, by=team.editor, reviewers=wrong)
        assert _status(filing) == S.DRAFT

    def test_the_requester_cannot_review_their_own_request(self, filing, team):
        with pytest.raises(ValidationError):
            services.review_request_create(filing=filing, by=team.owner, reviewers=[team.owner])

    def test_a_member_of_another_workspace_cannot_be_asked(self, filing, team, member_factory):
        from tests.factories import WorkspaceFactory

        stranger = member_factory(WorkspaceFactory(), "reviewer")
        with pytest.raises(ValidationError):
            _request(filing, team, stranger)

    def test_a_filing_in_review_cannot_be_requested_again(self, filing, team):
        _request(filing, team)
        with pytest.raises(InvalidTransition):
            _request(filing, team)
        assert ReviewRequest.objects.count() == 1

    def test_after_changes_requested_review_is_requested_again_in_a_new_round(self, filing, team):
        first = _request(filing, team)
        decide(review_request=first, by=team.reviewer, verdict=CHANGES, note="请补充数据来源。")
        assert _status(filing) == S.CHANGES_REQUESTED
        second = _request(filing, team, team.reviewer)
        first.refresh_from_db()
        assert _status(filing) == S.IN_REVIEW
        assert not first.is_open and second.is_open

    def test_a_round_left_open_by_a_withdrawal_is_closed_by_the_next(self, filing, team):
        first = _request(filing, team)
        filing.transition(S.DRAFT, role="editor", by=team.editor)  # withdrawn from review
        second = _request(filing, team)
        first.refresh_from_db()
        assert not first.is_open and second.is_open


class TestDecisions:
    def test_every_requested_reviewer_must_approve_by_default(self, filing, team):
        request = _request(filing, team)
        decide(review_request=request, by=team.reviewer, verdict=APPROVE)
        assert _status(filing) == S.IN_REVIEW
        assert request.is_open
        decide(review_request=request, by=team.reviewer2, verdict=APPROVE)
        assert _status(filing) == S.APPROVED
        request.refresh_from_db()
        assert not request.is_open
        assert filing.approved_version is not None
        approvals = Activity.objects.filter(verb=Activity.Verb.APPROVED).order_by("pk")
        assert [(a.data["approvals"], a.data["needed"]) for a in approvals] == [(1, 2), (2, 2)]
        # filing.transition logged the status change itself.
        assert Activity.objects.filter(
            verb=Activity.Verb.TRANSITION, data__to=S.APPROVED, actor=team.reviewer2
        ).exists()

    def test_a_workspace_threshold_approves_with_fewer(self, filing, team, workspace):
        ReviewSettings.objects.create(workspace=workspace, required_approvals=1)
        request = _request(filing, team)
        decide(review_request=request, by=team.reviewer2, verdict=APPROVE)
        assert _status(filing) == S.APPROVED

    def test_a_threshold_above_the_reviewers_asked_needs_them_all(self, filing, team, workspace):
        ReviewSettings.objects.create(workspace=workspace, required_approvals=5)
        request = _request(filing, team)
        decide(review_request=request, by=team.reviewer, verdict=APPROVE)
        assert _status(filing) == S.IN_REVIEW
        decide(review_request=request, by=team.reviewer2, verdict=APPROVE)
        assert _status(filing) == S.APPROVED

    def test_one_request_for_changes_sends_it_back(self, filing, team):
        request = _request(filing, team)
        decide(review_request=request, by=team.reviewer, verdict=APPROVE)
        decide(review_request=request, by=team.reviewer2, verdict=CHANGES, note="摘要太短。")
        assert _status(filing) == S.CHANGES_REQUESTED
        activity = Activity.objects.get(verb=Activity.Verb.CHANGES_REQUESTED)
        assert activity.actor == team.reviewer2 and activity.detail == "摘要太短。"

    def test_a_new_decision_replaces_the_reviewers_earlier_one(self, filing, team):
        request = _request(filing, team)
        decide(review_request=request, by=team.reviewer, verdict=APPROVE)
        decide(review_request=request, by=team.reviewer, verdict=CHANGES, note="再看了一遍。")
        decisions = Decision.objects.filter(review_request=request, reviewer=team.reviewer)
        assert decisions.count() == 2
        assert decisions.get(current=True).verdict == CHANGES

    def test_an_approval_of_data_that_changed_since_does_not_count(
        self, filing, team, algorithm, django_capture_on_commit_callbacks
    ):
        request = _request(filing, team)
        decide(review_request=request, by=team.reviewer, verdict=APPROVE)
        algorithm.summary = "审核期间修改的简介。"
        with django_capture_on_commit_callbacks(execute=True):
            algorithm.save()
        decide(review_request=request, by=team.reviewer2, verdict=APPROVE)
        assert _status(filing) == S.IN_REVIEW  # the first approval was of the old summary
        decide(review_request=request, by=team.reviewer, verdict=APPROVE)
        assert _status(filing) == S.APPROVED
        assert (
            filing.approved_version.data["snapshot"]["providers"][0]["algorithms"][0]["summary"]
            == "审核期间修改的简介。"
        )

    @pytest.mark.parametrize("role", ["editor", "viewer"])
    def test_editors_and_viewers_do_not_decide(self, filing, team, role):
        request = _request(filing, team)
        with pytest.raises(PermissionDenied):
            decide(review_request=request, by=team.by_role(role), verdict=APPROVE)
        assert _status(filing) == S.IN_REVIEW

    def test_an_owner_decides_when_asked(self, filing, team):
        request = _request(filing, team, team.owner)
        decide(review_request=request, by=team.owner, verdict=APPROVE)
        assert _status(filing) == S.APPROVED

    def test_a_reviewer_who_was_not_asked_does_not_decide(self, filing, team):
        request = _request(filing, team, team.reviewer)
        with pytest.raises(PermissionDenied):
            decide(review_request=request, by=team.reviewer2, verdict=APPROVE)
        with pytest.raises(PermissionDenied):
            decide(review_request=request, by=team.owner, verdict=APPROVE)

    def test_a_reviewer_whose_role_was_lowered_does_not_decide(self, filing, team, workspace):
        request = _request(filing, team, team.reviewer)
        workspace.memberships.filter(user=team.reviewer).update(role="viewer")
        with pytest.raises(PermissionDenied):
            decide(review_request=request, by=team.reviewer, verdict=APPROVE)

    def test_a_closed_round_takes_no_decision(self, filing, team):
        request = _request(filing, team, team.reviewer)
        decide(review_request=request, by=team.reviewer, verdict=APPROVE)
        with pytest.raises(InvalidTransition):
            decide(review_request=request, by=team.reviewer, verdict=CHANGES)
        assert _status(filing) == S.APPROVED

    def test_a_round_of_a_filing_withdrawn_from_review_takes_no_decision(self, filing, team):
        request = _request(filing, team, team.reviewer)
        filing.transition(S.DRAFT, role="editor", by=team.editor)
        with pytest.raises(InvalidTransition):
            decide(review_request=request, by=team.reviewer, verdict=APPROVE)
        assert _status(filing) == S.DRAFT


class TestApprovalWithdrawn:
    def test_a_change_after_approval_withdraws_it_and_the_feed_says_so(
        self, client, filing, team, algorithm, workspace, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            request = _request(filing, team, team.reviewer)
            decide(review_request=request, by=team.reviewer, verdict=APPROVE)
        assert _status(filing) == S.APPROVED
        algorithm.summary = "批准后修改的简介。"
        with django_capture_on_commit_callbacks(execute=True):
            algorithm.save()
        assert _status(filing) == S.DRAFT
        client.force_login(team.viewer)
        from django.urls import reverse

        for url in (
            reverse("reviews:activity", args=[workspace.slug]),
            reverse("reviews:review", args=[workspace.slug, filing.pk]),
        ):
            body = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
            assert 'data-verb="approval_withdrawn"' in body
            assert "approval withdrawn" in body
            # The field by its label in the reader's language, not its key.
            assert "changed after it: Summary." in body
