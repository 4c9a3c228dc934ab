"""Pages of the review of a filing, the CAC's answers, an algorithm's history
and the workspace's activity.

Every view declares the capability it needs (workspaces.permissions:
404 outside the user's workspaces, then 403); the services check it again.
Refusals of the lifecycle (a move the filing's status does not allow) come
back as a message on the review page.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from filings import changes, interchange, lifecycle, placement, versions
from filings.choices import FilingStatus
from filings.models import Algorithm, Filing, InvalidTransition, SnapshotVersion
from workspaces.permissions import Capability, requires
from workspaces.scoping import Access, get_access, get_scoped_or_404

from . import anchors, selectors, services
from .forms import (
    CacCommentFormSet,
    DecisionForm,
    FiledForm,
    ReplyForm,
    RequestReviewForm,
    ReturnForm,
    ReviewSettingsForm,
    SubmissionForm,
    ThreadForm,
)
from .models import CommentThread, ReviewSettings

FEED_PAGE = 25
HISTORY_PAGE = 20


def _filing(access: Access, pk: int) -> Filing:
    return get_scoped_or_404(
        Filing.objects.select_related("workspace", "algorithm__provider"), access, pk=pk
    )


def _back(filing: Filing, fragment: str = "") -> HttpResponse:
    response = redirect("reviews:review", slug=filing.workspace.slug, pk=filing.pk)
    if fragment:
        response["Location"] += f"#{fragment}"
    return response


def _refused(request: HttpRequest, error: Exception) -> None:
    if isinstance(error, ValidationError):
        messages.error(request, " ".join(error.messages))
    else:
        messages.error(request, str(error))


# /w/<slug>/filings/<pk>/review/
# ---------------------------------------------------------------------------


def _review_context(request: HttpRequest, access: Access, filing: Filing, **forms) -> dict:
    algorithm = filing.algorithm
    current = versions.content(algorithm)
    digest = versions.digest(current)
    document = current["snapshot"]  # the interchange snapshot, lifecycle records left out
    choices = anchors.anchor_choices(algorithm, document)
    state = selectors.review_state(filing, digest)
    status = filing.status
    is_editor = access.may(Capability.EDIT)
    records_cac = access.may(Capability.RECORD_CAC_EVENTS)
    can_decide = bool(
        state.request
        and state.request.is_open
        and status == FilingStatus.IN_REVIEW
        and access.may(Capability.REVIEW)
        and any(row.user.pk == request.user.pk for row in state.reviewers)
    )
    can_request = is_editor and lifecycle.find(status, FilingStatus.IN_REVIEW) is not None
    context = {
        "workspace": access.workspace,
        "access": access,
        "filing": filing,
        "algorithm": algorithm,
        "state": state,
        "threads": selectors.threads(filing, document),
        "can_comment": access.may(Capability.COMMENT),
        "can_decide": can_decide,
        "can_request": can_request,
        "is_editor": is_editor,
        "feed": Paginator(selectors.activities(filing=filing), FEED_PAGE).get_page(
            request.GET.get("page")
        ),
        "snippet": services.display_snippet(filing.filing_number)
        if filing.filing_number and status == FilingStatus.FILED
        else None,
        "cac_site": services.CAC_FILING_SITE,
        "changes_since": selectors.changes_since_request(filing, current)
        if status in lifecycle.UNDER_REVIEW
        else None,
    }
    if context["can_comment"]:
        context["thread_form"] = forms.get("thread_form") or ThreadForm(anchor_choices=choices)
        context["reply_form"] = ReplyForm()
    context.update(_checks_context(access, algorithm, current, digest, request.user))
    if can_decide:
        context["decision_form"] = forms.get("decision_form") or DecisionForm(
            initial={"seen_digest": digest}
        )
    if can_request:
        context["request_form"] = forms.get("request_form") or RequestReviewForm(
            reviewers=services.eligible_reviewers(access.workspace.pk, exclude=request.user),
            initial={"reviewers": [row.user.pk for row in state.reviewers]},
        )
    if records_cac and status == FilingStatus.APPROVED:
        context["submission_form"] = forms.get("submission_form") or SubmissionForm(
            initial={"submitted_on": timezone.localdate()}
        )
    if records_cac and status == FilingStatus.SUBMITTED:
        context["return_form"] = forms.get("return_form") or ReturnForm(
            initial={"returned_on": timezone.localdate()}
        )
        context["cac_formset"] = forms.get("cac_formset") or CacCommentFormSet(
            prefix="cac", form_kwargs={"anchor_choices": choices}
        )
        # A change filing keeps the algorithm's number (the CAC notes the change beside it).
        in_force = changes.last_filed(algorithm) if filing.kind == "change" else None
        context["filed_form"] = forms.get("filed_form") or FiledForm(
            initial={
                "filed_on": timezone.localdate(),
                "filing_number": in_force.filing_number if in_force else "",
            }
        )
    return context


def _checks_context(access: Access, algorithm: Algorithm, current: dict, digest: str, user) -> dict:
    """The checks on the content a reviewer approves (the lifecycle's guard runs
    the same), each linking to its field, and what would refuse her approval."""
    from filings.wizard_views import check_rows, problem_groups

    problems = lifecycle.content_problems(algorithm, current)
    placer = placement.Placer(algorithm)
    rows = check_rows(problems, placer, access.workspace.slug)
    errors = lifecycle.blocking_errors(problems)
    later = lifecycle.submission_errors(problems)
    warnings = lifecycle.open_warnings(problems)
    return {
        "seen_digest": digest,
        "checks": {
            "rows": rows,
            # Errors on the content (refuse the approval), and those that
            # refuse only the submission (scans made after approval).
            "groups": problem_groups(rows),
            "errors": len(errors),
            "submission_errors": len(later),
            "warnings": len(warnings),
            "blocked": bool(errors),
            "four_eyes": lifecycle.four_eyes_refusal(
                access.workspace,
                approver_id=user.pk,
                author_id=lifecycle.last_changed_by(algorithm, digest),
            ),
        },
    }


def _render_refusal(
    request: HttpRequest, access: Access, filing: Filing, form, refusal: lifecycle.GuardRefused
) -> HttpResponse:
    """The review page again with why the approval was refused; when the data
    changed since the page was opened, what changed between the version she
    saw and now. Her note is kept; the form now carries the current version."""
    context = _review_context(request, access, filing)
    context["refusal"] = refusal
    if "decision_form" in context:
        context["decision_form"] = DecisionForm(
            initial={"seen_digest": context["seen_digest"], "note": form.cleaned_data["note"]}
        )
    if refusal.reason == lifecycle.REFUSED_STALE:
        seen = (
            SnapshotVersion.objects.filter(algorithm=filing.algorithm, digest=refusal.seen_digest)
            .order_by("-pk")
            .first()
        )
        context["stale"] = {
            "seen": seen,
            "rows": selectors.diff_rows(seen.data, versions.content(filing.algorithm))
            if seen is not None
            else None,
        }
    status = 409 if refusal.reason == lifecycle.REFUSED_STALE else 400
    return render(request, "reviews/review.html", context, status=status)


def _render_review(request, access, filing, **forms) -> HttpResponse:
    context = _review_context(request, access, filing, **forms)
    return render(request, "reviews/review.html", context, status=400 if forms else 200)


@login_required
@requires(Capability.VIEW)
def review_page(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = get_access(request, slug)
    filing = _filing(access, pk)
    return _render_review(request, access, filing)


@login_required
@require_POST
@requires(Capability.EDIT)
def request_review(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = get_access(request, slug)
    filing = _filing(access, pk)
    form = RequestReviewForm(
        request.POST,
        reviewers=services.eligible_reviewers(access.workspace.pk, exclude=request.user),
    )
    if not form.is_valid():
        return _render_review(request, access, filing, request_form=form)
    try:
        services.review_request_create(
            filing=filing,
            by=request.user,
            reviewers=form.cleaned_data["reviewers"],
            note=form.cleaned_data["note"],
        )
    except InvalidTransition as error:
        _refused(request, error)
    except ValidationError as error:
        form.add_error(None, error)
        return _render_review(request, access, filing, request_form=form)
    else:
        messages.success(request, _("Review requested."))
    return _back(filing)


@login_required
@require_POST
@requires(Capability.REVIEW)
def decide(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = get_access(request, slug)
    filing = _filing(access, pk)
    review_request = services.open_request(filing)
    if review_request is None:
        # Closed in the meantime (another reviewer requested changes, or it was withdrawn).
        messages.error(request, _("This review is closed."))
        return _back(filing)
    if not review_request.reviewers.filter(pk=request.user.pk).exists():
        raise PermissionDenied
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _render_review(request, access, filing, decision_form=form)
    try:
        decision = services.decision_record(
            review_request=review_request,
            by=request.user,
            verdict=form.cleaned_data["verdict"],
            note=form.cleaned_data["note"],
            seen_digest=form.cleaned_data["seen_digest"],
            warnings_acknowledged=form.cleaned_data["acknowledge_warnings"],
        )
    except lifecycle.GuardRefused as refusal:
        return _render_refusal(request, access, filing, form, refusal)
    except (InvalidTransition, ValidationError) as error:
        _refused(request, error)
    else:
        filing.refresh_from_db()
        if filing.status == FilingStatus.APPROVED:
            messages.success(
                request,
                _(
                    "Approved: this version is recorded as approved; any later change to the data withdraws the approval."
                ),
            )
        else:
            messages.success(
                request, _("Recorded: %(decision)s.") % {"decision": decision.get_verdict_display()}
            )
    return _back(filing)


@login_required
@require_POST
@requires(Capability.COMMENT)
def thread_create(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = get_access(request, slug)
    filing = _filing(access, pk)
    document = interchange.algorithm_snapshot(filing.algorithm)
    form = ThreadForm(
        request.POST, anchor_choices=anchors.anchor_choices(filing.algorithm, document)
    )
    if not form.is_valid():
        return _render_review(request, access, filing, thread_form=form)
    thread = services.thread_create(
        filing=filing,
        by=request.user,
        anchor=form.cleaned_data["anchor"],
        body=form.cleaned_data["body"],
    )
    return _back(filing, f"thread-{thread.pk}")


def _thread(access: Access, pk: int) -> CommentThread:
    return get_scoped_or_404(
        CommentThread.objects.select_related("filing__workspace"), access, pk=pk
    )


def _thread_back(request: HttpRequest, thread: CommentThread) -> HttpResponse:
    """Back to the page the thread was answered on (the wizard, the algorithm
    page: `next`, a path of this site), at the thread; else the review page."""
    target = request.POST.get("next", "").split("#")[0]
    inside = target.startswith(f"/w/{thread.filing.workspace.slug}/")
    if inside and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(f"{target}#thread-{thread.pk}")
    return _back(thread.filing, f"thread-{thread.pk}")


@login_required
@require_POST
@requires(Capability.COMMENT)
def thread_reply(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = get_access(request, slug)
    thread = _thread(access, pk)
    form = ReplyForm(request.POST)
    if form.is_valid():
        services.comment_reply(thread=thread, by=request.user, body=form.cleaned_data["body"])
        messages.success(request, _("Reply posted."))
    else:
        messages.error(request, " ".join(form.errors.get("body", [])))
    return _thread_back(request, thread)


@login_required
@require_POST
@requires(Capability.COMMENT)
def thread_resolve(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Resolve the thread; a reply typed in its box is posted first."""
    access = get_access(request, slug)
    thread = _thread(access, pk)
    reply = ""
    if request.POST.get("body", "").strip():
        form = ReplyForm(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(form.errors.get("body", [])))
            return _thread_back(request, thread)
        reply = form.cleaned_data["body"]
    if services.thread_resolve(thread=thread, by=request.user, reply=reply):
        messages.success(
            request, _("Reply posted and thread resolved.") if reply else _("Resolved.")
        )
    else:
        messages.info(
            request,
            _("Reply posted; the thread had been resolved already.")
            if reply
            else _("The thread had been resolved already."),
        )
    return _thread_back(request, thread)


# At the CAC
# ---------------------------------------------------------------------------


@login_required
@require_POST
@requires(Capability.RECORD_CAC_EVENTS)
def record_submission(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = get_access(request, slug)
    filing = _filing(access, pk)
    form = SubmissionForm(request.POST)
    if not form.is_valid():
        return _render_review(request, access, filing, submission_form=form)
    try:
        services.submission_record(
            filing=filing, by=request.user, submitted_on=form.cleaned_data["submitted_on"]
        )
    except (InvalidTransition, ValidationError) as error:
        _refused(request, error)
    else:
        messages.success(request, _("Submission recorded."))
    return _back(filing, "cac")


@login_required
@require_POST
@requires(Capability.RECORD_CAC_EVENTS)
def record_return(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = get_access(request, slug)
    filing = _filing(access, pk)
    document = interchange.algorithm_snapshot(filing.algorithm)
    choices = anchors.anchor_choices(filing.algorithm, document)
    form = ReturnForm(request.POST, submitted_on=filing.submitted_on)
    formset = CacCommentFormSet(request.POST, prefix="cac", form_kwargs={"anchor_choices": choices})
    if form.is_valid() and formset.is_valid():
        comments = [
            (f.cleaned_data.get("anchor", ""), f.cleaned_data.get("body", ""))
            for f in formset.forms
            if f.cleaned_data.get("body")
        ]
        try:
            services.return_record(
                filing=filing,
                by=request.user,
                returned_on=form.cleaned_data["returned_on"],
                comments=comments,
            )
        except InvalidTransition as error:
            _refused(request, error)
            return _back(filing, "cac")
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Return for correction recorded."))
            return _back(filing, "threads")
    return _render_review(request, access, filing, return_form=form, cac_formset=formset)


@login_required
@require_POST
@requires(Capability.RECORD_CAC_EVENTS)
def record_filing(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = get_access(request, slug)
    filing = _filing(access, pk)
    form = FiledForm(request.POST, submitted_on=filing.submitted_on)
    if not form.is_valid():
        return _render_review(request, access, filing, filed_form=form)
    try:
        services.filing_record(
            filing=filing,
            by=request.user,
            filing_number=form.cleaned_data["filing_number"],
            filed_on=form.cleaned_data["filed_on"],
        )
    except (InvalidTransition, ValidationError) as error:
        _refused(request, error)
    else:
        messages.success(request, _("Filing number recorded."))
        for warning in changes.number_warnings(
            workspace_id=filing.workspace_id,
            number=form.cleaned_data["filing_number"],
            algorithm_id=filing.algorithm_id,
        ):
            messages.warning(request, warning)
    return _back(filing, "cac")


# /w/<slug>/activity/ and /w/<slug>/reviews/settings/
# ---------------------------------------------------------------------------


@login_required
@requires(Capability.VIEW)
def activity_feed(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_access(request, slug)
    page = Paginator(selectors.activities(workspace=access.workspace), FEED_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "reviews/activity.html",
        {"workspace": access.workspace, "access": access, "feed": page},
    )


@login_required
@require_http_methods(["GET", "POST"])
@requires(Capability.SETTINGS)
def review_settings(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_access(request, slug)
    instance = ReviewSettings.of(access.workspace.pk)
    form = ReviewSettingsForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Review settings saved."))
        return redirect("reviews:settings", slug=slug)
    return render(
        request,
        "reviews/settings.html",
        {"workspace": access.workspace, "access": access, "form": form},
        status=400 if request.method == "POST" else 200,
    )


# /w/<slug>/algorithms/<pk>/history/
# ---------------------------------------------------------------------------

NOW = "now"


@login_required
@requires(Capability.VIEW)
def algorithm_history(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Every version with what changed in it, any two compared, and whether a change filing is due."""
    access = get_access(request, slug)
    algorithm = get_scoped_or_404(Algorithm.objects.select_related("provider"), access, pk=pk)
    all_versions = (
        SnapshotVersion.objects.filter(algorithm=algorithm)
        .defer("data")
        .select_related("created_by")
        .order_by("-pk")
    )
    page = Paginator(all_versions, HISTORY_PAGE).get_page(request.GET.get("page"))
    current = versions.content(algorithm)
    change = services.change_status(algorithm, current=current)

    filings = list(
        Filing.objects.filter(algorithm=algorithm).select_related(
            "approved_version", "filed_version"
        )
    )
    approved = max(
        (f.approved_version for f in filings if f.approved_version_id),
        key=lambda v: v.pk,
        default=None,
    )
    filed = max(
        (f.filed_version for f in filings if f.filed_version_id), key=lambda v: v.pk, default=None
    )

    def pick(value: str):
        """A version of this algorithm by pk, or the data as it is now."""
        if value == NOW:
            return NOW, current
        if value.isdigit():
            version = SnapshotVersion.objects.filter(algorithm=algorithm, pk=int(value)).first()
            if version is not None:
                return version, version.data
        return None, None

    a, a_data = pick(request.GET.get("a", ""))
    b, b_data = pick(request.GET.get("b", ""))
    comparison = None
    if a is not None and b is not None:
        comparison = {"a": a, "b": b, "rows": selectors.diff_rows(a_data, b_data)}
    return render(
        request,
        "reviews/history.html",
        {
            "workspace": access.workspace,
            "access": access,
            "algorithm": algorithm,
            "page": page,
            "rows": selectors.version_changes(list(page), algorithm),
            "choices": list(all_versions),
            "comparison": comparison,
            "selected": {"a": request.GET.get("a", ""), "b": request.GET.get("b", "")},
            "approved": approved,
            "filed": filed,
            "change": change,
            "now": NOW,
        },
    )
