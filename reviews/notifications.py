"""Who hears about a review event, and the mail they get.

- a review request: the reviewers asked;
- a comment: everyone who wrote in the thread, and whoever requested the
  filing's review;
- a decision: whoever requested the review;
- an approval withdrawn by a change: the reviewers whose approval it was.

Only current members with an email address are mailed, never the person who
acted. Each mail is written in its recipient's language (the one she last
used, workspaces.models.languages_of), field names included: the activity
stores codes, and the words are made here, per language.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from filings.choices import FilingStatus
from filings.models import Activity, SnapshotVersion
from workspaces.models import languages_of

from . import anchors, feed, selectors
from .models import Comment, CommentThread, Decision, Notification, ReviewRequest

User = get_user_model()

TEMPLATES = {
    Activity.Verb.REVIEW_REQUESTED: "review_requested",
    Activity.Verb.COMMENTED: "commented",
    Activity.Verb.APPROVED: "decision",
    Activity.Verb.CHANGES_REQUESTED: "decision",
    Activity.Verb.APPROVAL_WITHDRAWN: "approval_withdrawn",
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
    if activity.verb == Activity.Verb.APPROVAL_WITHDRAWN:
        return _approver_ids(activity)
    return set()


def _approver_ids(activity: Activity) -> set[int]:
    """The reviewers whose standing approval the change withdrew: their current
    approvals in the filing's last review round, on the approved version."""
    data = activity.data or {}
    request_id = (
        ReviewRequest.objects.filter(filing_id=activity.filing_id)
        .order_by("-created_at", "-pk")
        .values_list("pk", flat=True)
        .first()
    )
    if request_id is None:
        return set()
    approvals = Decision.objects.filter(
        review_request_id=request_id, current=True, verdict=Decision.Verdict.APPROVE
    ).exclude(reviewer=None)
    approved_version = data.get("approved_version")
    if approved_version:
        digest = (
            SnapshotVersion.objects.filter(pk=approved_version)
            .values_list("digest", flat=True)
            .first()
        )
        approvals = approvals.filter(version__digest=digest)
    return set(approvals.values_list("reviewer_id", flat=True))


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
        if data.get("thread"):
            # Straight to the thread, beside the field it is about.
            context["url"] = _link(
                selectors.thread_url(
                    activity.workspace.slug,
                    algorithm_id=filing.algorithm_id,
                    filing_id=filing.pk,
                    thread_id=data["thread"],
                    anchor=data.get("anchor", ""),
                )
            )
    elif activity.verb == Activity.Verb.APPROVAL_WITHDRAWN:
        # Field labels made now, in the language being written (reviews.feed).
        context["fields"] = feed.field_labels(data.get("pointers"), total=data.get("count"))
        context["history_url"] = _link(
            reverse("reviews:history", args=[activity.workspace.slug, filing.algorithm_id])
        )
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
    # Each recipient in her own language: one rendering per language.
    languages = languages_of({n.recipient_id for n in pending})
    mails: dict[str, tuple[str, str]] = {}  # language -> (subject, body)
    for language in sorted(set(languages.values())):
        with translation.override(language):
            context = _context(activity)
            subject = render_to_string(f"reviews/emails/{name}-subject.txt", context)
            body = render_to_string(f"reviews/emails/{name}-body.txt", context)
        mails[language] = (" ".join(subject.split()), body)
    sent = 0
    with get_connection() as connection:
        for notification in pending:
            subject, body = mails[languages[notification.recipient_id]]
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


def _withdrawn(sender, instance: Activity, created: bool, raw: bool = False, **kwargs) -> None:
    # filings.versions withdraws approvals (it knows nothing of reviews): the
    # reviewers whose approval it was hear of it from here, after the commit.
    if created and not raw and instance.verb == Activity.Verb.APPROVAL_WITHDRAWN:
        from .services import _notify

        _notify(instance)


def connect() -> None:
    from django.db.models.signals import post_save

    post_save.connect(_withdrawn, sender=Activity, dispatch_uid="reviews-approval-withdrawn-mail")
