"""Review of a filing before it goes to the CAC, and what the CAC said after.

A ReviewRequest asks chosen reviewers to look at one filing; each of them
has one current Decision on it. Comments hang in threads anchored to a
field of the interchange snapshot (a JSON Pointer), a wizard step, or the
whole filing; the CAC's return for correction is entered as threads too.
The status moves themselves are filings.lifecycle's: see reviews.services.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from filings.models import Activity, Filing, SnapshotVersion, WorkspaceOwned
from workspaces.models import Workspace

COMMENT_MAX = 5000


class ReviewSettings(models.Model):
    """A workspace's review rules (kept here: the workspaces app knows nothing of reviews)."""

    workspace = models.OneToOneField(
        Workspace, on_delete=models.CASCADE, related_name="review_settings"
    )
    required_approvals = models.PositiveSmallIntegerField(
        _("approvals required"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_(
            "How many of the requested reviewers must approve. Empty: every requested reviewer."
        ),
    )

    class Meta:
        verbose_name = _("review settings")
        verbose_name_plural = _("review settings")

    def __str__(self) -> str:
        return str(_("Review settings of %(workspace)s") % {"workspace": self.workspace})

    @classmethod
    def of(cls, workspace_id: int) -> ReviewSettings:
        """The workspace's settings; an unsaved default when none were chosen."""
        return cls.objects.filter(workspace_id=workspace_id).first() or cls(
            workspace_id=workspace_id
        )

    def approvals_needed(self, reviewers: int) -> int:
        # A threshold above the number of reviewers asked would make approval impossible.
        if self.required_approvals is None:
            return reviewers
        return min(self.required_approvals, reviewers)


class ReviewRequest(WorkspaceOwned):
    """One round of review of a filing: open until it is approved, changes are
    requested, or the editors ask again."""

    filing = models.ForeignKey(
        Filing, on_delete=models.CASCADE, related_name="review_requests", verbose_name=_("filing")
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    reviewers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="+", verbose_name=_("reviewers")
    )
    note = models.TextField(
        _("note to the reviewers"), blank=True, validators=[MaxLengthValidator(COMMENT_MAX)]
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("review request")
        verbose_name_plural = _("review requests")
        constraints = [
            models.UniqueConstraint(
                fields=["filing"],
                condition=Q(closed_at__isnull=True),
                name="one_open_review_per_filing",
            )
        ]

    def __str__(self) -> str:
        return str(_("Review of %(filing)s") % {"filing": self.filing})

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    def clean(self) -> None:
        self._check_same_workspace(self.filing if self.filing_id else None)


class Decision(WorkspaceOwned):
    """A reviewer's verdict. A new one supersedes the reviewer's earlier one in the
    same request; the earlier ones stay for the record."""

    class Verdict(models.TextChoices):
        APPROVE = "approve", _("Approve")
        REQUEST_CHANGES = "request_changes", _("Request changes")

    review_request = models.ForeignKey(
        ReviewRequest, on_delete=models.CASCADE, related_name="decisions"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    verdict = models.CharField(_("decision"), max_length=20, choices=Verdict.choices)
    note = models.TextField(_("note"), blank=True, validators=[MaxLengthValidator(COMMENT_MAX)])
    # The data the reviewer saw: an approval of other data does not count.
    version = models.ForeignKey(
        SnapshotVersion, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    current = models.BooleanField(default=True)
    # The open check warnings the reviewer confirmed she had read when approving:
    # [{"code", "pointer"}, …] of the version approved; empty when there were none.
    acknowledged_warnings = models.JSONField(_("warnings acknowledged"), default=list, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        constraints = [
            models.UniqueConstraint(
                fields=["review_request", "reviewer"],
                condition=Q(current=True),
                name="one_current_decision_per_reviewer",
            )
        ]

    def __str__(self) -> str:
        return f"{self.reviewer} · {self.get_verdict_display()}"


class CommentThread(WorkspaceOwned):
    class Source(models.TextChoices):
        TEAM = "team", _("Team")
        CAC = "cac", _("CAC")

    filing = models.ForeignKey(Filing, on_delete=models.CASCADE, related_name="comment_threads")
    # "" (the whole filing), a wizard step code ("basic"), or a JSON Pointer into
    # the algorithm's snapshot ("/providers/0/algorithms/0/summary") or its
    # attachments ("/attachments/flowchart"); see reviews.anchors.
    anchor = models.CharField(_("about"), max_length=300, blank=True)
    source = models.CharField(
        _("source"), max_length=8, choices=Source.choices, default=Source.TEAM
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("comment thread")
        verbose_name_plural = _("comment threads")
        indexes = [models.Index(fields=["filing", "resolved_at"], name="thread_open")]

    def __str__(self) -> str:
        return f"{self.filing_id} · {self.anchor or '-'}"

    @property
    def is_resolved(self) -> bool:
        return self.resolved_at is not None

    def clean(self) -> None:
        self._check_same_workspace(self.filing if self.filing_id else None)


class Comment(WorkspaceOwned):
    """The first comment of a thread opens it; the others are replies."""

    thread = models.ForeignKey(CommentThread, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = models.TextField(_("comment"), validators=[MaxLengthValidator(COMMENT_MAX)])

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")

    def __str__(self) -> str:
        return self.body[:60]

    def clean(self) -> None:
        if self.thread_id and self.thread.workspace_id != self.workspace_id:
            raise ValidationError(_("The comment and its thread belong to different workspaces."))


class Notification(models.Model):
    """One email about one activity to one member; `sent_at` is set when it left.

    The worker claims a row before sending, so a retried or duplicated task
    never mails anyone twice (reviews.notifications).
    """

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="+")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    email = models.EmailField()
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "recipient"], name="one_notification_per_recipient"
            )
        ]

    def __str__(self) -> str:
        return f"{self.activity_id} → {self.email}"
