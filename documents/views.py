"""Pages of the PDF documents: generate (enqueue and return at once), watch
a job (htmx polling), download a finished file. Every view declares its
capability (workspaces.permissions: 404 outside the workspace in the URL,
403 without it); which variant of a file (full or masked) a member gets is
documents.access."""

from __future__ import annotations

import zipfile

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from filings.models import Algorithm, Attachment
from filings.snapshot import current as current_content
from filings.snapshot import lifecycle as lifecycle_of
from workspaces.permissions import Capability, requires
from workspaces.scoping import Access, get_access, get_scoped_or_404

from . import access as variants
from . import package, services, worker
from . import texts as letter_texts
from .forms import DocumentTextForm, GenerateForm
from .models import (
    TITLES_ZH,
    DocumentJob,
    DocumentKind,
    DocumentText,
    JobError,
    JobStatus,
    document_kinds,
)


def _algorithm(access: Access, pk: int) -> Algorithm:
    return get_scoped_or_404(Algorithm.objects.select_related("provider"), access, pk=pk)


@login_required
@requires(Capability.VIEW)
def algorithm_documents(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = get_access(request, slug)
    algorithm = _algorithm(access, pk)
    # Each row shows the variant this member generates (documents.access).
    masked = variants.generates_masked(access)
    # Computed, never recorded: a GET writes nothing (a version is recorded on generate).
    _data, current = current_content(algorithm)
    stamp = lifecycle_of(algorithm, current)
    supplements = services.current_supplements(algorithm)
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
        if (
            job.snapshot_hash == current
            and job.lifecycle == stamp
            and job.supplements == supplements
            and job.masked == masked
        ):
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
            "may_ask_full": variants.may_ask_full(access),
            "form": GenerateForm(),
            "text_kinds": letter_texts.TEXT_KINDS,
        },
    )


@login_required
@require_POST
@requires(Capability.GENERATE_DOCUMENTS)
def generate(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = get_access(request, slug)
    algorithm = _algorithm(access, pk)
    form = GenerateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of the documents."))
        return redirect("documents:algorithm", slug=slug, pk=algorithm.pk)
    job = services.job_request(
        algorithm=algorithm,
        document=form.cleaned_data["document"],
        bilingual=form.cleaned_data["bilingual"],
        masked=variants.generates_masked(access, full_requested=form.cleaned_data["full"]),
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
@requires(Capability.VIEW)
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
        # Asked only of a job that has waited a while; the answer is cached (documents.worker).
        "no_worker": worker.waiting_without_worker(job),
    }
    if request.htmx:
        return render(request, "documents/_job_status.html", context)
    return render(request, "documents/job.html", context)


@login_required
@requires(Capability.DOWNLOAD_DOCUMENTS)
def job_download(request: HttpRequest, slug: str, pk: int) -> FileResponse:
    """The file. A full one is a full view of the personal data: recorded at
    each download; reviewers get it only by asking (documents.access)."""
    access = get_access(request, slug)
    job = get_scoped_or_404(
        DocumentJob.objects.select_related("snapshot_version", "algorithm"), access, pk=pk
    )
    if not variants.may_download_now(request, access, masked=job.masked):
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
    if not job.masked:
        variants.record_full_download(request, access, job)
    response = FileResponse(
        handle, as_attachment=True, filename=job.download_name(), content_type="application/pdf"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# ---------------------------------------------------------------------------
# The wording of the letters (owners only) and the submission bundle
# ---------------------------------------------------------------------------


@login_required
@requires(Capability.SETTINGS)
def text_edit(request: HttpRequest, slug: str, kind: str) -> HttpResponse:
    """An owner's page to edit the wording of a letter (承诺书, 工作证明)."""
    access = get_access(request, slug)
    if kind not in letter_texts.TEXT_KINDS:
        raise Http404
    own = DocumentText.objects.in_workspace(access.workspace).filter(kind=kind).first()
    if request.method == "POST":
        form = DocumentTextForm(request.POST)
        if form.is_valid():
            text = "" if form.cleaned_data["reset"] else form.cleaned_data["text"]
            try:
                services.text_save(
                    workspace=access.workspace, kind=kind, text=text, by=request.user
                )
            except ValidationError as error:
                form.add_error("text", error)
            else:
                messages.success(request, _("The text was saved."))
                return redirect("documents:text", slug=slug, kind=kind)
    else:
        form = DocumentTextForm(
            initial={"text": own.text if own else letter_texts.default_text(kind)}
        )
    return render(
        request,
        "documents/text_edit.html",
        {
            "workspace": access.workspace,
            "access": access,
            "kind": kind,
            "title_zh": TITLES_ZH[DocumentKind(kind)],
            "label": DocumentKind(kind).label,
            "own": own,
            "form": form,
            "placeholders": list(letter_texts.PLACEHOLDERS.items()),
            "kinds": [
                {"code": k, "title_zh": TITLES_ZH[DocumentKind(k)]} for k in letter_texts.TEXT_KINDS
            ],
        },
    )


class _Sink:
    """A write-only stream for zipfile: what is written is taken out in pieces."""

    def __init__(self):
        self.parts: list[bytes] = []
        self.position = 0

    def write(self, data) -> int:
        data = bytes(data)
        self.parts.append(data)
        self.position += len(data)
        return len(data)

    def tell(self) -> int:
        return self.position

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self.parts)
        self.parts = []
        return data


CHUNK = 64 * 1024


def _zip_stream(entries):
    """The zip of `entries` ((name in the zip, storage name)), produced while it is sent."""
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, stored in entries:
            with default_storage.open(stored, "rb") as source, archive.open(name, "w") as target:
                while chunk := source.read(CHUNK):
                    target.write(chunk)
                    yield sink.take()
            yield sink.take()
    yield sink.take()


@login_required
@requires(Capability.DOWNLOAD_DOCUMENTS)
def bundle_download(request: HttpRequest, slug: str, pk: int) -> StreamingHttpResponse:
    """The submission bundle: the package PDF and the uploaded originals under the
    portal's names (01-营业执照.pdf …). The ID copies are inside, so it is a
    full view of personal data and audited as one; a masked package (a review
    copy) has none."""
    access = get_access(request, slug)
    job = get_scoped_or_404(
        DocumentJob.objects.select_related("snapshot_version", "algorithm"), access, pk=pk
    )
    if not variants.may_download_now(request, access, masked=False):
        raise PermissionDenied
    if job.document != DocumentKind.PACKAGE or job.masked or not job.is_downloadable:
        raise Http404
    if job.snapshot_version_id is None:
        raise Http404
    listed = [
        *(job.snapshot_version.data.get("attachments") or []),
        *((job.supplements or {}).get("formalities") or []),
    ]
    stored = dict(
        Attachment.objects.in_workspace(access.workspace)
        .filter(sha256__in={a.get("sha256") for a in listed})
        .values_list("sha256", "file")
    )
    try:
        if default_storage.size(job.file.name) != job.size:
            raise Http404
    except (FileNotFoundError, OSError):
        raise Http404 from None
    entries = [(job.download_name(), job.file.name)]
    for attachment, name in package.bundle_names(listed):
        if stored.get(attachment.get("sha256")):
            entries.append((name, stored[attachment["sha256"]]))
    variants.record_full_download(
        request, access, job, extra=("legal_rep_id_copy", "officer_id_copy")
    )
    response = StreamingHttpResponse(_zip_stream(entries), content_type="application/zip")
    filename = job.download_name()[: -len(".pdf")] + "-提交材料.zip"
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
