"""The review workflow and the record of what the CAC did, as explicit steps.

Every status move goes through `filing.transition` (filings.lifecycle): it
locks the filing, checks the move and the role, freezes the approved
version and logs the status change. What this module adds is who was asked,
who decided what, the comments, and an Activity row per event; each such
row is mailed by the worker once the transaction has committed.

Who may do each step is the table of workspaces.permissions: `edit`
requests a review, `record_cac_events` records what happened at the CAC,
`review` decides (only the reviewers asked), `comment` comments and resolves.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from filings import changes, lifecycle, versions
from filings.choices import FilingStatus
from filings.models import Activity, Algorithm, Filing, InvalidTransition, SnapshotVersion
from filings.validators import normalize_code, validate_filing_number
from workdays.calendar import Deadline
from workspaces.permissions import Capability, require_user, role_may, role_of, roles_with

from . import anchors
from .models import Comment, CommentThread, Decision, ReviewRequest, ReviewSettings

User = get_user_model()

# Where the provider's site links its filing number to.
CAC_FILING_SITE = "https://beian.cac.gov.cn/#/index"


def _require(filing: Filing, user, capability: Capability) -> str:
    """The user's role, or PermissionDenied when it lacks `capability`."""
    return require_user(filing.workspace_id, user, capability)


def display_name(user) -> str:
    if user is None:
        return _("someone")
    return user.get_full_name() or user.get_username()


def eligible_reviewers(workspace_id: int, *, exclude=None):
    """Members who may review: reviewers and owners, other than the one asking."""
    users = User.objects.filter(
        memberships__workspace_id=workspace_id, memberships__role__in=roles_with(Capability.REVIEW)
    ).order_by("username")
    return users.exclude(pk=exclude.pk) if exclude is not None else users


def open_request(filing: Filing) -> ReviewRequest | None:
    return ReviewRequest.objects.filter(filing=filing, closed_at__isnull=True).first()


def _log(filing: Filing, by, verb: str, *, detail: str = "", data: dict | None = None) -> Activity:
    return Activity.objects.create(
        workspace_id=filing.workspace_id,
        algorithm_id=filing.algorithm_id,
        filing=filing,
        actor=by,
        verb=verb,
        detail=detail,
        data=data or {},
    )


def _notify(activity: Activity) -> None:
    # After commit, so the worker never looks for a row it cannot see yet,
    # and a rolled-back action mails nobody. Robust: the action has committed,
    # so a broker that is down is logged rather than failing the request.
    from .tasks import send_notification as send_notification_task

    transaction.on_commit(
        (lambda activity_id: lambda: send_notification_task.delay(activity_id))(activity.pk),
        robust=True,
    )


# ---------------------------------------------------------------------------
# Review
# ---------------------------------------------------------------------------


@transaction.atomic
def review_request_create(
    *, filing: Filing, by, reviewers: Iterable, note: str = ""
) -> ReviewRequest:
    """Ask `reviewers` to review `filing` (draft or changes requested → in review)."""
    role = _require(filing, by, Capability.EDIT)
    reviewers = list(reviewers)
    if not reviewers:
        raise ValidationError({"reviewers": _("Choose at least one reviewer.")})
    allowed = set(eligible_reviewers(filing.workspace_id, exclude=by).values_list("pk", flat=True))
    refused = [display_name(u) for u in reviewers if u.pk not in allowed]
    if refused:
        raise ValidationError(
            {
                "reviewers": _(
                    "Only reviewers and owners of this workspace, other than yourself, can review: %(names)s."
                )
                % {"names": ", ".join(refused)}
            }
        )
    # The transition locks the filing: a second request at the same moment waits, then fails.
    filing.transition(FilingStatus.IN_REVIEW, role=role, by=by)
    # A round left open (the filing was withdrawn from review) ends here.
    ReviewRequest.objects.filter(filing=filing, closed_at__isnull=True).update(
        closed_at=timezone.now()
    )
    request = ReviewRequest(
        workspace_id=filing.workspace_id, filing=filing, requested_by=by, note=note
    )
    request.full_clean()
    request.save()
    request.reviewers.set(reviewers)
    activity = _log(
        filing,
        by,
        Activity.Verb.REVIEW_REQUESTED,
        detail=", ".join(display_name(u) for u in reviewers),
        data={"review_request": request.pk, "reviewers": [u.pk for u in reviewers]},
    )
    _notify(activity)
    return request


def approvals(review_request: ReviewRequest, digest: str) -> tuple[int, int]:
    """(approvals that count, approvals needed). An approval counts when its
    reviewer is still asked and it was given on the data as it is now."""
    reviewer_ids = set(review_request.reviewers.values_list("pk", flat=True))
    given = Decision.objects.filter(
        review_request=review_request,
        current=True,
        verdict=Decision.Verdict.APPROVE,
        reviewer_id__in=reviewer_ids,
        version__digest=digest,
    ).count()
    needed = ReviewSettings.of(review_request.workspace_id).approvals_needed(len(reviewer_ids))
    return given, needed


def decision_record(
    *,
    review_request: ReviewRequest,
    by,
    verdict: str,
    note: str = "",
    seen_digest: str,
    warnings_acknowledged: bool = False,
) -> Decision:
    """A requested reviewer approves or requests changes on the version she
    saw (`seen_digest`, filings.snapshot.digest of the page she read).

    An approval passes the lifecycle's guard first (filings.lifecycle:
    the version seen is the current one, no check error, open warnings
    acknowledged, four eyes) and records the warnings acknowledged; a
    refusal raises lifecycle.GuardRefused and records nothing. Changes
    requested are recorded against the version seen and move the filing to
    changes_requested at once; approvals move it to approved when enough of
    them stand on the current data.
    """
    if verdict not in Decision.Verdict.values:
        raise ValidationError({"verdict": _("Choose approve or request changes.")})
    with transaction.atomic():
        # Decisions on one request are made one at a time, so two reviewers
        # approving together both see each other's approval.
        locked = ReviewRequest.objects.select_for_update().get(pk=review_request.pk)
        filing = Filing.objects.select_related("algorithm").get(pk=locked.filing_id)
        role = role_of(filing.workspace_id, by)
        if not role_may(role, Capability.REVIEW) or not locked.reviewers.filter(pk=by.pk).exists():
            raise PermissionDenied(_("Only the requested reviewers decide on this review."))
        if not locked.is_open or filing.status != FilingStatus.IN_REVIEW:
            raise InvalidTransition(_("This review is closed."))
        acknowledged: list[dict] = []
        if verdict == Decision.Verdict.APPROVE:
            data, problems = lifecycle.guard_approval(
                filing,
                by=by,
                seen_digest=seen_digest,
                warnings_acknowledged=warnings_acknowledged,
            )
            # Who last changed the data is not the reviewer: record the version without an author.
            version = versions.record(filing.algorithm, data=data, reason=versions.Reason.DECISION)
            acknowledged = [
                {"code": p.code, "pointer": p.pointer} for p in lifecycle.open_warnings(problems)
            ]
        else:
            version = _version_seen(filing.algorithm, seen_digest)
        Decision.objects.filter(review_request=locked, reviewer=by, current=True).update(
            current=False
        )
        decision = Decision(
            workspace_id=filing.workspace_id,
            review_request=locked,
            reviewer=by,
            verdict=verdict,
            note=note,
            version=version,
            acknowledged_warnings=acknowledged,
        )
        decision.full_clean()
        decision.save()
        data = {"review_request": locked.pk, "decision": decision.pk}
        if verdict == Decision.Verdict.REQUEST_CHANGES:
            filing.transition(FilingStatus.CHANGES_REQUESTED, role=role, by=by)
            _close(locked)
            activity = _log(filing, by, Activity.Verb.CHANGES_REQUESTED, detail=note, data=data)
        else:
            given, needed = approvals(locked, version.digest)
            data.update(approvals=given, needed=needed)
            activity = _log(filing, by, Activity.Verb.APPROVED, detail=note, data=data)
            if given >= needed:
                filing.transition(
                    FilingStatus.APPROVED,
                    role=role,
                    by=by,
                    seen_digest=seen_digest,
                    warnings_acknowledged=warnings_acknowledged,
                )
                _close(locked)
        _notify(activity)
    review_request.refresh_from_db()
    return decision


def _version_seen(algorithm: Algorithm, seen_digest: str) -> SnapshotVersion | None:
    """The recorded version with the digest the reviewer saw (the current one
    is recorded when it is that), pinned: the decision points to it. None
    when no version has it."""
    seen = (
        SnapshotVersion.objects.filter(algorithm=algorithm, digest=seen_digest)
        .order_by("-pk")
        .first()
    )
    if seen is not None:
        return versions.pin(seen, versions.Reason.DECISION, data=seen.data)
    data = versions.content(algorithm)
    if versions.digest(data) == seen_digest:
        return versions.record(algorithm, data=data, reason=versions.Reason.DECISION)
    return None


def _close(review_request: ReviewRequest) -> None:
    review_request.closed_at = timezone.now()
    review_request.save(update_fields=["closed_at", "updated_at"])


# ---------------------------------------------------------------------------
# Comments
# ---------------------------------------------------------------------------


def _check_anchor(anchor: str) -> None:
    if anchor and anchor not in anchors.STEP_CODES and anchors.locate(anchor) is None:
        raise ValidationError({"anchor": _("Choose what the comment is about.")})


def _thread(filing: Filing, by, anchor: str, body: str, source: str) -> CommentThread:
    _check_anchor(anchor)
    thread = CommentThread(
        workspace_id=filing.workspace_id, filing=filing, anchor=anchor, source=source, author=by
    )
    thread.full_clean()
    thread.save()
    comment = Comment(workspace_id=filing.workspace_id, thread=thread, author=by, body=body)
    comment.full_clean()
    comment.save()
    return thread


@transaction.atomic
def thread_create(*, filing: Filing, by, anchor: str, body: str) -> CommentThread:
    """Start a thread on a field, a step or the whole filing."""
    _require(filing, by, Capability.COMMENT)
    thread = _thread(filing, by, anchor, body, CommentThread.Source.TEAM)
    comment = thread.comments.get()
    activity = _log(
        filing,
        by,
        Activity.Verb.COMMENTED,
        detail=body[:200],
        data={"thread": thread.pk, "comment": comment.pk, "anchor": anchor},
    )
    _notify(activity)
    return thread


@transaction.atomic
def comment_reply(*, thread: CommentThread, by, body: str) -> Comment:
    filing = thread.filing
    _require(filing, by, Capability.COMMENT)
    comment = Comment(workspace_id=thread.workspace_id, thread=thread, author=by, body=body)
    comment.full_clean()
    comment.save()
    activity = _log(
        filing,
        by,
        Activity.Verb.COMMENTED,
        detail=body[:200],
        data={"thread": thread.pk, "comment": comment.pk, "anchor": thread.anchor},
    )
    _notify(activity)
    return comment


@transaction.atomic
def thread_resolve(*, thread: CommentThread, by, reply: str = "") -> bool:
    """Mark a thread resolved; False when someone already had. A `reply`
    typed before resolving is posted first, so that it is never lost (also
    when someone else resolved the thread meanwhile)."""
    filing = thread.filing
    _require(filing, by, Capability.COMMENT)
    if reply.strip():
        comment_reply(thread=thread, by=by, body=reply)
    now = timezone.now()
    # Conditional: of two people resolving at once, one records it.
    done = CommentThread.objects.filter(pk=thread.pk, resolved_at__isnull=True).update(
        resolved_by=by, resolved_at=now, updated_at=now
    )
    thread.refresh_from_db()
    if done:
        _log(
            filing,
            by,
            Activity.Verb.RESOLVED,
            # The anchor is named when the entry is read (reviews.feed), in the reader's language.
            data={"thread": thread.pk, "anchor": thread.anchor},
        )
    return bool(done)


# ---------------------------------------------------------------------------
# At the CAC
# ---------------------------------------------------------------------------


def submission_record(*, filing: Filing, by, submitted_on: dt.date) -> None:
    """The approved filing was submitted in the CAC's system on `submitted_on`."""
    role = _require(filing, by, Capability.RECORD_CAC_EVENTS)
    filing.transition(FilingStatus.SUBMITTED, role=role, by=by, submitted_on=submitted_on)


@transaction.atomic
def return_record(
    *, filing: Filing, by, returned_on: dt.date, comments: Iterable[tuple[str, str]]
) -> list[CommentThread]:
    """The CAC returned the filing for correction (退回补正) with these (anchor, comment) pairs."""
    role = _require(filing, by, Capability.RECORD_CAC_EVENTS)
    comments = [(anchor, body.strip()) for anchor, body in comments if body.strip()]
    if not comments:
        raise ValidationError(_("Enter at least one of the CAC's comments."))
    filing.transition(FilingStatus.RETURNED, role=role, by=by)
    threads = [
        _thread(filing, by, anchor, body, CommentThread.Source.CAC) for anchor, body in comments
    ]
    _log(
        filing,
        by,
        Activity.Verb.RETURNED,
        detail="; ".join(body[:80] for _anchor, body in comments)[:300],
        data={"returned_on": returned_on.isoformat(), "threads": [t.pk for t in threads]},
    )
    return threads


@transaction.atomic
def filing_record(*, filing: Filing, by, filing_number: str, filed_on: dt.date) -> None:
    """The CAC filed it under `filing_number` (网信算备…号) on `filed_on`."""
    role = _require(filing, by, Capability.RECORD_CAC_EVENTS)
    filing_number = normalize_code(filing_number)  # ＮＦＫＣ, spaces out: as the CAC writes it
    validate_filing_number(filing_number)
    filing.transition(
        FilingStatus.FILED, role=role, by=by, filing_number=filing_number, filed_on=filed_on
    )
    _log(
        filing,
        by,
        Activity.Verb.FILED,
        detail=filing_number,
        data={"filing_number": filing_number, "filed_on": filed_on.isoformat()},
    )


def display_snippet(filing_number: str) -> SafeString:
    """The HTML a provider puts on its site: the number, linking to the CAC's filing system."""
    return format_html(
        '<a href="{}" target="_blank" rel="noopener noreferrer">{}</a>',
        CAC_FILING_SITE,
        filing_number,
    )


# ---------------------------------------------------------------------------
# Change filing due
# ---------------------------------------------------------------------------


# One place for the rule: filings.changes (which fields are a 变更, the clock,
# the deadline through filings.deadlines.change_filing_due).
last_filed = changes.last_filed
ChangeDue = changes.ChangeDue
change_status = changes.change_status


def change_due(algorithm: Algorithm) -> tuple[bool, Deadline | None, list[versions.Change]]:
    """(is a change filing due, its deadline, the changes since the last filed version)."""
    status = change_status(algorithm)
    if status is None:
        return False, None, []
    return True, status.deadline, status.changes
