"""Who hears about a review event, and the mail they get.

- a review request: the reviewers asked;
- a comment: everyone who wrote in the thread, and whoever requested the
  filing's review;
- a decision: whoever requested the review.

Only current members with an email address are mailed, never the person who
acted. Mails are written in the site's language (settings.LANGUAGE_CODE):
members have no language of their own yet.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from filings.choices import FilingStatus
from filings.models import Activity

from . import anchors
from .models import Comment, CommentThread, Decision, Notification, ReviewRequest

User = get_user_model()

TEMPLATES = {
    Activity.Verb.REVIEW_REQUESTED: "review_requested",
    Activity.Verb.COMMENTED: "commented",
    Activity.Verb.APPROVED: "decision",
    Activity.Verb.CHANGES_REQUESTED: "decision",
}


def _requester_ids(filing_id: int) -> set[int]:
    latest = (
        ReviewRequest.objects.filter(filing_id=filing_id)
        .order_by("-created_at", "-pk")
        .values_list("requested_by_id", flat=True)
        .first()
    )
    return {latest} if latest else set()


def recipient_ids(activity: Activity) -> set[int]:
    data = activity.data or {}
    if activity.verb == Activity.Verb.REVIEW_REQUESTED:
        return set(
            ReviewRequest.reviewers.through.objects.filter(
                reviewrequest_id=data.get("review_request")
            ).values_list("user_id", flat=True)
        )
    if activity.verb == Activity.Verb.COMMENTED:
        thread_id = data.get("thread")
        ids = set(
            Comment.objects.filter(thread_id=thread_id)
            .exclude(author=None)
            .values_list("author_id", flat=True)
        )
        ids |= set(
            CommentThread.objects.filter(pk=thread_id)
            .exclude(author=None)
            .values_list("author_id", flat=True)
        )
        return ids | _requester_ids(activity.filing_id)
    if activity.verb in (Activity.Verb.APPROVED, Activity.Verb.CHANGES_REQUESTED):
        requester = (
            ReviewRequest.objects.filter(pk=data.get("review_request"))
            .values_list("requested_by_id", flat=True)
            .first()
        )
        return {requester} if requester else set()
    return set()


def recipients(activity: Activity):
    return (
        User.objects.filter(
            pk__in=recipient_ids(activity),
            memberships__workspace_id=activity.workspace_id,
            is_active=True,
        )
        .exclude(email="")
        .exclude(pk=activity.actor_id)
        .order_by("pk")
    )


def _link(path: str) -> str:
    # Mail needs an absolute address; SUANBEI_SITE_URL (e.g. https://suanbei.example.cn)
    # gives it. Without it the mail carries the path alone.
    return getattr(settings, "SUANBEI_SITE_URL", "").rstrip("/") + path


def _context(activity: Activity) -> dict:
    from .services import display_name

    filing = activity.filing
    data = activity.data or {}
    context = {
        "activity": activity,
        "actor": display_name(activity.actor),
        "filing": filing,
        "algorithm": filing.algorithm if filing else None,
        "workspace": activity.workspace,
        "site_name": settings.SITE_NAME,
        "url": _link(reverse("reviews:review", args=[activity.workspace.slug, filing.pk])),
    }
    if activity.verb == Activity.Verb.REVIEW_REQUESTED:
        context["review_request"] = ReviewRequest.objects.filter(
            pk=data.get("review_request")
        ).first()
    elif activity.verb == Activity.Verb.COMMENTED:
        context["comment"] = Comment.objects.filter(pk=data.get("comment")).first()
        context["about"] = anchors.anchor_label(data.get("anchor", ""))
    else:
        context["decision"] = Decision.objects.filter(pk=data.get("decision")).first()
        context["approvals"] = data.get("approvals")
        context["needed"] = data.get("needed")
        context["approved"] = filing.status == FilingStatus.APPROVED
    return context


def deliver(activity_id: int) -> int:
    """Mail everyone concerned by one activity; the number of mails sent.

    Safe to run again: each (activity, recipient) has one Notification row,
    claimed before its mail is sent and released if sending fails.
    """
    activity = (
        Activity.objects.select_related("actor", "workspace", "filing__algorithm")
        .filter(pk=activity_id)
        .first()
    )
    name = TEMPLATES.get(activity.verb) if activity else None
    if name is None or activity.filing is None:
        return 0
    for user in recipients(activity):
        Notification.objects.get_or_create(
            activity=activity, recipient=user, defaults={"email": user.email}
        )
    pending = list(Notification.objects.filter(activity=activity, sent_at__isnull=True))
    if not pending:
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        context = _context(activity)
        subject = " ".join(render_to_string(f"reviews/emails/{name}-subject.txt", context).split())
        body = render_to_string(f"reviews/emails/{name}-body.txt", context)
    sent = 0
    with get_connection() as connection:
        for notification in pending:
            claimed = Notification.objects.filter(pk=notification.pk, sent_at__isnull=True).update(
                sent_at=timezone.now()
            )
            if not claimed:
                continue  # another run of this task sent it
            try:
                EmailMessage(subject, body, to=[notification.email], connection=connection).send()
            except Exception:
                # Not sent: leave it for the retry.
                Notification.objects.filter(pk=notification.pk).update(sent_at=None)
                raise
            sent += 1
    return sent
