"""What the review, history and activity pages read. No writes here."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, QuerySet

from filings import versions
from filings.models import Activity, Algorithm, Filing, SnapshotVersion

from . import anchors
from .models import Comment, CommentThread, Decision, ReviewRequest


def activities(**filters) -> QuerySet[Activity]:
    """A feed, newest first, with everything a row shows joined in: the
    number of queries does not depend on the number of rows."""
    return (
        Activity.objects.filter(**filters)
        .select_related("actor", "algorithm", "filing")
        .order_by("-created_at", "-pk")
    )


def threads(filing: Filing, document: dict | None = None) -> list[dict]:
    """The filing's threads, open ones first, each with its anchor's label and comments."""
    rows = []
    queryset = (
        CommentThread.objects.filter(filing=filing)
        .select_related("author", "resolved_by")
        .prefetch_related(
            Prefetch("comments", queryset=Comment.objects.select_related("author").order_by("pk"))
        )
        .order_by("created_at", "pk")
    )
    for thread in queryset:
        rows.append(
            {
                "thread": thread,
                "label": anchors.anchor_label(thread.anchor, document),
                "step": anchors.step_of(thread.anchor),
                "comments": list(thread.comments.all()),
            }
        )
    rows.sort(key=lambda row: row["thread"].is_resolved)  # stable: open ones first, each in order
    return rows


def open_thread_counts(algorithm: Algorithm) -> dict[int, int]:
    """filing pk -> number of unresolved threads."""
    return dict(
        CommentThread.objects.filter(filing__algorithm=algorithm, resolved_at__isnull=True)
        .values("filing_id")
        .annotate(n=Count("pk"))
        .values_list("filing_id", "n")
    )


@dataclass
class ReviewerRow:
    user: object
    decision: Decision | None
    # False when the decision was made on data that has changed since.
    on_current_data: bool


@dataclass
class ReviewState:
    request: ReviewRequest | None
    reviewers: list[ReviewerRow] = field(default_factory=list)
    approvals: int = 0
    needed: int = 0
    history: list[Decision] = field(default_factory=list)  # every decision of the request


def review_state(filing: Filing, digest: str) -> ReviewState:
    """The latest review round of the filing (open or not) and where each reviewer stands."""
    from .services import approvals

    request = (
        ReviewRequest.objects.filter(filing=filing)
        .select_related("requested_by")
        .prefetch_related("reviewers")
        .order_by("-created_at", "-pk")
        .first()
    )
    if request is None:
        return ReviewState(None)
    decisions = list(
        Decision.objects.filter(review_request=request)
        .select_related("reviewer", "version")
        .order_by("created_at", "pk")
    )
    current = {d.reviewer_id: d for d in decisions if d.current}
    rows = []
    for user in sorted(request.reviewers.all(), key=lambda u: u.get_username()):
        decision = current.get(user.pk)
        rows.append(
            ReviewerRow(
                user,
                decision,
                bool(decision and decision.version and decision.version.digest == digest),
            )
        )
    given, needed = approvals(request, digest)
    return ReviewState(request, rows, given, needed, decisions)


# ---------------------------------------------------------------------------
# History and diffs
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DiffRow:
    pointer: str
    label: str
    kind: str  # added | removed | changed
    before: str
    after: str


def diff_rows(before: dict, after: dict) -> list[DiffRow]:
    """versions.diff as rows a person reads: field labels, choice labels, file names."""
    rows = []
    for change in versions.diff(before, after):
        document = after if change.after is not None else before
        rows.append(
            DiffRow(
                change.pointer,
                anchors.pointer_label(change.pointer, document),
                change.kind,
                anchors.display_value(change.before, change.pointer),
                anchors.display_value(change.after, change.pointer),
            )
        )
    return rows


def version_changes(page: list[SnapshotVersion], algorithm: Algorithm) -> list[dict]:
    """Each version of a page (newest first) with what changed from the version before it."""
    if not page:
        return []
    data = dict(
        SnapshotVersion.objects.filter(pk__in=[v.pk for v in page]).values_list("pk", "data")
    )
    oldest = min(v.pk for v in page)
    before = (
        SnapshotVersion.objects.filter(algorithm=algorithm, pk__lt=oldest)
        .order_by("-pk")
        .values_list("data", flat=True)
        .first()
    )
    rows = []
    for version in sorted(page, key=lambda v: v.pk):
        rows.append(
            {
                "version": version,
                "first": before is None,
                "changes": diff_rows(before, data[version.pk]) if before is not None else [],
            }
        )
        before = data[version.pk]
    rows.reverse()
    return rows
