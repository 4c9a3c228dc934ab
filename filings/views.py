"""Pages of one workspace's filings. Every view starts from `get_access`,
which 404s for anyone who is not a member of the workspace in the URL."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from workdays.deadlines import deadline_status
from workspaces.permissions import Capability, public, requires
from workspaces.scoping import get_access, get_scoped_or_404

from . import (
    changes,
    copysheet,
    deadlines,
    figures,
    interchange,
    lifecycle,
    obligations,
    pii,
    selectors,
    threads,
)
from .attachments import attachment_create
from .choices import Role as FilingRole
from .forms import (
    AttachmentForm,
    DashboardFilterForm,
    ImportForm,
    NumberCorrectionForm,
    TransitionForm,
)
from .models import Algorithm, Attachment, Deployment, Filing, InvalidTransition, Provider, Service
from .selectors import deletion_refusal
from .services import DeletionRefused, delete_algorithm
from .services import algorithm_create as create_algorithm

# Providers and services listed under the table; past this, "and N more".
LISTED = 20


@login_required
@requires(Capability.VIEW)
def dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    """The workspace's algorithms, a page at a time, from their stored figures
    (filings.selectors.dashboard_page): filters, search and sort are in the URL."""
    access = get_access(request, slug)
    workspace = access.workspace
    today = timezone.localdate()
    members = get_user_model().objects.filter(memberships__workspace=workspace).order_by("username")
    form = DashboardFilterForm(request.GET or None, reviewers=members)
    filters = form.filters() if form.is_bound else {}
    board = selectors.dashboard_page(
        workspace, filters=filters, today=today, page_number=request.GET.get("page")
    )
    kept = {k: v for k, v in filters.items() if k not in ("sort",)}
    providers = list(Provider.objects.in_workspace(workspace).order_by("name"))
    services = (
        Service.objects.in_workspace(workspace)
        .select_related("provider")
        .order_by("provider__name", "name")
    )
    return render(
        request,
        "filings/dashboard.html",
        {
            "workspace": workspace,
            "access": access,
            "board": board,
            "rows": board.rows,
            "attention": board.attention,
            "counts": board.counts,
            "estimated_warning": board.estimated_warning,
            "form": form,
            "filtered": bool(kept),
            "sort": filters.get("sort") or selectors.DEFAULT_SORT,
            # The query string without the sort (headers add theirs) and without the page.
            "filter_query": urlencode(kept),
            "page_query": urlencode({**kept, "sort": filters.get("sort") or ""}),
            "providers": providers,
            "listed": LISTED,
            "services": list(services[: LISTED + 1]),
            "today": today,
            "has_algorithms": bool(board.counts["total"]),
        },
    )


def _provider_context(
    access, provider: Provider, upload_form: AttachmentForm | None = None
) -> dict:
    return {
        "workspace": access.workspace,
        "access": access,
        "provider": provider,
        "services": provider.services.all(),
        "systems": provider.management_systems.all(),
        "attachments": provider.attachments.all(),
        "upload_form": upload_form or AttachmentForm(owner="provider"),
    }


@login_required
@requires(Capability.VIEW)
def provider_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = get_access(request, slug)
    provider = get_scoped_or_404(Provider, access, pk=pk)
    return render(request, "filings/provider_detail.html", _provider_context(access, provider))


@login_required
@requires(Capability.VIEW)
def service_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = get_access(request, slug)
    service = get_scoped_or_404(Service.objects.select_related("provider"), access, pk=pk)
    deployments = service.deployments.select_related("algorithm")
    return render(
        request,
        "filings/service_detail.html",
        {
            "workspace": access.workspace,
            "access": access,
            "service": service,
            "deployments": deployments,
        },
    )


def _get_algorithm(access, pk: int) -> Algorithm:
    return get_scoped_or_404(
        Algorithm.objects.select_related("provider", "disclosure").prefetch_related(
            Prefetch("deployments", queryset=Deployment.objects.select_related("service")),
            "third_party_models",
            "filings",
            "attachments",
        ),
        access,
        pk=pk,
    )


def _algorithm_context(
    access,
    algorithm: Algorithm,
    upload_form: AttachmentForm | None = None,
    number_form: tuple[int, NumberCorrectionForm] | None = None,
) -> dict:
    filings = [
        {
            "filing": f,
            "actions": [
                (t, lifecycle.find(f.status, t).label)
                for t in lifecycle.allowed_targets(f.status, access.role)
                if t not in lifecycle.REVIEW_PAGE_TARGETS
            ],
        }
        for f in algorithm.filings.all()
    ]
    locations: dict = {}
    snapshot = interchange.algorithm_snapshot(algorithm, locations=locations)
    change = changes.change_status(algorithm)
    upcoming = deadlines.next_deadline(
        snapshot["providers"][0]["algorithms"][0],
        changed_on=change.changed_on if change else None,
    )
    return {
        **_algorithm_threads(access, algorithm, snapshot, locations),
        **_change_filing_context(access, algorithm, filings, change, number_form),
        "obligations": obligations.applicable(snapshot),
        # Completeness and problems as the dashboard shows them (filings.figures).
        "figures": figures.stored(algorithm),
        "deadline": upcoming,
        "urgency": deadline_status(upcoming.deadline, timezone.localdate())
        if upcoming and upcoming.deadline
        else None,
        "today": timezone.localdate(),
        "workspace": access.workspace,
        "access": access,
        "algorithm": algorithm,
        "disclosure": getattr(algorithm, "disclosure", None),
        "filings": filings,
        "is_supporter": algorithm.role == FilingRole.TECHNICAL_SUPPORTER,
        "upload_form": upload_form or AttachmentForm(owner="algorithm"),
    }


# The algorithm page's fields that show their open comment threads beside them.
_ALGORITHM_PAGE_FIELDS = ("application_domains", "launch_status", "summary", "usage_scenario")
_DISCLOSURE_PAGE_FIELDS = (
    "basic_principle",
    "operating_mechanism",
    "application_scenario",
    "purpose",
)


def _algorithm_threads(access, algorithm: Algorithm, snapshot: dict, locations: dict) -> dict:
    """Open comment threads (fetched once), beside the fields the page shows;
    the others in a list that links to their field in the wizard."""
    placed = threads.open_threads(
        algorithm, access.workspace.slug, locations=locations, document=snapshot
    )
    if not len(placed):
        return {"thread_rows": [], "field_threads": {}}
    shown = []

    def take(model_name: str, pk: int, attr: str | None = None) -> list[dict]:
        rows = placed.pop(model_name, pk, attr)
        shown.extend(rows)
        return rows

    field_threads = {attr: take("algorithm", algorithm.pk, attr) for attr in _ALGORITHM_PAGE_FIELDS}
    field_threads["launch_status"] += take("algorithm", algorithm.pk, "launch_date")
    disclosure = getattr(algorithm, "disclosure", None)
    if disclosure is not None:
        for attr in _DISCLOSURE_PAGE_FIELDS:
            field_threads[f"disclosure.{attr}"] = take("disclosure", disclosure.pk, attr)
    deployment_threads = {d.pk: take("deployment", d.pk) for d in algorithm.deployments.all()}
    model_threads = {
        m.pk: take("thirdpartymodel", m.pk) for m in algorithm.third_party_models.all()
    }
    other = placed.rest()
    return {
        "field_threads": field_threads,
        "deployment_threads": deployment_threads,
        "model_threads": model_threads,
        "other_threads": other,
        "thread_rows": shown + other,
        "can_reply": access.may(Capability.COMMENT),
    }


@login_required
@requires(Capability.VIEW)
def algorithm_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = get_access(request, slug)
    algorithm = _get_algorithm(access, pk)
    return render(request, "filings/algorithm_detail.html", _algorithm_context(access, algorithm))


def _change_filing_context(access, algorithm, filings, change, number_form) -> dict:
    """The algorithm page's "Start change filing" and the owner's number correction."""
    objects = [item["filing"] for item in filings]
    bound_pk, bound = number_form or (None, None)
    for item in filings:
        filing = item["filing"]
        if lifecycle.number_correction_refusal(filing, role=access.role) is None:
            item["number_form"] = (
                bound
                if bound_pk == filing.pk
                else NumberCorrectionForm(
                    initial={"filing_number": filing.filing_number},
                    auto_id=f"id_number_{filing.pk}_%s",
                )
            )
    return {
        "change": change,
        "can_start_change": change is not None
        and lifecycle.change_filing_refusal(objects, role=access.role, change_due=True) is None,
    }


@login_required
@require_POST
@requires(Capability.EDIT)
def change_filing_start(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Open the change filing (变更备案) of a filed algorithm whose filed data changed."""
    access = get_access(request, slug)
    algorithm = get_scoped_or_404(Algorithm, access, pk=pk)
    try:
        filing = changes.change_filing_start(algorithm=algorithm, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("filings:algorithm", slug=slug, pk=pk)
    messages.success(
        request,
        _(
            "Change filing started. Check the summary of the change, then request a review "
            "as for any filing."
        ),
    )
    return redirect("reviews:review", slug=slug, pk=filing.pk)


@login_required
@require_POST
@requires(Capability.CORRECT_FILING_NUMBER)
def filing_number_correct(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """An owner corrects the number recorded for a filing, with a reason."""
    access = get_access(request, slug)
    filing = get_scoped_or_404(Filing, access, pk=pk)
    form = NumberCorrectionForm(request.POST, auto_id=f"id_number_{filing.pk}_%s")
    if form.is_valid():
        try:
            warnings = changes.filing_number_correct(
                filing=filing,
                by=request.user,
                number=form.cleaned_data["filing_number"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        except PermissionDenied as error:
            messages.error(request, str(error))
            return redirect("filings:algorithm", slug=slug, pk=filing.algorithm_id)
        else:
            messages.success(request, _("Filing number corrected."))
            for warning in warnings:
                messages.warning(request, warning)
            return redirect("filings:algorithm", slug=slug, pk=filing.algorithm_id)
    algorithm = _get_algorithm(access, filing.algorithm_id)
    context = _algorithm_context(access, algorithm, number_form=(filing.pk, form))
    return render(request, "filings/algorithm_detail.html", context, status=400)


@login_required
@require_POST
@requires(Capability.VIEW)  # each move is allowed by the lifecycle's table (filings.lifecycle)
def filing_transition(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = get_access(request, slug)
    filing = get_scoped_or_404(Filing, access, pk=pk)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose an action."))
        return redirect("filings:algorithm", slug=slug, pk=filing.algorithm_id)
    if form.cleaned_data["to"] in lifecycle.REVIEW_PAGE_TARGETS:
        messages.error(
            request, _("Use the review page for this step: it records who decided and why.")
        )
        return redirect("reviews:review", slug=slug, pk=filing.pk)
    try:
        filing.transition(form.cleaned_data["to"], role=access.role, by=request.user)
    except InvalidTransition as error:
        messages.error(request, str(error))
    except PermissionDenied as error:
        messages.error(request, str(error) or _("Your role may not do this."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("Status is now: %(status)s.") % {"status": filing.get_status_display()}
        )
    return redirect("filings:algorithm", slug=slug, pk=filing.algorithm_id)


def _handle_upload(request: HttpRequest, access, owner: str, **target) -> AttachmentForm | None:
    """Store the posted file; return None on success, else the form carrying the errors."""
    form = AttachmentForm(request.POST, request.FILES, owner=owner)
    if form.is_valid():
        try:
            attachment_create(
                slot=form.cleaned_data["slot"],
                uploaded=form.cleaned_data["file"],
                description=form.cleaned_data["description"],
                assessment_item=form.cleaned_data["assessment_item"],
                by=request.user,
                **target,
            )
        except ValidationError as error:
            form.add_error("file", error.messages)  # full_clean's errors come keyed by model field
        else:
            messages.success(request, _("File uploaded."))
            return None
    return form


def _redirect_next(request: HttpRequest) -> HttpResponse | None:
    """Back to the page the upload came from (the wizard's 附件 step), when that is on this site."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return None


@login_required
@require_POST
@requires(Capability.EDIT)
def provider_attachment_upload(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = get_access(request, slug)
    provider = get_scoped_or_404(Provider, access, pk=pk)
    form = _handle_upload(request, access, "provider", provider=provider)
    if form is None:
        return _redirect_next(request) or redirect("filings:provider", slug=slug, pk=pk)
    context = _provider_context(access, provider, upload_form=form)
    return render(request, "filings/provider_detail.html", context, status=400)


@login_required
@require_POST
@requires(Capability.EDIT)
def algorithm_attachment_upload(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = get_access(request, slug)
    algorithm = _get_algorithm(access, pk)
    form = _handle_upload(request, access, "algorithm", algorithm=algorithm)
    if form is None:
        return _redirect_next(request) or redirect("filings:algorithm", slug=slug, pk=pk)
    context = _algorithm_context(access, algorithm, upload_form=form)
    return render(request, "filings/algorithm_detail.html", context, status=400)


@login_required
@requires(Capability.VIEW)
def attachment_download(request: HttpRequest, slug: str, pk: int) -> FileResponse:
    access = get_access(request, slug)
    attachment = get_scoped_or_404(Attachment, access, pk=pk)
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.download_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


# /w/<slug>/export/ and /w/<slug>/import/
# ---------------------------------------------------------------------------


@login_required
@requires(Capability.EXPORT)  # a full view of the personal data: recorded below
def workspace_export(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_access(request, slug)
    text = interchange.dumps(interchange.export_workspace(access.workspace))
    # The file carries the personal data in full: each download is in the audit log.
    for provider_id in Provider.objects.in_workspace(access.workspace).values_list("pk", flat=True):
        pii.record_view(request, access, provider_id=provider_id, fields=list(pii.PERSONAL_FIELDS))
    response = HttpResponse(text, content_type="application/json; charset=utf-8")
    stamp = timezone.localdate().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="{access.workspace.slug}-{stamp}.json"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
@requires(Capability.IMPORT)
def workspace_import(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_access(request, slug)
    has_data = interchange.workspace_has_data(access.workspace)
    form = ImportForm(request.POST or None, request.FILES or None, has_data=has_data)
    problems: list[interchange.Problem] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        limit = settings.SUANBEI_IMPORT_MAX_BYTES
        try:
            if upload.size > limit:
                raise interchange.ImportRefused(
                    [
                        interchange.Problem(
                            "",
                            _("The file is %(size)s; the limit is %(limit)s.")
                            % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
                        )
                    ]
                )
            document = interchange.parse(upload.read(), max_bytes=limit)
            if has_data and form.cleaned_data.get("mode") == ImportForm.REFUSE:
                raise interchange.ImportRefused(
                    [
                        interchange.Problem(
                            "",
                            _("This workspace has data and you chose to refuse: nothing imported."),
                        )
                    ]
                )
            result = interchange.import_document(
                document,
                workspace=access.workspace,
                merge=form.cleaned_data.get("mode") == ImportForm.MERGE,
            )
        except interchange.ImportRefused as refused:
            problems = refused.problems
        else:
            created = sum(result.created.values())
            updated = sum(result.updated.values())
            messages.success(
                request,
                _("Imported: %(created)d objects created, %(updated)d updated.")
                % {"created": created, "updated": updated},
            )
            return redirect("filings:dashboard", slug=slug)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "filings/import.html",
        {
            "workspace": access.workspace,
            "access": access,
            "form": form,
            "problems": problems,
            "has_data": has_data,
        },
        status=status,
    )


@public
def interchange_schema(request: HttpRequest) -> JsonResponse:
    """The JSON Schema of the format. Public on purpose: it describes the format and holds no workspace data."""
    return JsonResponse(
        interchange.json_schema(), json_dumps_params={"ensure_ascii": False, "indent": 2}
    )


@login_required
@requires(Capability.VIEW)
def algorithm_copy_sheet(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Each field's final text in the portal's order, with its length and a copy button."""
    access = get_access(request, slug)
    algorithm = get_scoped_or_404(Algorithm, access, pk=pk)
    sections = copysheet.copy_sheet(interchange.algorithm_snapshot(algorithm))
    return render(
        request,
        "filings/copy_sheet.html",
        {
            "workspace": access.workspace,
            "access": access,
            "algorithm": algorithm,
            "sections": sections,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@requires(Capability.EDIT)
def algorithm_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """GET asks for confirmation (and says why not, for a filed algorithm); POST deletes."""
    access = get_access(request, slug)
    algorithm = get_scoped_or_404(Algorithm, access, pk=pk)
    if request.method == "POST":
        try:
            delete_algorithm(algorithm, by=request.user)
        except DeletionRefused as refused:
            messages.error(request, " ".join(refused.messages))
            return redirect("filings:algorithm", slug=slug, pk=pk)
        messages.success(
            request,
            _("Deleted %(name)s. Its change history is kept.") % {"name": algorithm},
        )
        return redirect("filings:dashboard", slug=slug)
    return render(
        request,
        "filings/algorithm_delete.html",
        {
            "workspace": access.workspace,
            "access": access,
            "algorithm": algorithm,
            "refusal": deletion_refusal(algorithm),
        },
    )


@login_required
@require_POST
@requires(Capability.EDIT)
def algorithm_create(request: HttpRequest, slug: str) -> HttpResponse:
    """Start a new algorithm (and its initial filing); the wizard takes it from there.

    A workspace without a provider gets an empty one: the wizard's first step fills it.
    """
    access = get_access(request, slug)
    provider_pk = request.POST.get("provider", "")
    provider = None
    if provider_pk:
        provider = get_scoped_or_404(
            Provider, access, pk=provider_pk if provider_pk.isdigit() else 0
        )
    algorithm = create_algorithm(workspace=access.workspace, by=request.user, provider=provider)
    return redirect("filings:wizard", slug=slug, pk=algorithm.pk, step="entity")
