"""What the review, history and activity pages read. No writes here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, QuerySet
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from filings import labels, placement, versions
from filings.models import Activity, Algorithm, Filing, SnapshotVersion

from . import anchors, textdiff
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
    """The filing's threads, open ones first, each with its anchor's label and
    comments; one about the self-assessment with the link to its field there
    (the wizard's links are thread_url's)."""
    rows = []
    placer = placement.Placer(filing.algorithm, document=document)
    queryset = (
        CommentThread.objects.filter(filing=filing)
        .select_related("author", "resolved_by")
        .prefetch_related(
            Prefetch("comments", queryset=Comment.objects.select_related("author").order_by("pk"))
        )
        .order_by("created_at", "pk")
    )
    for thread in queryset:
        step = anchors.step_of(thread.anchor)
        rows.append(
            {
                "thread": thread,
                "label": anchors.anchor_label(thread.anchor, document),
                "step": step,
                "comments": list(thread.comments.all()),
                "url": placer(thread.anchor).url(filing.workspace.slug, filing.algorithm_id)
                if step == placement.ASSESSMENT
                else "",
            }
        )
    rows.sort(key=lambda row: row["thread"].is_resolved)  # stable: open ones first, each in order
    return rows


def thread_url(slug: str, *, algorithm_id: int, filing_id: int, thread_id: int, anchor: str,
               resolved: bool = False) -> str:  # fmt: skip
    """Where a link to a thread lands: beside its field (or at the top of its
    step) in the wizard while it is open, else on the review page; always with
    the thread's fragment, which the page highlights."""
    step = anchors.step_of(anchor)
    if not resolved and step in anchors.STEP_CODES:
        path = reverse("filings:wizard", args=[slug, algorithm_id, step])
    else:
        path = reverse("reviews:review", args=[slug, filing_id])
    return f"{path}#thread-{thread_id}"


@dataclass
class OpenThreads:
    """An algorithm's open threads, placed: on a field of a stored object
    ((model name, pk, attribute) -> rows), or else by wizard step ("" when
    they are about the whole filing or a step no page edits)."""

    fields: dict[tuple[str, int, str], list[dict]] = field(default_factory=dict)
    steps: dict[str, list[dict]] = field(default_factory=dict)

    def __len__(self) -> int:
        return sum(map(len, self.fields.values())) + sum(map(len, self.steps.values()))

    def pop(self, model_name: str, pk: int, attr: str | None = None) -> list[dict]:
        """The rows on one field of an object (or on any of its fields), taken out."""
        rows = []
        for key in [k for k in self.fields if k[:2] == (model_name, pk)]:
            if attr is None or key[2] == attr:
                rows.extend(self.fields.pop(key))
        return sorted(rows, key=lambda row: row["thread"].pk)

    def rest(self) -> list[dict]:
        """Every row not taken out yet."""
        rows = [row for rows in self.fields.values() for row in rows]
        rows += [row for rows in self.steps.values() for row in rows]
        return sorted(rows, key=lambda row: row["thread"].pk)


def open_threads(
    algorithm: Algorithm,
    slug: str,
    *,
    locations: dict | Callable[[], dict] | None = None,
    document: dict | None = None,
) -> OpenThreads:
    """The open threads of every filing of the algorithm, each with its
    comments, placed on the field it is about. A fixed number of queries
    whatever the number of threads: the threads, their comments, and (only
    when a thread is about a row of a list, e.g. a deployment) the export
    that says which stored object each pointer names. `locations` is that
    export's map ((model name, pk) -> pointer), or a function computing it."""
    queryset = (
        CommentThread.objects.filter(filing__algorithm=algorithm, resolved_at__isnull=True)
        .select_related("author")
        .prefetch_related(
            Prefetch("comments", queryset=Comment.objects.select_related("author").order_by("pk"))
        )
        .order_by("created_at", "pk")
    )
    placed = OpenThreads()
    placer = placement.Placer(algorithm, locations=locations, document=document)
    for thread in queryset:
        row = {
            "thread": thread,
            "label": anchors.anchor_label(thread.anchor, document),
            "step": anchors.step_of(thread.anchor),
            "comments": list(thread.comments.all()),
            "url": thread_url(
                slug,
                algorithm_id=algorithm.pk,
                filing_id=thread.filing_id,
                thread_id=thread.pk,
                anchor=thread.anchor,
            ),
        }
        # On a field of a stored object (filings.placement), else by step.
        where = placer(thread.anchor)
        if where.attr and where.model_name and where.pk is not None:
            placed.fields.setdefault((where.model_name, where.pk, where.attr), []).append(row)
        else:
            placed.steps.setdefault(row["step"] or "", []).append(row)
    return placed


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


def changes_since_request(filing: Filing, current: dict) -> dict | None:
    """On a later round: what changed since the last "request changes" on the
    filing, against the version recorded with that decision. None before any
    such decision, or when it recorded no version."""
    decision = (
        Decision.objects.filter(
            review_request__filing=filing,
            verdict=Decision.Verdict.REQUEST_CHANGES,
            version__isnull=False,
        )
        .select_related("reviewer", "version")
        .order_by("-created_at", "-pk")
        .first()
    )
    if decision is None:
        return None
    return {"decision": decision, "rows": diff_rows(decision.version.data, current)}


# ---------------------------------------------------------------------------
# History and diffs
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DiffRow:
    pointer: str
    label: str
    kind: str  # added | removed | changed
    before: str  # plain text
    after: str
    # The same as HTML: the changed characters or words of a text marked
    # (<del>/<ins>), or the whole value when nothing is shared.
    before_html: SafeString = SafeString()
    after_html: SafeString = SafeString()
    inline: bool = False  # True when the HTML marks changes inside a text


def _marked(
    change: versions.Change, before: str, after: str
) -> tuple[SafeString, SafeString, bool]:
    # A text shown as stored (not a choice's label, not a masked number) is
    # compared inside; anything else is shown whole, struck out and inserted.
    if (
        change.kind == "changed"
        and isinstance(change.before, str)
        and isinstance(change.after, str)
        and before == change.before
        and after == change.after
    ):
        marked = textdiff.inline(before, after)
        if marked is not None:
            return marked.before, marked.after, True
    return (
        format_html('<del class="sb-del">{}</del>', before),
        format_html('<ins class="sb-ins">{}</ins>', after),
        False,
    )


def diff_rows(before: dict, after: dict) -> list[DiffRow]:
    """versions.diff as rows a person reads: field labels, choice labels, file
    names, and for texts the characters or words that changed."""
    rows = []
    for change in versions.diff(before, after):
        document = after if change.after is not None else before
        old = labels.display_value(change.before, change.pointer)
        new = labels.display_value(change.after, change.pointer)
        old_html, new_html, inline = _marked(change, old, new)
        rows.append(
            DiffRow(
                change.pointer,
                anchors.pointer_label(change.pointer, document),
                change.kind,
                old,
                new,
                old_html,
                new_html,
                inline,
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
