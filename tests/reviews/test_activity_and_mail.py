"""The activity feeds (constant query counts) and the mails the worker sends about review events."""

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from filings.models import Activity
from reviews import notifications, services
from reviews.models import Notification
from reviews.tasks import send_notification
from tests.reviews.helpers import decide

pytestmark = pytest.mark.django_db


def _activities(filing, actors, n):
    Activity.objects.bulk_create(
        [
            Activity(
                workspace_id=filing.workspace_id,
                algorithm_id=filing.algorithm_id,
                filing=filing,
                actor=actors[i % len(actors)],
                verb=Activity.Verb.COMMENTED,
                detail=f"评论{i}",
            )
            for i in range(n)
        ]
    )


@pytest.mark.parametrize("page", ["activity", "review"])
def test_a_feed_costs_the_same_queries_for_5_or_50_entries(
    client, filing, team, page, django_assert_num_queries
):
    url = {
        "activity": reverse("reviews:activity", args=[filing.workspace.slug]),
        "review": reverse("reviews:review", args=[filing.workspace.slug, filing.pk]),
    }[page]
    actors = [team.owner, team.editor, team.reviewer, None]
    client.force_login(team.viewer)
    _activities(filing, actors, 5)
    client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    _activities(filing, actors, 45)
    with django_assert_num_queries(len(few)):
        body = client.get(url).content.decode()
    assert body.count('data-verb="commented"') == 25  # one page


def test_the_workspace_feed_shows_only_this_workspace(client, filing, team, other_workspace_filing):
    _activities(filing, [team.owner], 2)
    _activities(other_workspace_filing, [None], 3)
    client.force_login(team.viewer)
    body = client.get(reverse("reviews:activity", args=[filing.workspace.slug])).content.decode()
    assert body.count('data-verb="commented"') == 2


def test_the_feed_pages_go_back_in_time(client, filing, team):
    _activities(filing, [team.owner], 30)
    client.force_login(team.viewer)
    url = reverse("reviews:activity", args=[filing.workspace.slug])
    assert client.get(url, {"page": 2}).content.decode().count('data-verb="commented"') == 5


# ---------------------------------------------------------------------------
# Mail
# ---------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def english_mail(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def requested(filing, team, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        request = services.review_request_create(
            filing=filing,
            by=team.editor,
            reviewers=[team.reviewer, team.reviewer2],
            note="请在周五前审阅。",
        )
    return request


def _to(messages) -> list[str]:
    return sorted(address for m in messages for address in m.to)


def test_a_review_request_mails_the_reviewers(requested, team, algorithm):
    assert _to(mail.outbox) == sorted([team.reviewer.email, team.reviewer2.email])
    message = mail.outbox[0]
    assert message.subject == f"edward asks you to review {algorithm.name}"
    assert "请在周五前审阅。" in message.body
    assert (
        reverse("reviews:review", args=[algorithm.workspace.slug, requested.filing_id])
        in message.body
    )


def test_a_comment_mails_the_thread_and_the_requester_but_not_its_author(
    requested, filing, team, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        thread = services.thread_create(
            filing=filing,
            by=team.reviewer,
            anchor="/providers/0/algorithms/0/summary",
            body="简介太短。",
        )
    assert _to(mail.outbox) == [team.editor.email]
    assert "(Summary)" in mail.outbox[0].body and "简介太短。" in mail.outbox[0].body
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_reply(thread=thread, by=team.owner, body="我来改。")
    assert _to(mail.outbox) == sorted([team.editor.email, team.reviewer.email])
    assert mail.outbox[0].subject.startswith("olivia commented on")


def test_a_decision_mails_the_requester(requested, team, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        decide(review_request=requested, by=team.reviewer, verdict="approve")
    assert _to(mail.outbox) == [team.editor.email]
    assert "rita approved" in mail.outbox[0].subject
    assert "Approvals so far: 1 of 2 needed." in mail.outbox[0].body
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        decide(
            review_request=requested,
            by=team.reviewer2,
            verdict="request_changes",
            note="补充数据来源。",
        )
    assert _to(mail.outbox) == [team.editor.email]
    assert "roger requested changes" in mail.outbox[0].subject
    assert "补充数据来源。" in mail.outbox[0].body


def test_nothing_is_mailed_when_the_action_rolls_back(
    filing, team, django_capture_on_commit_callbacks
):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                services.thread_create(filing=filing, by=team.reviewer, anchor="", body="x")
                raise RuntimeError
        except RuntimeError:
            pass
    assert mail.outbox == []


def test_members_without_email_or_membership_are_not_mailed(
    filing, team, workspace, django_capture_on_commit_callbacks
):
    team.reviewer2.email = ""
    team.reviewer2.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.review_request_create(
            filing=filing, by=team.editor, reviewers=[team.reviewer, team.reviewer2]
        )
    workspace.memberships.filter(user=team.reviewer).delete()
    activity = Activity.objects.get(verb=Activity.Verb.REVIEW_REQUESTED)
    assert list(notifications.recipients(activity)) == []
    assert _to(mail.outbox) == [team.reviewer.email]  # mailed while still a member


def test_running_the_task_again_mails_nobody_twice(requested):
    activity = Activity.objects.get(verb=Activity.Verb.REVIEW_REQUESTED)
    assert len(mail.outbox) == 2
    assert send_notification.delay(activity.pk).get() == 0
    assert len(mail.outbox) == 2
    assert Notification.objects.filter(activity=activity, sent_at__isnull=False).count() == 2


def _failing_send(monkeypatch, error, *, on_call):
    """EmailMessage.send raising `error` on the `on_call`-th call; the calls' recipients."""
    from django.core.mail import EmailMessage

    real_send = EmailMessage.send
    calls = []

    def send(self, *args, **kwargs):
        calls.append(self.to[0])
        if len(calls) == on_call:
            raise error
        return real_send(self, *args, **kwargs)

    monkeypatch.setattr(EmailMessage, "send", send)
    return calls


def test_a_connection_error_is_retried_and_only_unsent_mail_goes_again(filing, team, monkeypatch):
    services.review_request_create(
        filing=filing, by=team.editor, reviewers=[team.reviewer, team.reviewer2]
    )  # no on-commit here: the task is run below, as a worker would (not propagating)
    activity = Activity.objects.get(verb=Activity.Verb.REVIEW_REQUESTED)
    calls = _failing_send(monkeypatch, ConnectionRefusedError("smtp down"), on_call=2)
    result = send_notification.apply(args=[activity.pk], throw=False)
    assert result.successful()
    # The first mail left; the second failed, and went on the retry.
    assert calls == [team.reviewer.email, team.reviewer2.email, team.reviewer2.email]
    assert _to(mail.outbox) == sorted([team.reviewer.email, team.reviewer2.email])
    assert not Notification.objects.filter(sent_at__isnull=True).exists()


def test_other_errors_are_not_retried(filing, team, monkeypatch):
    services.review_request_create(filing=filing, by=team.editor, reviewers=[team.reviewer2])
    activity = Activity.objects.get(verb=Activity.Verb.REVIEW_REQUESTED)
    calls = _failing_send(monkeypatch, ValueError("a bug"), on_call=1)
    result = send_notification.apply(args=[activity.pk], throw=False)
    assert result.failed() and isinstance(result.result, ValueError)
    assert calls == [team.reviewer2.email]
    # Released, for whoever runs it again once the bug is fixed.
    assert Notification.objects.get(activity=activity).sent_at is None


def test_an_activity_that_mails_nobody_is_a_no_op(filing, team):
    services.thread_create(filing=filing, by=team.reviewer, anchor="", body="x")
    resolved = Activity.objects.create(
        workspace_id=filing.workspace_id, filing=filing, verb=Activity.Verb.RESOLVED
    )
    assert send_notification.delay(resolved.pk).get() == 0
    assert send_notification.delay(10**9).get() == 0  # deleted since
    assert mail.outbox == []
