"""Pages of the PDF documents: generate (enqueue and return at once), watch
a job (htmx polling), download a finished file. Every view starts from
`get_access`, which 404s for anyone outside the workspace in the URL."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from filings.models import Algorithm
from filings.snapshot import current as current_content
from filings.snapshot import lifecycle as lifecycle_of
from workspaces.scoping import Access, get_access, get_scoped_or_404

from . import services, worker
from .access import may_download, may_generate
from .forms import GenerateForm
from .models import DocumentJob, JobError, JobStatus, document_kinds


def _algorithm(access: Access, pk: int) -> Algorithm:
    return get_scoped_or_404(Algorithm.objects.select_related("provider"), access, pk=pk)


@login_required
def algorithm_documents(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = get_access(request, slug)
    algorithm = _algorithm(access, pk)
    # Computed, never recorded: a GET writes nothing (a version is recorded on generate).
    _data, current = current_content(algorithm)
    stamp = lifecycle_of(algorithm, current)
    jobs = list(
        DocumentJob.objects.in_workspace(access.workspace)
        .filter(algorithm=algorithm)
        .select_related("created_by")
        .defer("context")
        .order_by("-pk")[:40]
    )
    latest: dict[str, DocumentJob] = {}
    for job in jobs:
        # A file of the same content stamped otherwise (a draft of what is approved now) is old.
        if job.snapshot_hash == current and job.lifecycle == stamp:
            latest.setdefault(job.document, job)
    rows = [{**kind, "job": latest.get(kind["code"])} for kind in document_kinds()]
    return render(
        request,
        "documents/algorithm.html",
        {
            "workspace": access.workspace,
            "access": access,
            "algorithm": algorithm,
            "rows": rows,
            "jobs": jobs,
            "current_hash": current,
            "may_generate": may_generate(access),
            "may_download": may_download(access),
            "form": GenerateForm(),
        },
    )


@login_required
@require_POST
def generate(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = get_access(request, slug)
    algorithm = _algorithm(access, pk)
    if not may_generate(access):
        raise PermissionDenied
    form = GenerateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of the documents."))
        return redirect("documents:algorithm", slug=slug, pk=algorithm.pk)
    job = services.job_request(
        algorithm=algorithm,
        document=form.cleaned_data["document"],
        bilingual=form.cleaned_data["bilingual"],
        user=request.user,
    )
    # The job was enqueued when its transaction committed, just now.
    job.refresh_from_db(fields=["status", "error_code"])
    if job.status == JobStatus.FAILED and job.error_code == JobError.QUEUE_UNAVAILABLE:
        messages.error(
            request,
            _(
                "The task queue is unavailable, so the document cannot be generated now. "
                "Your data is saved; try again in a few minutes."
            ),
        )
        return redirect("documents:algorithm", slug=slug, pk=algorithm.pk)
    if job.status == JobStatus.DONE:
        messages.info(request, _("This data was rendered before: the same file is ready."))
    return redirect("documents:job", slug=slug, pk=job.pk)


@login_required
def job_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = get_access(request, slug)
    job = get_scoped_or_404(
        DocumentJob.objects.select_related("algorithm", "created_by").defer("context"),
        access,
        pk=pk,
    )
    context = {
        "workspace": access.workspace,
        "access": access,
        "job": job,
        "algorithm": job.algorithm,
        "may_generate": may_generate(access),
        "may_download": may_download(access),
        # Asked only of a job that has waited a while; the answer is cached (documents.worker).
        "no_worker": worker.waiting_without_worker(job),
    }
    if request.htmx:
        return render(request, "documents/_job_status.html", context)
    return render(request, "documents/job.html", context)


@login_required
def job_download(request: HttpRequest, slug: str, pk: int) -> FileResponse:
    access = get_access(request, slug)
    job = get_scoped_or_404(DocumentJob.objects.select_related("snapshot_version"), access, pk=pk)
    if not may_download(access):
        raise PermissionDenied
    if not job.is_downloadable:
        raise Http404
    name = job.file.name
    try:
        if default_storage.size(name) != job.size:
            # Not the file the job recorded: never hand out something partial.
            raise Http404
        handle = default_storage.open(name, "rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    response = FileResponse(
        handle, as_attachment=True, filename=job.download_name(), content_type="application/pdf"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
