"""Pages of one workspace's filings. Every view starts from `get_access`,
which 404s for anyone who is not a member of the workspace in the URL."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import OuterRef, Prefetch, Subquery
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from workspaces.scoping import get_access, get_scoped_or_404

from . import lifecycle
from .attachments import attachment_create
from .choices import AlgorithmType, FilingStatus
from .choices import Role as FilingRole
from .forms import AttachmentForm, TransitionForm
from .models import Algorithm, Attachment, Deployment, Filing, InvalidTransition, Provider, Service


def _latest_filing(field: str):
    return Subquery(
        Filing.objects.filter(algorithm=OuterRef("pk"))
        .order_by("-created_at", "-pk")
        .values(field)[:1]
    )


@login_required
def dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_access(request, slug)
    algorithms = (
        Algorithm.objects.in_workspace(access.workspace)
        .select_related("provider")
        .annotate(filing_status=_latest_filing("status"), filing_kind=_latest_filing("kind"))
        .order_by("provider__name", "name", "pk")
    )
    type_filter = request.GET.get("type", "")
    if type_filter in AlgorithmType.values:
        algorithms = algorithms.filter(type=type_filter)
    status_labels = dict(FilingStatus.choices)
    rows = [
        {
            "algorithm": a,
            "status": a.filing_status,
            "status_label": status_labels.get(a.filing_status, ""),
        }
        for a in algorithms
    ]
    providers = Provider.objects.in_workspace(access.workspace).order_by("name")
    services = (
        Service.objects.in_workspace(access.workspace)
        .select_related("provider")
        .order_by("provider__name", "name")
    )
    return render(
        request,
        "filings/dashboard.html",
        {
            "workspace": access.workspace,
            "access": access,
            "rows": rows,
            "providers": providers,
            "services": services,
            "type_choices": AlgorithmType.choices,
            "type_filter": type_filter,
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
def provider_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = get_access(request, slug)
    provider = get_scoped_or_404(Provider, access, pk=pk)
    return render(request, "filings/provider_detail.html", _provider_context(access, provider))


@login_required
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
    access, algorithm: Algorithm, upload_form: AttachmentForm | None = None
) -> dict:
    filings = [
        {
            "filing": f,
            "actions": [
                (t, lifecycle.find(f.status, t).label)
                for t in lifecycle.allowed_targets(f.status, access.role)
            ],
        }
        for f in algorithm.filings.all()
    ]
    return {
        "workspace": access.workspace,
        "access": access,
        "algorithm": algorithm,
        "disclosure": getattr(algorithm, "disclosure", None),
        "filings": filings,
        "is_supporter": algorithm.role == FilingRole.TECHNICAL_SUPPORTER,
        "upload_form": upload_form or AttachmentForm(owner="algorithm"),
    }


@login_required
def algorithm_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = get_access(request, slug)
    algorithm = _get_algorithm(access, pk)
    return render(request, "filings/algorithm_detail.html", _algorithm_context(access, algorithm))


@login_required
@require_POST
def filing_transition(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = get_access(request, slug)
    filing = get_scoped_or_404(Filing, access, pk=pk)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose an action."))
        return redirect("filings:algorithm", slug=slug, pk=filing.algorithm_id)
    try:
        filing.transition(form.cleaned_data["to"], role=access.role)
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
    access.require_edit()
    form = AttachmentForm(request.POST, request.FILES, owner=owner)
    if form.is_valid():
        try:
            attachment_create(
                slot=form.cleaned_data["slot"],
                uploaded=form.cleaned_data["file"],
                description=form.cleaned_data["description"],
                by=request.user,
                **target,
            )
        except ValidationError as error:
            form.add_error("file", error)
        else:
            messages.success(request, _("File uploaded."))
            return None
    return form


@login_required
@require_POST
def provider_attachment_upload(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = get_access(request, slug)
    provider = get_scoped_or_404(Provider, access, pk=pk)
    form = _handle_upload(request, access, "provider", provider=provider)
    if form is None:
        return redirect("filings:provider", slug=slug, pk=pk)
    context = _provider_context(access, provider, upload_form=form)
    return render(request, "filings/provider_detail.html", context, status=400)


@login_required
@require_POST
def algorithm_attachment_upload(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = get_access(request, slug)
    algorithm = _get_algorithm(access, pk)
    form = _handle_upload(request, access, "algorithm", algorithm=algorithm)
    if form is None:
        return redirect("filings:algorithm", slug=slug, pk=pk)
    context = _algorithm_context(access, algorithm, upload_form=form)
    return render(request, "filings/algorithm_detail.html", context, status=400)


@login_required
def attachment_download(request: HttpRequest, slug: str, pk: int) -> FileResponse:
    access = get_access(request, slug)
    attachment = get_scoped_or_404(Attachment, access, pk=pk)
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
