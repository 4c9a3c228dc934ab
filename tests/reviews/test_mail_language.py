"""Review mails in each recipient's language; the mail that tells a reviewer
her approval was withdrawn; what the approval mail says approval means."""

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from filings import versions
from filings.choices import FilingStatus
from filings.models import Activity, Filing
from reviews import anchors, notifications, services
from reviews.models import Decision, ReviewRequest
from workspaces.models import Profile

pytestmark = pytest.mark.django_db

SUMMARY = "/snapshot/providers/0/algorithms/0/summary"


def _speaks(user, language):
    Profile.objects.update_or_create(user=user, defaults={"language": language})


def _mail_to(user):
    [message] = [m for m in mail.outbox if user.email in m.to]
    return message


def test_each_reviewer_gets_the_request_in_her_own_language(
    filing, team, algorithm, django_capture_on_commit_callbacks
):
    _speaks(team.reviewer, "en")
    _speaks(team.reviewer2, "zh-hans")
    with django_capture_on_commit_callbacks(execute=True):
        services.review_request_create(
            filing=filing, by=team.editor, reviewers=[team.reviewer, team.reviewer2]
        )
    english, chinese = _mail_to(team.reviewer), _mail_to(team.reviewer2)
    assert english.subject == f"edward asks you to review {algorithm.name}"
    assert chinese.subject != english.subject and "审" in chinese.subject
    assert "Approve it or request changes" in english.body
    assert "Approve it or request changes" not in chinese.body


def test_a_member_who_never_chose_gets_the_sites_language(
    filing, team, settings, django_capture_on_commit_callbacks
):
    settings.LANGUAGE_CODE = "en"
    with django_capture_on_commit_callbacks(execute=True):
        services.review_request_create(filing=filing, by=team.editor, reviewers=[team.reviewer])
    assert "Approve it or request changes" in _mail_to(team.reviewer).body


@pytest.fixture
def approved(filing, team, algorithm):
    """Approved by rita; roger was asked too but had not decided."""
    request = ReviewRequest.objects.create(
        workspace_id=filing.workspace_id, filing=filing, requested_by=team.editor
    )
    request.reviewers.set([team.reviewer, team.reviewer2])
    version = versions.record(algorithm)
    Decision.objects.create(
        workspace_id=filing.workspace_id,
        review_request=request,
        reviewer=team.reviewer,
        verdict=Decision.Verdict.APPROVE,
        version=version,
    )
    Filing.objects.filter(pk=filing.pk).update(
        status=FilingStatus.APPROVED, approved_version=version
    )
    ReviewRequest.objects.filter(pk=request.pk).update(closed_at=version.created_at)
    return filing


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_reviewer_is_mailed_when_her_approval_is_withdrawn(
    approved, team, algorithm, language, django_capture_on_commit_callbacks
):
    _speaks(team.reviewer, language)
    algorithm.summary = "批准后改过的简介，加上了新的说明。"
    with django_capture_on_commit_callbacks(execute=True):
        algorithm.save()
    assert Filing.objects.get(pk=approved.pk).status == FilingStatus.DRAFT
    [message] = mail.outbox  # rita only: roger had not approved, the editor did not
    assert message.to == [team.reviewer.email]
    with translation.override(language):
        label = anchors.pointer_label(SUMMARY)
        subject = "Your approval of %(algorithm)s was withdrawn"
        assert message.subject == translation.gettext(subject) % {"algorithm": algorithm.name}
    assert label in message.body
    assert reverse("reviews:history", args=[algorithm.workspace.slug, algorithm.pk]) in message.body
    if language == "en":
        assert "your approval was withdrawn" in message.body
        assert "An approval stands for the exact version you saw." in message.body


def test_a_withdrawal_mails_no_one_twice(
    approved, team, algorithm, django_capture_on_commit_callbacks
):
    algorithm.summary = "改过的简介。"
    with django_capture_on_commit_callbacks(execute=True):
        algorithm.save()
    activity = Activity.objects.get(verb=Activity.Verb.APPROVAL_WITHDRAWN)
    assert notifications.deliver(activity.pk) == 0
    assert len(mail.outbox) == 1


def test_a_reviewer_no_longer_a_member_is_not_mailed(
    approved, team, algorithm, django_capture_on_commit_callbacks
):
    approved.workspace.memberships.filter(user=team.reviewer).delete()
    algorithm.summary = "改过的简介。"
    with django_capture_on_commit_callbacks(execute=True):
        algorithm.save()
    assert Activity.objects.filter(verb=Activity.Verb.APPROVAL_WITHDRAWN).exists()
    assert mail.outbox == []


def test_the_approval_mail_says_what_approval_means(approved, team):
    _speaks(team.editor, "en")
    request = ReviewRequest.objects.get(filing=approved)
    decision = Decision.objects.get(review_request=request)
    activity = Activity.objects.create(
        workspace_id=approved.workspace_id,
        algorithm_id=approved.algorithm_id,
        filing=approved,
        actor=team.reviewer,
        verb=Activity.Verb.APPROVED,
        data={"review_request": request.pk, "decision": decision.pk, "approvals": 1, "needed": 1},
    )
    assert notifications.deliver(activity.pk) == 1
    body = _mail_to(team.editor).body
    assert "any change to it withdraws the approval" in body
    assert "the data stays editable" in body
    assert "data is frozen" not in body
